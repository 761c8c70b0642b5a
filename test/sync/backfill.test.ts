import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { waitFor } from "../helpers/shops";

let env: EmulatedApp;

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 10_000, plan: "advanced" });
});
afterAll(async () => {
  await env?.close();
  await queues().close();
});

describe("install and back-fill", () => {
  it("installs through token exchange and back-fills the shop so the database equals Shopify", async () => {
    env.startWorkers();
    await env.install();

    const shop = await db.shop.findUniqueOrThrow({ where: { domain: env.shop } });
    const run = await waitFor(
      async () => {
        const r = await db.run.findFirst({ where: { shopId: shop.id, kind: "SYNC" } });
        return r && (r.status === "SUCCEEDED" || r.status === "FAILED") ? r : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250, what: "the sync run to finish" },
    );
    expect(run.error).toBeNull();
    expect(run.status).toBe("SUCCEEDED");

    const store = env.emu.shop(env.shop);
    const expected = new Map<string, { orders: number; spentCents: number }>();
    let expectedOrders = 0;
    for (const snapshot of store.customers()) {
      const totals = store.customerTotals(snapshot);
      expected.set(String(snapshot.record.id), { orders: totals.numberOfOrders, spentCents: totals.amountSpentCents });
    }
    for (const _ of store.orders()) expectedOrders++;

    expect(await db.customer.count({ where: { shopId: shop.id } })).toBe(expected.size);
    expect(await db.order.count({ where: { shopId: shop.id } })).toBe(expectedOrders);
    expect(run.progressDone).toBe(expectedOrders);

    const actual = await db.$queryRaw<{ customer: bigint; orders: bigint; spent: string }[]>`
      SELECT "customerShopifyId" AS customer, COUNT(*) AS orders,
             SUM(GREATEST(0, "totalPrice" - "totalRefunded"))::text AS spent
      FROM "Order" WHERE "shopId" = ${shop.id} AND NOT "test" AND "deletedAt" IS NULL AND "customerShopifyId" IS NOT NULL
      GROUP BY 1`;
    const byCustomer = new Map(actual.map((r) => [r.customer.toString(), r]));
    let compared = 0;
    for (const [id, want] of expected) {
      const got = byCustomer.get(id);
      expect({ id, orders: Number(got?.orders ?? 0), spentCents: Math.round(Number(got?.spent ?? 0) * 100) }).toEqual({
        id,
        orders: want.orders,
        spentCents: want.spentCents,
      });
      compared++;
    }
    expect(compared).toBe(10_000);

    const withItems = await db.$queryRaw<{ n: bigint }[]>`
      SELECT COUNT(*) AS n FROM "Order" WHERE "shopId" = ${shop.id} AND jsonb_array_length("lineItems") = 0`;
    expect(Number(withItems[0].n)).toBe(0);
  });
});
