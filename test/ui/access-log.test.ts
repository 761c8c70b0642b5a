import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { getJwt, setUpValidSession } from "@shopify/shopify-api/test-helpers";
import db from "~/db.server";
import { sessionStorage } from "~/shopify.server";
import { loader as customerLoader } from "~/routes/app.customers.$id";
import { loader as exportLoader } from "~/routes/app.export.$segment";
import { loader as segmentLoader } from "~/routes/app.segments.$key";
import { loader as settingsLoader } from "~/routes/app.settings";
import { queues } from "~/queues.server";
import { purgeOldAccessLog } from "~/sync/retention.server";
import { signSessionToken } from "../shopify-emulator/auth";
import { seedAnalysedShop, type SeededShop } from "../helpers/seed-analysis";
import { uniqueShopDomain } from "../helpers/shops";

// Every admin view or export of customers' personal data is recorded with the staff user of the
// session token (its `sub`), what and when, and the merchant sees the shop's own entries in
// Settings, never another shop's.

const apiKey = process.env.SHOPIFY_API_KEY!;
const apiSecretKey = process.env.SHOPIFY_API_SECRET!;
const NOW = new Date("2026-11-01T00:00:00Z");

type Handler = (args: LoaderFunctionArgs) => Promise<unknown>;

async function installedShop(customers: number): Promise<SeededShop> {
  const domain = uniqueShopDomain("access");
  await sessionStorage.storeSession(setUpValidSession({ shop: domain, expires: undefined, scope: process.env.SCOPES }));
  return seedAnalysedShop(domain, customers, NOW);
}

/** A loader called as App Bridge calls it, with a session token naming staff user `sub`. */
async function callAs(sub: string, handler: Handler, shop: string, path: string, params: Record<string, string> = {}) {
  const { token } = await getJwt(shop.replace(".myshopify.com", ""), apiKey, apiSecretKey, { sub });
  const request = new Request(`${process.env.SHOPIFY_APP_URL}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  try {
    return await handler({ request, params, context: {} });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

const entries = (shopId: number) =>
  db.accessLogEntry.findMany({
    where: { shopId },
    orderBy: { id: "asc" },
    select: { userId: true, action: true, subject: true },
  });

let a: SeededShop;
let b: SeededShop;
beforeAll(async () => {
  [a, b] = await Promise.all([installedShop(20), installedShop(5)]);
});
afterAll(() => queues().close());

describe("the access log", () => {
  it("the emulator's session tokens carry the staff user as `sub`", () => {
    const token = signSessionToken({ shop: a.domain, apiKey, apiSecret: apiSecretKey, userId: 77 });
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
    expect(claims.sub).toBe("77");
  });

  it("records a customer page view with the staff user, what and when", async () => {
    const id = a.firstCustomerId.toString();
    const before = Date.now();
    const data = (await callAs("4242", customerLoader, a.domain, `/app/customers/${id}`, { id })) as {
      customer: { email: string };
    };
    expect(data.customer.email).toBe("customer1@example.com");
    const [entry] = await db.accessLogEntry.findMany({ where: { shopId: a.shopId } });
    expect({ userId: entry.userId, action: entry.action, subject: entry.subject }).toEqual({
      userId: "4242",
      action: "customer.view",
      subject: id,
    });
    expect(entry.at.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(entry.at.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it("records the members' CSV export and the segment page's members", async () => {
    const key = (await db.membership.findFirstOrThrow({ where: { shopId: a.shopId } })).segmentKey;
    const response = (await callAs("5151", exportLoader, a.domain, `/app/export/${key}`, { segment: key })) as Response;
    expect(response.status).toBe(200);
    await response.text();
    await callAs("5151", segmentLoader, a.domain, `/app/segments/${key}`, { key });
    expect((await entries(a.shopId)).slice(-2)).toEqual([
      { userId: "5151", action: "segment.export", subject: key },
      { userId: "5151", action: "segment.members.view", subject: key },
    ]);
  });

  it("records nothing for a 404 (another shop's customer)", async () => {
    const before = await db.accessLogEntry.count({ where: { shopId: { in: [a.shopId, b.shopId] } } });
    const foreign = b.firstCustomerId.toString();
    const response = await callAs("4242", customerLoader, a.domain, `/app/customers/${foreign}`, { id: foreign });
    expect((response as Response).status).toBe(404);
    expect(await db.accessLogEntry.count({ where: { shopId: { in: [a.shopId, b.shopId] } } })).toBe(before);
  });

  it("Settings lists the shop's own entries, newest first, and never another shop's", async () => {
    const id = b.firstCustomerId.toString();
    await callAs("999", customerLoader, b.domain, `/app/customers/${id}`, { id });
    type Settings = { accessLog: { userId: string | null; what: string; subject: string; action: string }[] };
    const mine = ((await callAs("4242", settingsLoader, a.domain, "/app/settings")) as Settings).accessLog;
    expect(mine.map((e) => [e.userId, e.action])).toEqual([
      ["5151", "segment.members.view"],
      ["5151", "segment.export"],
      ["4242", "customer.view"],
    ]);
    expect(mine[2].what).toBe("Viewed a customer");
    const theirs = ((await callAs("999", settingsLoader, b.domain, "/app/settings")) as Settings).accessLog;
    expect(theirs.map((e) => [e.userId, e.action, e.subject])).toEqual([["999", "customer.view", id]]);
  });

  it("keeps entries 365 days", async () => {
    const at = (days: number) => new Date(NOW.getTime() - days * 86_400_000);
    // Entries of a shop of this test at fixed instants long before anything written with the system clock.
    const shop = await installedShop(0);
    await db.accessLogEntry.createMany({
      data: [366, 364].map((days) => ({
        shopId: shop.shopId,
        action: "customer.view",
        subject: String(days),
        at: at(days),
      })),
    });
    expect(await purgeOldAccessLog(db, { now: NOW })).toBe(1);
    expect((await entries(shop.shopId)).map((e) => e.subject)).toEqual(["364"]);
  });
});
