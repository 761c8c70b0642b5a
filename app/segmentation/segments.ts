// The catalogue of engine segments (stable keys) and per-segment totals.
import { CHURN_RISK_LEVELS, LIFECYCLE_STAGES } from "./lifecycle";
import { RFM_SEGMENT_RULES } from "./rfm";
import type { SegmentDefinition, SegmentSummary } from "./types";

export const RFM_SEGMENTS: readonly SegmentDefinition[] = RFM_SEGMENT_RULES.map(({ key, name, description }) => ({
  key,
  kind: "rfm",
  name,
  description,
}));

/** Key of the cluster at `index` of a run without a previous clustering (cluster-1 first). */
export function clusterKey(index: number): string {
  return `cluster-${index + 1}`;
}

/** Totals for each segment of one kind, given each customer's index into `definitions`. */
export function summarise(
  definitions: readonly SegmentDefinition[],
  membership: Uint8Array,
  revenue: Float64Array,
  clv: Float64Array,
): SegmentSummary[] {
  const size = new Float64Array(definitions.length);
  const revenueSum = new Float64Array(definitions.length);
  const clvSum = new Float64Array(definitions.length);
  for (let c = 0; c < membership.length; c++) {
    const s = membership[c];
    if (s >= definitions.length) continue; // not in any segment of this kind (no clusters)
    size[s]++;
    revenueSum[s] += revenue[c];
    clvSum[s] += clv[c];
  }
  return definitions.map(({ key, kind, name, description }, s) => ({
    key,
    kind,
    name,
    description,
    size: size[s],
    revenue: Math.round(revenueSum[s] * 100) / 100,
    averageClv: size[s] > 0 ? Math.round((clvSum[s] / size[s]) * 100) / 100 : 0,
  }));
}

export { CHURN_RISK_LEVELS, LIFECYCLE_STAGES };
