import { beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { computeShop } from "~/compute/compute-shop.server";
import { seedSyntheticShop, type SeededOrders } from "../helpers/seed-orders";

// Issue 14: a compute writes only what changed. Rows are told apart by xmin (the transaction
// that last wrote them), so "not written" means not even rewritten with the same values.

const NOW = new Date("2026-11-01T00:00:00Z");
let shop: SeededOrders;

beforeAll(async () => {
  shop = await seedSyntheticShop("writes-only-changes.myshopify.com", 3_000, NOW);
  await db.$executeRaw`ANALYZE "Customer", "Order"`;
});

async function compute() {
  const run = await db.run.create({ data: { shopId: shop.shopId, kind: "COMPUTE", trigger: "test" } });
  return computeShop(db, shop.shopId, run.id, NOW);
}

/** Every score row's writing transaction and values, and every membership's, keyed by row. */
async function storedRows() {
  const scores = await db.$queryRaw<{ id: bigint; xmin: string; row: string }[]>`
    SELECT "customerId" AS id, xmin::text AS xmin,
      concat_ws(',', "orderCount", "totalSpent", "firstOrderAt", "lastOrderAt", "recencyDays", "r", "f", "m", "rfmSegment",
        "cluster", "lifecycle", "pAlive", "churnRisk", "interPurchaseDays", "expectedOrders", "expectedAov", "clv", "nextOrderAt",
        "explanation") AS row
    FROM "CustomerScore" WHERE "shopId" = ${shop.shopId}`;
  const memberships = await db.$queryRaw<{ key: string; xmin: string; control: boolean }[]>`
    SELECT "customerId" || ':' || "segmentKey" AS key, xmin::text AS xmin, "control" FROM "Membership" WHERE "shopId" = ${shop.shopId}`;
  return {
    scores: new Map(scores.map((s) => [s.id.toString(), s])),
    memberships: new Map(memberships.map((m) => [m.key, m])),
  };
}

describe("a compute writes only what changed", () => {
  it("re-run with nothing changed writes no score or membership row; after one new order, exactly the rows that differ", async () => {
    const first = await compute();
    expect(first.written.scores).toEqual({ inserted: first.customers, updated: 0, deleted: 0 });
    expect(first.written.memberships.inserted).toBe(first.memberships);
    const before = await storedRows();
    expect(before.scores.size).toBe(first.customers);

    const again = await compute();
    expect(again.written.scores).toEqual({ inserted: 0, updated: 0, deleted: 0 });
    expect(again.written.memberships).toEqual({ inserted: 0, updated: 0, deleted: 0 });
    expect(again.entered + again.left).toBe(0);
    // Per-run bookkeeping only: one snapshot per segment.
    expect(again.written.snapshots).toBe(await db.segment.count({ where: { shopId: shop.shopId } }));
    const unchanged = await storedRows();
    for (const [id, score] of unchanged.scores)
      expect(score.xmin, `score ${id} rewritten`).toBe(before.scores.get(id)!.xmin);
    for (const [key, m] of unchanged.memberships)
      expect(m.xmin, `membership ${key} rewritten`).toBe(before.memberships.get(key)!.xmin);

    // One more order for one customer, a day before now. The refit moves the model's parameters,
    // so other customers' predictions may legitimately change too: whatever changed must be
    // exactly what was written, and nothing else may be touched.
    const customer = await db.customer.findFirstOrThrow({ where: { shopId: shop.shopId }, orderBy: { id: "asc" } });
    await db.order.create({
      data: {
        shopId: shop.shopId,
        shopifyId: 9_000_000_000_001n,
        customerShopifyId: customer.shopifyId,
        currency: "USD",
        totalPrice: "75.00",
        processedAt: new Date(NOW.getTime() - 86_400_000),
        shopifyUpdatedAt: NOW,
      },
    });
    const afterOrder = await compute();
    const after = await storedRows();

    const differing = [...after.scores].filter(([id, s]) => s.row !== before.scores.get(id)!.row).map(([id]) => id);
    const rewritten = [...after.scores].filter(([id, s]) => s.xmin !== before.scores.get(id)!.xmin).map(([id]) => id);
    expect(differing).toContain(customer.id.toString());
    expect(rewritten.sort()).toEqual(differing.sort());
    expect(afterOrder.written.scores).toEqual({ inserted: 0, updated: differing.length, deleted: 0 });

    const enteredKeys = [...after.memberships.keys()].filter((k) => !before.memberships.has(k));
    const leftKeys = [...before.memberships.keys()].filter((k) => !after.memberships.has(k));
    const touched = [...after.memberships].filter(
      ([k, m]) => before.memberships.has(k) && m.xmin !== before.memberships.get(k)!.xmin,
    );
    expect(touched).toEqual([]);
    expect(afterOrder.written.memberships).toEqual({
      inserted: enteredKeys.length,
      updated: 0,
      deleted: leftKeys.length,
    });
    expect(afterOrder.entered).toBe(enteredKeys.length);
    expect(afterOrder.left).toBe(leftKeys.length);
  }, 120_000);
});
