import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "./server";
import { adminGraphQL, ALL_TOPICS, first, startWebhookReceiver, TEST_APP } from "./test-helpers";

const SHOP = "webhooks-test.myshopify.com";
let emu: Emulator;
let app: Awaited<ReturnType<typeof startWebhookReceiver>>;
/** Status the fake app answers with, per request; swapped by tests. */
let respond: (body: string, index: number) => number | Promise<number> = () => 200;

beforeAll(async () => {
  app = await startWebhookReceiver((request, index) => respond(request.body, index));
  emu = await startEmulator({ ...TEST_APP, appUrl: app.url, subscriptions: ALL_TOPICS });
  emu.addShop(SHOP, { customers: 50, seed: "webhooks", timezone: "Europe/Berlin", currency: "EUR" });
});
afterAll(async () => {
  await emu.close();
  await app.close();
});
afterEach(async () => {
  await emu.idle();
  app.received.length = 0;
  emu.webhooks.log.length = 0;
  respond = () => 200;
  Object.assign(emu.faults.webhooks, { duplicateRate: 0, delayMs: [0, 0], timeoutMs: 5000, maxAttempts: 4 });
});

describe("webhook delivery", () => {
  it("announces a new order as orders/create with Shopify's headers, a valid HMAC and the REST payload shape", async () => {
    const customer = first(emu.shop(SHOP).customers()).record;
    const order = emu.shop(SHOP).createOrder({
      customerId: customer.id,
      lineItems: [{ productIndex: 3, quantity: 2 }],
      presentmentCurrency: "GBP",
    });
    await emu.idle();

    const [request] = app.received;
    expect(request.path).toBe("/webhooks/orders/create");
    expect(request.headers).toMatchObject({
      "x-shopify-topic": "orders/create",
      "x-shopify-shop-domain": SHOP,
      "x-shopify-api-version": "2026-07",
      "x-shopify-webhook-id": expect.any(String),
      "x-shopify-event-id": expect.any(String),
      "x-shopify-triggered-at": expect.any(String),
    });
    const expectedHmac = createHmac("sha256", TEST_APP.apiSecret).update(request.body).digest("base64");
    expect(request.headers["x-shopify-hmac-sha256"]).toBe(expectedHmac);
    expect(createHmac("sha256", "wrong-secret").update(request.body).digest("base64")).not.toBe(expectedHmac);

    const payload = JSON.parse(request.body);
    expect(payload).toMatchObject({
      id: order.id,
      admin_graphql_api_id: `gid://shopify/Order/${order.id}`,
      currency: "EUR",
      presentment_currency: "GBP",
      test: false,
      cancelled_at: null,
      customer: { id: customer.id },
      total_price_set: { shop_money: { currency_code: "EUR" }, presentment_money: { currency_code: "GBP" } },
      line_items: [
        expect.objectContaining({
          quantity: 2,
          product_id: expect.any(Number),
          price: expect.stringMatching(/^\d+\.\d\d$/),
        }),
      ],
      refunds: [],
    });
    expect(payload.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  });

  it("announces refunds, cancellations, deletions and tag changes on the matching topics", async () => {
    const store = emu.shop(SHOP);
    const { order } = first(store.orders());
    store.refundOrder(order.id, { amountCents: 500 });
    store.cancelOrder(order.id);
    store.deleteOrder(order.id);
    const customer = first(store.customers()).record;
    store.updateCustomer(customer.id, { note: "changed" });
    store.deleteCustomer(customer.id);
    await emu.idle();

    const topics = app.received.map((r) => r.headers["x-shopify-topic"]);
    expect(topics).toEqual([
      "refunds/create",
      "orders/updated",
      "orders/cancelled",
      "orders/updated",
      "orders/delete",
      "customers/update",
      "customers/delete",
    ]);
    expect(JSON.parse(app.received[0].body)).toMatchObject({
      order_id: order.id,
      transactions: [expect.objectContaining({ kind: "refund" })],
    });
    expect(JSON.parse(app.received[4].body)).toEqual({ id: order.id });
    // The later change carries the later updated_at.
    const updates = app.received
      .filter((r) => r.headers["x-shopify-topic"] === "orders/updated")
      .map((r) => Date.parse(JSON.parse(r.body).updated_at));
    expect(updates[1]).toBeGreaterThan(updates[0]);
  });

  it("redelivers with backoff when the app answers 5xx or times out, keeping the webhook id", async () => {
    respond = (_body, index) => (index < 2 ? 503 : 200);
    emu.emitWebhook(SHOP, "customers/redact", {
      shop_id: 1,
      shop_domain: SHOP,
      customer: { id: 1 },
      orders_to_redact: [],
    });
    await emu.idle();
    expect(emu.webhooks.log.map((e) => [e.attempt, e.status])).toEqual([
      [1, 503],
      [2, 503],
      [3, 200],
    ]);
    expect(new Set(app.received.map((r) => r.headers["x-shopify-webhook-id"])).size).toBe(1);

    emu.webhooks.log.length = 0;
    emu.faults.webhooks.timeoutMs = 100;
    emu.faults.webhooks.maxAttempts = 2;
    respond = () => new Promise((resolve) => setTimeout(() => resolve(200), 300));
    emu.requestShopRedact(SHOP);
    await emu.idle();
    expect(emu.webhooks.log.map((e) => [e.attempt, e.error])).toEqual([
      [1, "timeout"],
      [2, "timeout"],
    ]);
  });

  it("injects duplicates and shuffles held deliveries, every event still arriving", async () => {
    emu.webhooks.seed(7);
    emu.faults.webhooks.duplicateRate = 0.5;
    emu.webhooks.hold();
    const created = Array.from({ length: 40 }, () => emu.shop(SHOP).createOrder());
    expect(emu.webhooks.heldCount).toBe(40);
    await emu.webhooks.release({ shuffle: true });

    const ids = app.received.map((r) => JSON.parse(r.body).id as number);
    expect(new Set(ids)).toEqual(new Set(created.map((o) => o.id)));
    expect(ids.length).toBeGreaterThan(40);
    expect(ids.slice(0, 40)).not.toEqual(created.map((o) => o.id));
    const duplicates = emu.webhooks.log.filter((e) => e.duplicate);
    expect(duplicates.length).toBe(ids.length - 40);
    // A duplicate carries the same webhook and event id as its original.
    const byWebhook = new Map<string, Set<string>>();
    for (const r of app.received)
      byWebhook.set(
        String(r.headers["x-shopify-webhook-id"]),
        (byWebhook.get(String(r.headers["x-shopify-webhook-id"])) ?? new Set()).add(
          String(r.headers["x-shopify-event-id"]),
        ),
      );
    expect([...byWebhook.values()].every((events) => events.size === 1)).toBe(true);
  });

  it("sends compliance and uninstall webhooks, and can send a forged signature or malformed body on request", async () => {
    const customer = first(emu.shop(SHOP).customers());
    emu.requestCustomerRedact(SHOP, customer.record.id);
    emu.requestCustomerData(SHOP, customer.record.id);
    emu.emitWebhook(SHOP, "orders/create", { id: 1 }, { hmac: "Zm9yZ2Vk" });
    emu.emitWebhook(SHOP, "orders/create", null, { rawBody: "{not json" });
    await emu.idle();
    const byTopic = (topic: string) =>
      app.received.filter((r) => r.headers["x-shopify-topic"] === topic).map((r) => r.body);
    expect(JSON.parse(byTopic("customers/redact")[0])).toEqual({
      shop_id: emu.shop(SHOP).id,
      shop_domain: SHOP,
      customer: { id: customer.record.id, email: customer.record.email, phone: customer.record.phone },
      orders_to_redact: customer.orders.map((o) => o.id),
    });
    expect(JSON.parse(byTopic("customers/data_request")[0])).toMatchObject({
      orders_requested: customer.orders.map((o) => o.id),
      data_request: { id: expect.any(Number) },
    });
    const forged = app.received.find((r) => r.headers["x-shopify-hmac-sha256"] === "Zm9yZ2Vk");
    expect(forged?.body).toBe('{"id":1}');
    expect(byTopic("orders/create")).toContain("{not json");

    emu.uninstall(SHOP);
    await emu.idle();
    expect(JSON.parse(byTopic("app/uninstalled")[0])).toMatchObject({ myshopify_domain: SHOP, id: emu.shop(SHOP).id });
    const revoked = await adminGraphQL(emu, SHOP, `{ shop { id } }`);
    expect(revoked.status).toBe(401);
    // Uninstalled, the app's subscriptions are gone: changes send nothing, except compliance.
    const store = emu.shop(SHOP);
    const count = () => app.received.length;
    const before = count();
    const gapOrder = store.createOrder({ customerId: customer.record.id });
    store.refundOrder(gapOrder.id, { amountCents: 100 });
    emu.requestShopRedact(SHOP);
    await emu.idle();
    expect(app.received.slice(before).map((r) => r.headers["x-shopify-topic"])).toEqual(["shop/redact"]);
    emu.install(SHOP);
    expect((await adminGraphQL(emu, SHOP, `{ shop { id } }`)).status).toBe(200);
    store.updateOrder(gapOrder.id, { tags: ["after"] });
    await emu.idle();
    expect(byTopic("orders/updated").some((body) => JSON.parse(body).id === gapOrder.id)).toBe(true);
    expect(count()).toBe(before + 2);
  });
});
