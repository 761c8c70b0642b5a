import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import db from "~/db.server";
import { personalData } from "~/privacy/personal-data.server";
import { queues } from "~/queues.server";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { uniqueShopDomain, waitFor } from "../helpers/shops";

// Hoisted above the imports: the app reads its environment once, when ~/db.server loads.
vi.hoisted(() => {
  process.env.SCORE_DEBOUNCE_MS = "600000";
});

// Mandatory privacy webhooks erase exactly what they must, and never another shop's data.

let env: EmulatedApp;
let shopA: number;
let shopB: number;
const otherShop = uniqueShopDomain("other");

async function synced(domain: string) {
  const shop = await db.shop.findUniqueOrThrow({ where: { domain } });
  await waitFor(() => db.run.findFirst({ where: { shopId: shop.id, kind: "SYNC", status: "SUCCEEDED" } }), {
    timeoutMs: 60_000,
    what: `the back-fill of ${domain}`,
  });
  return shop.id;
}

async function footprint(shopId: number, domain: string) {
  return {
    customers: await db.customer.count({ where: { shopId } }),
    withEmail: await db.customer.count({ where: { shopId, NOT: { email: null } } }),
    orders: await db.order.count({ where: { shopId } }),
    linkedOrders: await db.order.count({ where: { shopId, NOT: { customerShopifyId: null } } }),
    sessions: await db.session.count({ where: { shop: domain } }),
  };
}

const applied = (domain: string, topic: string) =>
  waitFor(() => db.webhookEvent.findFirst({ where: { shopDomain: domain, topic, NOT: { processedAt: null } } }), {
    what: `${topic} to be applied`,
  });

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 150 });
  env.emu.addShop(otherShop, { customers: 150, seed: "other" });
  env.startWorkers();
  await env.install();
  await env.install(otherShop);
  [shopA, shopB] = [await synced(env.shop), await synced(otherShop)];
});

afterAll(async () => {
  await env?.close();
  await queues().close();
});

describe("compliance webhooks", () => {
  it("customers/redact erases one customer's personal data and order links, nothing else", async () => {
    const before = await footprint(shopA, env.shop);
    const otherBefore = await footprint(shopB, otherShop);
    const [buyer] = await db.$queryRaw<{ shopifyId: bigint }[]>`
      SELECT c."shopifyId" FROM "Customer" c JOIN "Order" o ON o."shopId" = c."shopId" AND o."customerShopifyId" = c."shopifyId"
      WHERE c."shopId" = ${shopA} AND c."email" IS NOT NULL ORDER BY c."id" LIMIT 1`;
    const target = await db.customer.findUniqueOrThrow({
      where: { shopId_shopifyId: { shopId: shopA, shopifyId: buyer.shopifyId } },
    });
    const theirOrders = await db.order.count({ where: { shopId: shopA, customerShopifyId: target.shopifyId } });
    expect(theirOrders).toBeGreaterThan(0);

    env.emu.requestCustomerRedact(env.shop, Number(target.shopifyId));
    await applied(env.shop, "CUSTOMERS_REDACT");

    const after = await db.customer.findUniqueOrThrow({ where: { shopId_id: { shopId: shopA, id: target.id } } });
    expect({ email: after.email, firstName: after.firstName, lastName: after.lastName, tags: after.tags }).toEqual({
      email: null,
      firstName: null,
      lastName: null,
      tags: [],
    });
    // Location and marketing consent go with the rest of the personal data.
    expect([
      after.countryCode,
      after.provinceCode,
      after.city,
      after.emailMarketingState,
      after.smsMarketingState,
    ]).toEqual([null, null, null, null, null]);
    expect(after.redactedAt).not.toBeNull();
    expect(await db.order.count({ where: { shopId: shopA, customerShopifyId: target.shopifyId } })).toBe(0);
    expect(await footprint(shopA, env.shop)).toEqual({
      ...before,
      withEmail: before.withEmail - 1,
      linkedOrders: before.linkedOrders - theirOrders,
    });
    expect(await footprint(shopB, otherShop)).toEqual(otherBefore);
    const record = await db.complianceRequest.findFirstOrThrow({
      where: { shopDomain: env.shop, topic: "customers/redact" },
    });
    expect(record.customerShopifyId).toBe(target.shopifyId);
    expect(record.completedAt).not.toBeNull();
  });

  it("customers/data_request records the data we hold for that customer", async () => {
    const target = await db.customer.findFirstOrThrow({
      where: { shopId: shopA, NOT: { email: null } },
      orderBy: { id: "desc" },
    });
    const orders = await db.order.count({
      where: { shopId: shopA, customerShopifyId: target.shopifyId, deletedAt: null },
    });
    env.emu.requestCustomerData(env.shop, Number(target.shopifyId));
    await applied(env.shop, "CUSTOMERS_DATA_REQUEST");
    const record = await db.complianceRequest.findFirstOrThrow({
      where: { shopDomain: env.shop, topic: "customers/data_request" },
    });
    const result = record.result as { customer: { email: string }; orders: unknown[] };
    // Sealed values differ on every write (a fresh IV; our own tag push's echo rewrites the row):
    // the record must hold the customer's email, so compare what they open to.
    const owner = { shopId: shopA, shopifyId: target.shopifyId };
    const open = (sealed: string | null) => personalData().open(sealed, owner, "email");
    expect(result.customer.email).toMatch(/^e1\./);
    expect(open(result.customer.email)).toBe(open(target.email));
    expect(open(target.email)).toContain("@");
    expect(result.orders).toHaveLength(orders);
  });

  it("shop/redact erases everything of that shop and nothing of another", async () => {
    const otherBefore = await footprint(shopB, otherShop);
    env.emu.requestShopRedact(env.shop);
    await waitFor(
      async () =>
        (await db.complianceRequest.findFirst({ where: { shopDomain: env.shop, topic: "shop/redact" } })) ?? undefined,
      { what: "shop/redact to be applied" },
    );
    expect(await db.shop.findUnique({ where: { domain: env.shop } })).toBeNull();
    expect(await footprint(shopA, env.shop)).toEqual({
      customers: 0,
      withEmail: 0,
      orders: 0,
      linkedOrders: 0,
      sessions: 0,
    });
    expect(await db.webhookEvent.count({ where: { shopDomain: env.shop } })).toBe(0);
    expect(await db.complianceRequest.count({ where: { shopDomain: env.shop, topic: { not: "shop/redact" } } })).toBe(
      0,
    );
    expect(await footprint(shopB, otherShop)).toEqual(otherBefore);
  });
});
