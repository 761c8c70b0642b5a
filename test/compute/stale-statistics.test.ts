import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db, { createDb, type Db } from "~/db.server";
import { computeShop } from "~/compute/compute-shop.server";
import { addLineItems, refreshProfilingOptOut, upsertCustomers } from "~/sync/write-records.server";
import { seedShopOrders, seedSyntheticShop, type SeededOrders } from "../helpers/seed-orders";

// Issue 14: a shop back-filled into a database that already holds another shop's rows, with
// statistics from before the back-fill (autovacuum off here; in production a 1M-order shop
// joining a 50M-order table stays under autovacuum's analyze threshold). The planner then
// believes the new shop has one order; a plan that depends on that belief went quadratic.
// The compute must take about as long as it does once the statistics are fresh.

const NOW = new Date("2026-11-01T00:00:00Z");
const OTHER_CUSTOMERS = 100_000;
const CUSTOMERS = 40_000;
// Bounds the stale run on code whose plan goes quadratic (hours at this size) so the test fails
// instead of hanging; every statement of a healthy compute here takes a few seconds at most.
const STATEMENT_TIMEOUT_MS = 30_000;

let bounded: Db;
let shop: SeededOrders;

beforeAll(async () => {
  const url = new URL(process.env.DATABASE_URL!);
  url.searchParams.set("options", `-c statement_timeout=${STATEMENT_TIMEOUT_MS}`);
  bounded = createDb(url.toString());
  await seedShopOrders("stale-stats-other.myshopify.com", { customers: OTHER_CUSTOMERS, now: NOW });
  await db.$executeRaw`ANALYZE "Customer", "Order"`;
  // After the ANALYZE: the statistics know nothing of this shop.
  shop = await seedSyntheticShop("stale-stats-new.myshopify.com", CUSTOMERS, NOW);
}, 240_000);

afterAll(async () => {
  await bounded?.$disconnect();
});

async function plannedOrders(shopId: number): Promise<number> {
  const [row] = await db.$queryRawUnsafe<{ "QUERY PLAN": [{ Plan: { "Plan Rows": number } }] }[]>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM "Order" WHERE "shopId" = ${shopId}`,
  );
  return row["QUERY PLAN"][0].Plan["Plan Rows"];
}

/** A digest of every score the run wrote, to show both runs computed the same thing. */
async function scoreDigest(shopId: number): Promise<string> {
  const [row] = await db.$queryRaw<{ digest: string }[]>`
    SELECT md5(string_agg(concat_ws(',', "customerId", "orderCount", "totalSpent", "r", "f", "m", "rfmSegment", "cluster",
      "lifecycle", round("clv"::numeric, 6)), ';' ORDER BY "customerId")) AS digest
    FROM "CustomerScore" WHERE "shopId" = ${shopId}`;
  return row.digest;
}

/** Drops what a compute wrote, so the next one does the same (first-run) work again. */
async function forgetComputedResults(shopId: number) {
  await db.membershipEvent.deleteMany({ where: { shopId } });
  await db.membership.deleteMany({ where: { shopId } });
  await db.segmentSnapshot.deleteMany({ where: { shopId } });
  await db.customerScore.deleteMany({ where: { shopId } });
  await db.shopModel.deleteMany({ where: { shopId } });
  await db.segment.deleteMany({ where: { shopId } });
}

async function plannedCustomers(shopId: number): Promise<number> {
  const [row] = await db.$queryRawUnsafe<{ "QUERY PLAN": [{ Plan: { "Plan Rows": number } }] }[]>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM "Customer" WHERE "shopId" = ${shopId}`,
  );
  return row["QUERY PLAN"][0].Plan["Plan Rows"];
}

async function timedCompute(shopId: number) {
  const run = await db.run.create({ data: { shopId, kind: "COMPUTE", trigger: "test" } });
  const started = performance.now();
  const result = await computeShop(bounded, shopId, run.id, NOW);
  return { ms: performance.now() - started, result };
}

// Before the compute's test: it must see the statistics as a back-fill leaves them.
describe("the sync's writes with stale planner statistics", () => {
  it("writes back-fill batches (customers, their opt-out, late order lines) without re-reading the shop per row", async () => {
    expect(await plannedCustomers(shop.shopId)).toBeLessThan(CUSTOMERS / 100);
    const batch = (
      await db.customer.findMany({
        where: { shopId: shop.shopId },
        select: { shopifyId: true },
        orderBy: { id: "desc" },
        take: 1_000,
      })
    ).map((c) => c.shopifyId);
    const tagged = batch.slice(0, 10);
    const setTags = (tags: string[]) =>
      db.$executeRaw`UPDATE "Customer" SET "tags" = ${tags}::text[]
        WHERE "shopId" = ${shop.shopId} AND "shopifyId" = ANY(${tagged.map(String)}::bigint[])`;
    const sorted = (ids: bigint[]) => ids.map(String).sort();

    // With that estimate the planner may join by nested loop (CI's did, and a batch of a 13,000-
    // customer shop took 30 s): this connection allows no other join, and its statement timeout
    // fails a plan that reads the shop's rows once per row of the batch (a healthy batch of
    // 1,000 takes well under a second).
    const url = new URL(process.env.DATABASE_URL!);
    url.searchParams.set("options", `-c statement_timeout=5000 -c enable_hashjoin=off -c enable_mergejoin=off`);
    const nestedLoopsOnly = createDb(url.toString());
    try {
      // A back-fill batch of 1,000.
      await setTags(["Segments-Opt-Out"]);
      expect(sorted(await refreshProfilingOptOut(nestedLoopsOnly, shop.shopId, batch))).toEqual(sorted(tagged));
      expect(await db.customer.count({ where: { shopId: shop.shopId, profilingOptOut: true } })).toBe(10);
      // The whole shop (a changed opt-out tag setting), back to nobody opted out.
      await setTags([]);
      expect(sorted(await refreshProfilingOptOut(nestedLoopsOnly, shop.shopId))).toEqual(sorted(tagged));
      expect(await db.customer.count({ where: { shopId: shop.shopId, profilingOptOut: true } })).toBe(0);

      // The back-fill's other batch writes that join a batch to the shop's rows: customers
      // (upsert, then their opt-out) and order lines that arrive after their order.
      const stamp = new Date("2026-11-02T00:00:00Z");
      const rows = batch.map((shopifyId) => ({
        shopifyId,
        email: `c${shopifyId}@example.com`,
        firstName: "Stale",
        lastName: "Stats",
        tags: [],
        shopifyCreatedAt: stamp,
        shopifyUpdatedAt: stamp,
        address: { countryCode: "CA", provinceCode: "ON", city: "Toronto" },
      }));
      expect(await upsertCustomers(nestedLoopsOnly, shop.shopId, rows)).toEqual([]);
      const orders = await db.order.findMany({
        where: { shopId: shop.shopId },
        select: { shopifyId: true },
        orderBy: { shopifyId: "desc" },
        take: 1_000,
      });
      const items = new Map(
        orders.map((o) => [
          o.shopifyId,
          [{ id: `late-${o.shopifyId}`, productId: null, productType: "Coffee", quantity: 1, amount: 1 }],
        ]),
      );
      expect(await addLineItems(nestedLoopsOnly, shop.shopId, items)).toBe(1_000);
    } finally {
      await nestedLoopsOnly.$disconnect();
    }
  }, 120_000);
});

describe("compute with stale planner statistics", () => {
  it("takes about as long as with fresh statistics and computes the same scores", async () => {
    // The premise: the planner's estimate for the new shop is off by orders of magnitude.
    expect(shop.orders).toBeGreaterThan(2 * CUSTOMERS);
    expect(await plannedOrders(shop.shopId)).toBeLessThan(shop.orders / 100);

    const stale = await timedCompute(shop.shopId);
    expect(stale.result.customers).toBe(CUSTOMERS);
    expect(stale.result.orders).toBe(shop.orders);
    const staleDigest = await scoreDigest(shop.shopId);

    await forgetComputedResults(shop.shopId);
    await db.$executeRaw`ANALYZE "Customer", "Order", "CustomerScore", "Membership"`;
    expect(await plannedOrders(shop.shopId)).toBeGreaterThan(shop.orders / 2);

    const fresh = await timedCompute(shop.shopId);
    expect(fresh.result.orders).toBe(shop.orders);
    expect(await scoreDigest(shop.shopId)).toBe(staleDigest);
    console.log(
      `issue 14, ${CUSTOMERS} customers / ${shop.orders} orders: stale ${JSON.stringify(stale.result.phaseMs)}; fresh ${JSON.stringify(fresh.result.phaseMs)}`,
    );

    // A second of slack for a shared, loaded machine; the failure this guards against is
    // orders × customers, hundreds of times slower.
    const phases = `stale ${JSON.stringify(stale.result.phaseMs)}, fresh ${JSON.stringify(fresh.result.phaseMs)}`;
    expect(stale.ms, phases).toBeLessThan(3 * fresh.ms + 1_000);
  }, 180_000);
});
