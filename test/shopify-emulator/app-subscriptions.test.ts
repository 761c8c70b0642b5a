import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { APP_SUBSCRIPTIONS } from "~/shopify/documents";
import { startEmulator, type Emulator } from "./server";
import { adminGraphQL, startWebhookReceiver, TEST_APP } from "./test-helpers";

// Shopify App Pricing in the emulator: the subscriptions a shop's merchant makes on the hosted plan
// page, `currentAppInstallation.activeSubscriptions`, and the app_subscriptions/update webhook.

const SHOP = "subscriptions-test.myshopify.com";
const BARE = "no-subscription-test.myshopify.com";
let emu: Emulator;
let app: Awaited<ReturnType<typeof startWebhookReceiver>>;

interface Answer {
  currentAppInstallation: {
    id: string;
    activeSubscriptions: { id: string; name: string; status: string; test: boolean }[];
  };
}
const active = async (shop: string) =>
  (await adminGraphQL<Answer>(emu, shop, APP_SUBSCRIPTIONS)).data!.currentAppInstallation.activeSubscriptions;

beforeAll(async () => {
  app = await startWebhookReceiver();
  emu = await startEmulator({
    ...TEST_APP,
    appUrl: app.url,
    subscriptions: {
      "app_subscriptions/update": "/webhooks/app_subscriptions/update",
      "app/uninstalled": "/webhooks/app/uninstalled",
    },
  });
  emu.addShop(SHOP, { customers: 5, seed: "subscriptions" });
  emu.addShop(BARE, { customers: 5, seed: "subscriptions", appSubscription: null });
});
afterAll(async () => {
  await emu.close();
  await app.close();
});
afterEach(async () => {
  await emu.idle();
  app.received.length = 0;
});

describe("app subscriptions", () => {
  it("starts a shop on Pro by default (announcing nothing), or on none when asked", async () => {
    expect(await active(SHOP)).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(/^gid:\/\/shopify\/AppSubscription\/\d+$/),
        name: "Pro",
        status: "ACTIVE",
        test: false,
      }),
    ]);
    expect(await active(BARE)).toEqual([]);
    await emu.idle();
    expect(app.received).toHaveLength(0);
  });

  it("answers the app's document as validated against Shopify's schema, with every field it asks", async () => {
    const result = await adminGraphQL<Answer>(emu, BARE, APP_SUBSCRIPTIONS);
    expect(result.errors).toBeUndefined();
    emu.subscribeApp(BARE, "Growth", { test: true, trialDays: 14 });
    const [sub] = (
      await adminGraphQL<{ currentAppInstallation: { activeSubscriptions: Record<string, unknown>[] } }>(
        emu,
        BARE,
        APP_SUBSCRIPTIONS,
      )
    ).data!.currentAppInstallation.activeSubscriptions;
    expect(sub).toMatchObject({ name: "Growth", status: "ACTIVE", test: true, trialDays: 14 });
    expect(Date.parse(String(sub.createdAt))).toBeGreaterThan(0);
    expect(Date.parse(String(sub.currentPeriodEnd))).toBeGreaterThan(Date.parse(String(sub.createdAt)));
    emu.cancelAppSubscription(BARE);
  });

  it("replaces the active subscription on a plan change and announces both, signed like every webhook", async () => {
    const before = (await active(SHOP))[0];
    const growth = emu.subscribeApp(SHOP, "Growth");
    await emu.idle();
    expect(await active(SHOP)).toEqual([expect.objectContaining({ name: "Growth", status: "ACTIVE" })]);
    const deliveries = app.received.filter((r) => r.path === "/webhooks/app_subscriptions/update");
    expect(deliveries.map((r) => JSON.parse(r.body).app_subscription)).toEqual([
      expect.objectContaining({ admin_graphql_api_id: before.id, name: "Pro", status: "CANCELLED" }),
      expect.objectContaining({
        admin_graphql_api_id: `gid://shopify/AppSubscription/${growth.id}`,
        name: "Growth",
        status: "ACTIVE",
        admin_graphql_api_shop_id: `gid://shopify/Shop/${emu.shop(SHOP).id}`,
      }),
    ]);
    for (const request of deliveries) {
      expect(request.headers["x-shopify-topic"]).toBe("app_subscriptions/update");
      expect(request.headers["x-shopify-shop-domain"]).toBe(SHOP);
      expect(request.headers["x-shopify-hmac-sha256"]).toBe(
        createHmac("sha256", TEST_APP.apiSecret).update(request.body).digest("base64"),
      );
    }
  });

  it("cancels: no active subscription left, CANCELLED announced", async () => {
    emu.cancelAppSubscription(SHOP);
    await emu.idle();
    expect(await active(SHOP)).toEqual([]);
    const [delivery] = app.received;
    expect(JSON.parse(delivery.body).app_subscription).toMatchObject({ name: "Growth", status: "CANCELLED" });
    expect(emu.cancelAppSubscription(SHOP)).toBeNull();
  });

  it("cancels the subscription at uninstall without announcing it; a reinstall has none until the merchant picks a plan", async () => {
    emu.subscribeApp(SHOP, "Pro");
    await emu.idle();
    app.received.length = 0;
    emu.uninstall(SHOP);
    await emu.idle();
    expect(app.received.map((r) => r.path)).toEqual(["/webhooks/app/uninstalled"]);
    emu.install(SHOP);
    expect(await active(SHOP)).toEqual([]);
    expect(emu.shop(SHOP).appSubscriptions.map((s) => s.status)).not.toContain("ACTIVE");
  });
});
