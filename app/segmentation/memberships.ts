import type { ShopAnalysis } from "./analyze";
import { CHURN_RISK_LEVELS, LIFECYCLE_STAGES, RFM_SEGMENTS } from "./segments";

/** The stable segment keys one customer belongs to: exactly one of each kind. */
export function segmentKeysOf(analysis: ShopAnalysis, customer: number): string[] {
  const { customers, clusters } = analysis;
  return [
    RFM_SEGMENTS[customers.rfm.segment[customer]].key,
    clusters[customers.cluster[customer]].key,
    LIFECYCLE_STAGES[customers.lifecycle[customer]].key,
    CHURN_RISK_LEVELS[customers.churnRiskLevel[customer]].key,
  ];
}
