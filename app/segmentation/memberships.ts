import type { ShopAnalysis } from "./analyze";
import { CHURN_RISK_LEVELS, LIFECYCLE_STAGES, RFM_SEGMENTS } from "./segments";

/** The stable segment keys one customer belongs to: one of each kind (no cluster when the run has none). */
export function segmentKeysOf(analysis: ShopAnalysis, customer: number): string[] {
  const { customers, clusters } = analysis;
  const cluster = clusters[customers.cluster[customer]] as (typeof clusters)[number] | undefined;
  return [
    RFM_SEGMENTS[customers.rfm.segment[customer]].key,
    ...(cluster ? [cluster.key] : []),
    LIFECYCLE_STAGES[customers.lifecycle[customer]].key,
    CHURN_RISK_LEVELS[customers.churnRiskLevel[customer]].key,
  ];
}
