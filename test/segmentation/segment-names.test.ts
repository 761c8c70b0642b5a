// Segment names are unique across every kind a run can produce (as Shopify compares them:
// trimmed, case-insensitive), and a merchant's rule cannot take an engine segment's name.
import { describe, expect, it } from "vitest";
import { analyzeShop } from "~/segmentation";
import { CLUSTER_BASE_NAMES, nameClusters } from "~/segmentation/cluster-names";
import { seededRandom } from "~/segmentation/random";
import { engineNamesAvoiding, ENGINE_SEGMENT_NAMES, nameKey, reservedNameProblem } from "~/segmentation/segment-names";
import { CHURN_RISK_LEVELS, LIFECYCLE_STAGES, RFM_SEGMENTS } from "~/segmentation/segments";
import type { ClusterFeature } from "~/segmentation/types";
import { syntheticShop } from "../bench/synthetic-shop";

const FIXED_NAMES = [...RFM_SEGMENTS, ...LIFECYCLE_STAGES, ...CHURN_RISK_LEVELS].map((s) => s.name);

function expectUnique(names: readonly string[]) {
  const seen = new Map<string, string>();
  for (const name of names) {
    expect(seen.get(nameKey(name)), `"${name}" clashes`).toBeUndefined();
    seen.set(nameKey(name), name);
  }
}

/** A shop distribution for naming: each feature's values sorted ascending. */
function distribution(random: () => number, n = 500): Record<ClusterFeature, Float64Array> {
  const column = (draw: () => number) => Float64Array.from({ length: n }, draw).sort();
  return {
    recencyDays: column(() => Math.floor(random() * 700)),
    orders: column(() => 1 + Math.floor(-Math.log(1 - random()) * 2)),
    averageOrderValue: column(() => 10 + random() * 300),
    tenureDays: column(() => Math.floor(random() * 900)),
  };
}

describe("segment names across kinds", () => {
  it("gives every fixed segment and every cluster name a name of its own", () => {
    expectUnique(ENGINE_SEGMENT_NAMES);
    // The pairs merchants saw side by side.
    expect(FIXED_NAMES.filter((name) => nameKey(name) === "new")).toHaveLength(1);
    expect(FIXED_NAMES.filter((name) => nameKey(name) === "at risk")).toHaveLength(1);
    expect(ENGINE_SEGMENT_NAMES).toHaveLength(FIXED_NAMES.length + CLUSTER_BASE_NAMES.length);
  });

  it("names clusters uniquely within a run and never like a fixed segment, whatever the centroids", () => {
    const random = seededRandom(23);
    const fixed = new Set(FIXED_NAMES.map(nameKey));
    for (let trial = 0; trial < 300; trial++) {
      const shop = distribution(random);
      const k = 2 + (trial % 7);
      // Some trials repeat one centroid to force look-alikes.
      const centroids = Array.from({ length: k }, () => ({
        recencyDays: random() * 700,
        orders: 1 + random() * (trial % 3 === 0 ? 0.2 : 12),
        averageOrderValue: trial % 5 === 0 ? 80 : 10 + random() * 300,
        tenureDays: random() * 900,
      }));
      if (trial % 4 === 0) centroids[1] = { ...centroids[0] };
      const names = nameClusters(centroids, shop);
      expectUnique(names);
      for (const name of names) expect(fixed.has(nameKey(name)), name).toBe(false);
    }
  });

  it("tells look-alike clusters apart by what differs most", () => {
    const shop = distribution(seededRandom(3));
    const base = { recencyDays: 350, orders: 2, averageOrderValue: 150, tenureDays: 450 };
    const names = nameClusters([base, { ...base, averageOrderValue: 175 }], shop);
    expect(names).toEqual(["Repeat buyers (smaller baskets)", "Repeat buyers (bigger baskets)"]);
    const identical = nameClusters([base, base, base], shop);
    expectUnique(identical);
    expect(identical[0]).toBe("Repeat buyers");
  });

  it("makes every segment of a real run unique, clusters included", () => {
    const shop = syntheticShop({
      customers: 3000,
      bgnbd: { r: 0.8, alpha: 40, a: 0.7, b: 2.5 },
      gammaGamma: { p: 5, q: 4, gamma: 60 },
      acquisitionDays: 730,
      historyDays: 730,
      end: new Date("2025-12-31T00:00:00Z"),
      seed: 8,
    });
    const analysis = analyzeShop(shop, { asOf: Date.UTC(2025, 11, 31), kMax: 8 });
    expectUnique(analysis.segments.map((s) => s.name));
    expect(analysis.clusters.every((c) => !/^Cluster \d/.test(c.name))).toBe(true);
  });
});

describe("rule segments named like an engine segment", () => {
  it("cannot be saved under an engine segment's name, in any case or spacing", () => {
    expect(reservedNameProblem("  champions ")).toMatch(/built-in segment/);
    expect(reservedNameProblem("Slipping away")).toMatch(/built-in segment/);
    expect(reservedNameProblem("Lapsed one-time buyers")).toMatch(/built-in segment/);
    expect(reservedNameProblem("High churn risk")).toMatch(/built-in segment/);
    expect(reservedNameProblem("Champions of summer")).toBeNull();
  });

  it("make the engine segment kind-qualified instead when a rule already holds the name", () => {
    const engine = [
      ...RFM_SEGMENTS,
      ...LIFECYCLE_STAGES,
      { key: "cluster-4", kind: "cluster" as const, name: "Recent first-timers" },
    ];
    const merchant = ["CHAMPIONS", "Recent first-timers", "Recent first-timers (cluster)", "Newcomers"];
    const names = engineNamesAvoiding(engine, merchant);
    expect(names.get("rfm-champions")).toBe("Champions (RFM)");
    expect(names.get("lifecycle-new")).toBe("Newcomers (lifecycle)");
    expect(names.get("cluster-4")).toBe("Recent first-timers (cluster) 2");
    expect(names.get("rfm-loyal")).toBe("Loyal");
    expectUnique([...names.values(), ...merchant]);
  });
});
