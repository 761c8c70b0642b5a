// End-to-end behaviour of analyzeShop and scoreCustomer on small, hand-checkable shops and
// on a simulated one.
import { describe, expect, it } from "vitest";
import {
  analyzeShop,
  scoreCustomer,
  segmentKeysOf,
  summarizeOrders,
  TransactionColumnsBuilder,
  type ShopAnalysis,
} from "~/segmentation";
import { syntheticShop } from "../bench/synthetic-shop";

const DAY = 86_400_000;
const at = (iso: string) => new Date(iso).getTime();

const shop = syntheticShop({
  customers: 4000,
  bgnbd: { r: 0.8, alpha: 40, a: 0.7, b: 2.5 },
  gammaGamma: { p: 5, q: 4, gamma: 60 },
  acquisitionDays: 730,
  historyDays: 730,
  end: new Date("2025-12-31T00:00:00Z"),
  seed: 5,
});
const AS_OF = at("2025-12-31T00:00:00Z");

function allNumbersFinite(analysis: ShopAnalysis) {
  for (const [name, column] of Object.entries(analysis.customers.features)) {
    for (let c = 0; c < column.length; c++) {
      if (!Number.isFinite(column[c])) throw new Error(`${name}[${c}] = ${column[c]}`);
    }
  }
  for (let c = 0; c < analysis.customers.count; c++)
    expect(Number.isFinite(analysis.customers.nextOrderAt[c])).toBe(true);
}

describe("analyzeShop on a simulated shop", () => {
  const analysis = analyzeShop(shop, { asOf: AS_OF, kMax: 5 });

  it("is deterministic: same input, same clusters, scores and segments", () => {
    const again = analyzeShop(shop, { asOf: AS_OF, kMax: 5 });
    expect(Array.from(again.customers.cluster)).toEqual(Array.from(analysis.customers.cluster));
    expect(again.clusters.map((c) => c.description)).toEqual(analysis.clusters.map((c) => c.description));
    expect(Array.from(again.customers.features.clv)).toEqual(Array.from(analysis.customers.features.clv));
  });

  it("gives finite predictions for every customer, with P(alive) in [0, 1]", () => {
    allNumbersFinite(analysis);
    const { pAlive, clv, expectedOrders } = analysis.customers.features;
    for (let c = 0; c < analysis.customers.count; c++) {
      expect(pAlive[c]).toBeGreaterThanOrEqual(0);
      expect(pAlive[c]).toBeLessThanOrEqual(1);
      expect(clv[c]).toBeGreaterThanOrEqual(0);
      expect(expectedOrders[c]).toBeGreaterThanOrEqual(0);
    }
  });

  it("puts every customer in exactly one segment of each kind, with stable keys", () => {
    const kinds = ["rfm", "cluster", "lifecycle", "churn-risk"];
    for (const kind of kinds) {
      const total = analysis.segments.filter((s) => s.kind === kind).reduce((sum, s) => sum + s.size, 0);
      expect(total).toBe(analysis.customers.count);
    }
    const keys = segmentKeysOf(analysis, 0);
    expect(keys).toHaveLength(4);
    for (const key of keys) expect(key).toMatch(/^(rfm|cluster|lifecycle|churn-risk)(-[a-z0-9]+)+$/);
    expect(analysis.segments.map((s) => s.key)).toContain("lifecycle-reactivated");
  });

  it("chooses k in range by silhouette and describes clusters in words", () => {
    const { silhouetteByK, clusterSelection } = analysis.diagnostics;
    const ks = Object.keys(silhouetteByK).map(Number);
    expect(ks).toEqual([2, 3, 4, 5]);
    expect(analysis.clusters.length).toBeGreaterThanOrEqual(2);
    // The smallest k within the tolerance of the best silhouette among k with big-enough clusters.
    const eligible = ks.filter((k) => clusterSelection.smallestClusterByK[k] >= clusterSelection.minClusterSize);
    const best = Math.max(...eligible.map((k) => silhouetteByK[k]));
    const k = analysis.clusters.length;
    expect(silhouetteByK[k]).toBeGreaterThanOrEqual(best - clusterSelection.silhouetteTolerance);
    expect(eligible.filter((j) => j < k && silhouetteByK[j] >= best - clusterSelection.silhouetteTolerance)).toEqual(
      [],
    );
    for (const cluster of analysis.clusters)
      expect(cluster.size).toBeGreaterThanOrEqual(clusterSelection.minClusterSize);
    // cluster-1 is the most valuable: more orders on average than the last cluster.
    const first = analysis.clusters[0].centroid;
    const last = analysis.clusters[analysis.clusters.length - 1].centroid;
    expect(first.orders + first.averageOrderValue / 100).toBeGreaterThan(
      last.orders + last.averageOrderValue / 100 - 1e-9,
    );
    for (const cluster of analysis.clusters) expect(cluster.description).toMatch(/^[a-z ,-]+$/);
    for (const cluster of analysis.clusters) expect(cluster.name).toMatch(/^[A-Z][a-z -]+( \([a-z -]+\))*$/);
  });

  it("re-scores any customer from the stored model exactly as the full run did", () => {
    const model = JSON.parse(JSON.stringify(analysis.model)); // as stored in the database
    const { sourceIndex, features, ids } = analysis.customers;
    for (const c of [0, 1, 7, 100, 1234, analysis.customers.count - 1]) {
      const orders: { time: number; amount: number }[] = [];
      for (let row = 0; row < shop.customer.length; row++) {
        if (shop.customer[row] === sourceIndex[c] && shop.time[row] < AS_OF + DAY)
          orders.push({ time: shop.time[row], amount: shop.amount[row] });
      }
      const score = scoreCustomer(model, summarizeOrders(orders)!, AS_OF);
      for (const name of Object.keys(score.features) as (keyof typeof score.features)[]) {
        expect(score.features[name], `${ids[c]} ${name}`).toBeCloseTo(features[name][c], 9);
      }
      expect([
        score.segmentKeys.rfm,
        score.segmentKeys.cluster,
        score.segmentKeys.lifecycle,
        score.segmentKeys.churnRisk,
      ]).toEqual(segmentKeysOf(analysis, c));
      expect(score.explanation).toBe(analysis.customers.explanations[c]);
    }
  });

  it("builds cohorts whose month-0 retention is the whole cohort", () => {
    const rows = analysis.cohorts.rows;
    expect(rows.reduce((sum, row) => sum + row.customers, 0)).toBe(analysis.customers.count);
    for (const row of rows) {
      expect(row.retained[0]).toBe(row.customers);
      for (const retained of row.retained) expect(retained).toBeLessThanOrEqual(row.customers);
      expect(row.retained.length).toBeLessThanOrEqual(analysis.options.cohortMonths + 1);
    }
    expect(rows[rows.length - 1].month).toBe("2025-12");
    // Two years of history fit in the 24-month table, so its revenue is all the revenue.
    const tableRevenue = rows.reduce((sum, row) => sum + row.revenue.reduce((a, b) => a + b, 0), 0);
    const totalSpend = analysis.customers.features.totalSpend.reduce((a, b) => a + b, 0);
    expect(tableRevenue).toBeCloseTo(totalSpend, 0);
  });
});

describe("analyzeShop on small hand-made shops", () => {
  it("computes features with same-day merging, refunds and the as-of cut-off", () => {
    const b = new TransactionColumnsBuilder();
    b.add("alice", at("2025-01-01T09:00:00Z"), 100);
    b.add("alice", at("2025-01-01T18:00:00Z"), 50); // same day: one purchase day
    b.add("alice", at("2025-01-11T10:00:00Z"), 30);
    b.add("alice", at("2025-01-12T10:00:00Z"), -10); // refund
    b.add("alice", at("2025-02-01T10:00:00Z"), 999); // after as-of
    b.add("bob", at("2025-01-20T10:00:00Z"), 20);
    b.add("carol", at("2025-01-05T10:00:00Z"), -5); // refund without an order
    const analysis = analyzeShop(b.build(), { asOf: at("2025-01-21T00:00:00Z") });
    const { ids, features: f } = analysis.customers;
    expect(ids).toEqual(["alice", "bob"]);
    expect(f.orders[0]).toBe(3);
    expect(f.purchaseDays[0]).toBe(2);
    expect(f.frequency[0]).toBe(1);
    expect(f.recency[0]).toBe(10);
    expect(f.age[0]).toBe(20);
    expect(f.recencyDays[0]).toBe(10);
    expect(f.totalSpend[0]).toBe(170);
    expect(f.repeatSpend[0]).toBe(20);
    expect(f.averageOrderValue[0]).toBeCloseTo(170 / 3, 12);
    expect(f.recencyDays[1]).toBe(1);
    expect(analysis.diagnostics.rowsAfterAsOf).toBe(1);
    expect(analysis.diagnostics.rowsWithoutOrder).toBe(1);
    expect(analysis.customers.explanations[0]).toMatch(/^Bought 10 days ago, 3 orders, .+ → .+$/);
  });

  it("falls back to RFM-based predictions when there are too few repeat buyers, never NaN", () => {
    const b = new TransactionColumnsBuilder();
    for (let i = 0; i < 40; i++) b.add(`c${i}`, at("2025-01-01T00:00:00Z") + i * 3 * DAY, 10 + i);
    b.add("c0", at("2025-03-01T00:00:00Z"), 25);
    const analysis = analyzeShop(b.build(), { asOf: at("2025-06-01T00:00:00Z") });
    expect(analysis.model.bgnbd).toBeNull();
    expect(analysis.model.gammaGamma).toBeNull();
    expect(analysis.model.fallbackReason).toMatch(/repeat customers/);
    expect(analysis.diagnostics.warnings.length).toBeGreaterThan(0);
    allNumbersFinite(analysis);
    // More recent customers are more likely alive under the heuristic.
    const { pAlive, recencyDays } = analysis.customers.features;
    const byRecency = Array.from(pAlive.keys()).sort((i, j) => recencyDays[i] - recencyDays[j]);
    for (let k = 1; k < byRecency.length; k++)
      expect(pAlive[byRecency[k]]).toBeLessThanOrEqual(pAlive[byRecency[k - 1]]);
  });

  it("handles a single customer and identical customers", () => {
    const single = new TransactionColumnsBuilder();
    single.add("only", at("2025-01-01T00:00:00Z"), 10);
    const one = analyzeShop(single.build(), { asOf: at("2025-01-02T00:00:00Z") });
    expect(one.customers.count).toBe(1);
    // Too few customers for clusters worth a campaign: none, and the run says why.
    expect(one.clusters).toHaveLength(0);
    expect(one.diagnostics.warnings.some((w) => w.startsWith("No behavioural clusters"))).toBe(true);
    allNumbersFinite(one);

    const twins = new TransactionColumnsBuilder();
    for (let i = 0; i < 10; i++) twins.add(`t${i}`, at("2025-01-01T00:00:00Z"), 10);
    const same = analyzeShop(twins.build(), { asOf: at("2025-02-01T00:00:00Z") });
    expect(new Set(same.customers.rfm.segment).size).toBe(1);
    allNumbersFinite(same);
  });

  it("rejects invalid options", () => {
    const b = new TransactionColumnsBuilder();
    b.add("x", 0, 1);
    expect(() => analyzeShop(b.build(), { asOf: Number.NaN })).toThrow(/asOf/);
    expect(() => analyzeShop(b.build(), { asOf: 0, kMin: 5, kMax: 3 })).toThrow(/kMin/);
  });
});
