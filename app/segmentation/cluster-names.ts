// Cluster names in a merchant's words ("Recent first-timers", "Lapsed one-time buyers",
// "Frequent big spenders"), from where each centroid sits in the shop's own distribution of
// recency, orders, average order value and tenure. Deterministic, and unique within a run.
import type { ClusterFeature } from "./types";

/**
 * A centroid below this share of the shop's customers is "low", above 1 − it "high". Not a
 * third: a centroid is a group's middle, so even a clearly lapsed group sits nearer the shop's.
 */
const LOW_BELOW = 0.4;
/** Fewer orders than this (geometric-mean centroid) is a group of one-time buyers. */
const ONE_TIME_BELOW_ORDERS = 1.5;
/** "Frequent" needs a high position and at least this many orders: never just twice. */
const FREQUENT_FROM_ORDERS = 2.5;

type Level = "low" | "mid" | "high";
type Frequency = "one-time" | "repeat" | "frequent";

interface Position {
  recency: Level;
  frequency: Frequency;
  spend: Level;
  tenure: Level;
}

const RECENCY_WORD: Record<Level, string> = { low: "recent", mid: "", high: "lapsed" };

function core({ frequency, spend, tenure }: Position): string {
  if (frequency === "frequent")
    return spend === "high"
      ? "frequent big spenders"
      : spend === "low"
        ? "frequent small-basket buyers"
        : "frequent buyers";
  const noun = frequency === "repeat" ? "repeat buyers" : tenure === "low" ? "first-timers" : "one-time buyers";
  return spend === "high" ? `big-spending ${noun}` : spend === "low" ? `small-basket ${noun}` : noun;
}

/**
 * "[recency] [spend] buyers". A group low on tenure came recently by definition, so for them "new" replaces the recency word (and one-timers among them are
 * "recent first-timers").
 */
function baseName(position: Position): string {
  const newcomers = position.tenure === "low";
  const prefix = newcomers ? (position.frequency === "one-time" ? "recent" : "new") : RECENCY_WORD[position.recency];
  const words = [prefix, core(position)].filter(Boolean).join(" ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Every name `nameClusters` can give before telling look-alikes apart (which only appends). */
export const CLUSTER_BASE_NAMES: readonly string[] = (() => {
  const levels: Level[] = ["low", "mid", "high"];
  const names = new Set<string>();
  for (const recency of levels)
    for (const frequency of ["one-time", "repeat", "frequent"] as Frequency[])
      for (const spend of levels)
        for (const tenure of levels) names.add(baseName({ recency, frequency, spend, tenure }));
  return [...names];
})();

/** Share of the shop below `value` (ties count half): where a centroid sits among customers. */
export function positionIn(sorted: Float64Array, value: number): number {
  if (sorted.length === 0) return 0.5;
  const below = lowerBound(sorted, value);
  let upTo = below;
  while (upTo < sorted.length && sorted[upTo] === value) upTo++;
  return (below + (upTo - below) / 2) / sorted.length;
}

function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const level = (p: number): Level => (p < LOW_BELOW ? "low" : p > 1 - LOW_BELOW ? "high" : "mid");

/** Words that tell two same-named clusters apart, by the feature they differ on most. */
const CONTRAST: Record<ClusterFeature, [higher: string, lower: string]> = {
  recencyDays: ["longer since last order", "more recent"],
  orders: ["more orders", "fewer orders"],
  averageOrderValue: ["bigger baskets", "smaller baskets"],
  tenureDays: ["longer-standing", "newer"],
};
const FEATURES: readonly ClusterFeature[] = ["averageOrderValue", "orders", "recencyDays", "tenureDays"];

/**
 * One name per centroid (natural units), given each feature's values over the shop sorted
 * ascending. Look-alikes get a contrast, e.g. "Repeat buyers (bigger baskets)" and
 * "Repeat buyers (smaller baskets)"; the last resort is "(group 2)".
 */
export function nameClusters(
  centroids: readonly Record<ClusterFeature, number>[],
  shop: Record<ClusterFeature, Float64Array>,
): string[] {
  const positions = centroids.map((centroid) => {
    const p = {} as Record<ClusterFeature, number>;
    for (const feature of FEATURES) p[feature] = positionIn(shop[feature], centroid[feature]);
    return p;
  });
  const names = centroids.map((centroid, i) => {
    const p = positions[i];
    const frequency: Frequency =
      centroid.orders < ONE_TIME_BELOW_ORDERS
        ? "one-time"
        : p.orders > 1 - LOW_BELOW && centroid.orders >= FREQUENT_FROM_ORDERS
          ? "frequent"
          : "repeat";
    return baseName({
      recency: level(p.recencyDays),
      frequency,
      spend: level(p.averageOrderValue),
      tenure: level(p.tenureDays),
    });
  });

  const used = names.map(() => new Set<ClusterFeature>());
  for (let round = 0; round < FEATURES.length; round++) {
    const groups = duplicates(names);
    if (groups.length === 0) break;
    for (const group of groups) {
      // The feature this group spreads over most, among those not used on it yet.
      let best: ClusterFeature | null = null;
      let spread = -1;
      for (const feature of FEATURES) {
        if (group.some((i) => used[i].has(feature))) continue;
        const values = group.map((i) => positions[i][feature]);
        const range = Math.max(...values) - Math.min(...values);
        if (range > spread) {
          spread = range;
          best = feature;
        }
      }
      if (!best || spread <= 0) continue;
      const feature = best;
      const sorted = group.slice().sort((a, b) => positions[b][feature] - positions[a][feature] || a - b);
      // The extremes get the contrast; any middle ones wait for another feature.
      const [higher, lower] = CONTRAST[feature];
      const top = sorted[0];
      const bottom = sorted[sorted.length - 1];
      names[top] = `${names[top]} (${higher})`;
      names[bottom] = `${names[bottom]} (${lower})`;
      used[top].add(feature);
      used[bottom].add(feature);
    }
  }
  for (const group of duplicates(names)) group.forEach((i, n) => n > 0 && (names[i] = `${names[i]} (group ${n + 1})`));
  return names;
}

function duplicates(names: string[]): number[][] {
  const byName = new Map<string, number[]>();
  names.forEach((name, i) => {
    const key = name.toLowerCase();
    byName.set(key, [...(byName.get(key) ?? []), i]);
  });
  return [...byName.values()].filter((group) => group.length > 1);
}
