// Lifecycle stages and churn-risk levels: the "where is this customer now" segments. Their names
// differ from the RFM ones (RFM has "New" and "At Risk"): both lists sit side by side in the admin
// and in Shopify's segment list.
import type { FittedModel, SegmentDefinition } from "./types";

export const LIFECYCLE_STAGES: readonly SegmentDefinition[] = [
  { key: "lifecycle-new", kind: "lifecycle", name: "Newcomers", description: "First order within the last few weeks" },
  { key: "lifecycle-active", kind: "lifecycle", name: "Active", description: "Buying at their usual pace" },
  {
    key: "lifecycle-at-risk",
    kind: "lifecycle",
    name: "Slipping away",
    description: "Overdue compared with their usual pace, or likely to be slipping away",
  },
  {
    key: "lifecycle-churned",
    kind: "lifecycle",
    name: "Churned",
    description: "No order for longer than the shop's lapse window, or very unlikely to still be a customer",
  },
  {
    key: "lifecycle-reactivated",
    kind: "lifecycle",
    name: "Reactivated",
    description: "Came back after a gap longer than the lapse window",
  },
];

export const LIFECYCLE = { new: 0, active: 1, atRisk: 2, churned: 3, reactivated: 4 } as const;

export interface LifecycleInput {
  recencyDays: number;
  tenureDays: number;
  purchaseDays: number;
  interPurchaseDays: number;
  lastGapDays: number;
  pAlive: number;
}

/** Index into LIFECYCLE_STAGES; the first matching stage wins, in the order written here. */
export function lifecycleStage(rules: FittedModel["lifecycle"], c: LifecycleInput): number {
  const lapse = rules.lapseDays;
  if (c.recencyDays >= lapse || c.pAlive < rules.churnedBelowPAlive) return LIFECYCLE.churned;
  if (c.tenureDays < rules.newCustomerDays) return LIFECYCLE.new;
  if (c.lastGapDays >= lapse) return LIFECYCLE.reactivated;
  const overdue = c.purchaseDays > 1 ? c.recencyDays > 2 * c.interPurchaseDays : c.recencyDays >= lapse / 2;
  if (overdue || c.pAlive < rules.atRiskBelowPAlive) return LIFECYCLE.atRisk;
  return LIFECYCLE.active;
}

export const CHURN_RISK_LEVELS: readonly (SegmentDefinition & { from: number })[] = [
  {
    key: "churn-risk-low",
    kind: "churn-risk",
    name: "Low churn risk",
    description: "Likely to order again within the lapse window",
    from: 0,
  },
  {
    key: "churn-risk-medium",
    kind: "churn-risk",
    name: "Medium churn risk",
    description: "About even odds of ordering again within the lapse window",
    from: 0.5,
  },
  {
    key: "churn-risk-high",
    kind: "churn-risk",
    name: "High churn risk",
    description: "Unlikely to order again within the lapse window",
    from: 0.75,
  },
];

/** The fixed cut-off of "High churn risk"; a shop's backtest may measure its own (label-thresholds.ts). */
export const HIGH_CHURN_RISK_FROM = CHURN_RISK_LEVELS[CHURN_RISK_LEVELS.length - 1].from;

/** Index into CHURN_RISK_LEVELS; `highFrom` replaces the last level's cut-off (below 0.5 the medium level is empty). */
export function churnRiskLevel(churnRisk: number, highFrom = HIGH_CHURN_RISK_FROM): number {
  const high = CHURN_RISK_LEVELS.length - 1;
  if (churnRisk >= highFrom) return high;
  let level = 0;
  for (let i = 1; i < high; i++) if (churnRisk >= CHURN_RISK_LEVELS[i].from) level = i;
  return level;
}

/**
 * The shop's lapse window: the 90th percentile of its customers' mean gaps between
 * purchases, kept within [30, 365] days; 180 days when nobody has bought twice.
 */
export function deriveLapseDays(interPurchaseDays: Float64Array, purchaseDays: Float64Array): number {
  const gaps: number[] = [];
  for (let c = 0; c < interPurchaseDays.length; c++) if (purchaseDays[c] > 1) gaps.push(interPurchaseDays[c]);
  if (gaps.length === 0) return 180;
  const sorted = Float64Array.from(gaps).sort();
  const p90 = sorted[Math.min(sorted.length - 1, Math.floor(0.9 * sorted.length))];
  return Math.round(Math.min(365, Math.max(30, p90)));
}
