// Label cut-offs measured on the shop's own backtest instead of fixed numbers: a customer
// labelled "High churn risk" or "Churned" should, measurably, rarely buy again.
import { sortedRows, type BacktestResult } from "./backtest";
import { CHURN_RISK_LEVELS, LIFECYCLE_STAGES } from "./lifecycle";

/**
 * Default target: at most 10 % of a "lost" label's members buy in the next horizon. A
 * win-back campaign aimed at such a label then mostly reaches customers who would not have
 * come back on their own; above that, the label describes customers who are merely slow.
 */
export const TARGET_REPURCHASE_RATE = 0.1;
/** Fewer members than this and a measured rate is too noisy to set a cut-off by. */
export const MIN_LABEL_MEMBERS = 30;

export interface LabelGroup {
  threshold: number;
  members: number;
  /** Share of members who bought in the backtest window; null for an empty group. */
  repurchaseRate: number | null;
}

export interface MeasuredThreshold {
  key: string;
  name: string;
  /** What the threshold applies to, e.g. "churn risk ≥ threshold". */
  rule: string;
  /** The engine's fixed cut-off and how its label fared in the backtest. */
  fixed: LabelGroup;
  /** The widest cut-off whose label meets the target; null when none does. */
  measured: LabelGroup | null;
  note: string;
}

export interface MeasuredThresholds {
  targetRate: number;
  horizonDays: number;
  labels: MeasuredThreshold[];
}

const share = (value: number | null) => (value === null ? "n/a" : `${(value * 100).toFixed(1)} %`);

export function measureLabelThresholds(
  backtest: BacktestResult,
  {
    targetRate = TARGET_REPURCHASE_RATE,
    minMembers = MIN_LABEL_MEMBERS,
  }: { targetRate?: number; minMembers?: number } = {},
): MeasuredThresholds {
  return {
    targetRate,
    horizonDays: backtest.horizonDays,
    labels: [highChurnRisk(backtest, targetRate, minMembers), churned(backtest, targetRate, minMembers)],
  };
}

/** "High churn risk" = churn risk ≥ threshold: the largest group of riskiest customers within the target. */
function highChurnRisk(backtest: BacktestResult, targetRate: number, minMembers: number): MeasuredThreshold {
  const { rows } = backtest;
  const level = CHURN_RISK_LEVELS[CHURN_RISK_LEVELS.length - 1];
  const fixed = group(rows.count, (i) => rows.churnRisk[i] >= level.from, rows, level.from);
  const order = sortedRows(rows.churnRisk, -1);
  let members = 0;
  let bought = 0;
  let measured: LabelGroup | null = null;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    members += rows.members[i];
    bought += rows.bought[i];
    // Customers with equal churn risk cannot be split by a threshold.
    if (k + 1 < order.length && rows.churnRisk[order[k + 1]] === rows.churnRisk[i]) continue;
    if (members >= minMembers && bought <= targetRate * members)
      measured = { threshold: rows.churnRisk[i], members, repurchaseRate: bought / members };
  }
  const note = measured
    ? `${level.name} at churn risk ≥ ${measured.threshold.toFixed(3)}: ${share(measured.repurchaseRate)} of ${measured.members} customers bought within ${backtest.horizonDays} days ` +
      `(fixed ${level.from}: ${share(fixed.repurchaseRate)} of ${fixed.members})`
    : `no churn-risk cut-off gives ${level.name} a repurchase rate ≤ ${share(targetRate)} with at least ${minMembers} customers`;
  return { key: level.key, name: level.name, rule: "churn risk ≥ threshold", fixed, measured, note };
}

/**
 * "Churned" = silent for longer than the lapse window, or P(alive) < threshold. The silent
 * ones are churned whatever the threshold; the search widens the P(alive) part.
 */
function churned(backtest: BacktestResult, targetRate: number, minMembers: number): MeasuredThreshold {
  const { rows, lifecycle } = backtest;
  const stage = LIFECYCLE_STAGES.find((s) => s.key === "lifecycle-churned")!;
  const lapsed = (i: number) => rows.recencyDays[i] >= lifecycle.lapseDays;
  const fixedCut = lifecycle.churnedBelowPAlive;
  const fixed = group(rows.count, (i) => lapsed(i) || rows.pAlive[i] < fixedCut, rows, fixedCut);
  const base = group(rows.count, lapsed, rows, 0);
  let members = base.members;
  let bought = (base.repurchaseRate ?? 0) * base.members;
  let measured: LabelGroup | null = null;
  if (members === 0 || bought <= targetRate * members) {
    if (members >= minMembers) measured = { threshold: 0, members, repurchaseRate: bought / members };
    const order = sortedRows(rows.pAlive, 1);
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      if (!lapsed(i)) {
        members += rows.members[i];
        bought += rows.bought[i];
      }
      const next = k + 1 < order.length ? rows.pAlive[order[k + 1]] : 1;
      if (next === rows.pAlive[i]) continue;
      // P(alive) < next takes in every row up to this one.
      if (members >= minMembers && bought <= targetRate * members)
        measured = { threshold: next, members, repurchaseRate: bought / members };
    }
  }
  const note = measured
    ? `${stage.name} at P(alive) < ${measured.threshold.toFixed(3)} or ${lifecycle.lapseDays}+ days silent: ${share(measured.repurchaseRate)} of ${measured.members} customers bought within ${backtest.horizonDays} days ` +
      `(fixed ${fixedCut}: ${share(fixed.repurchaseRate)} of ${fixed.members})`
    : base.members > 0 && (base.repurchaseRate ?? 0) > targetRate
      ? `customers silent for ${lifecycle.lapseDays}+ days already buy again at ${share(base.repurchaseRate)}: no P(alive) cut-off brings ${stage.name} to ${share(targetRate)}; the lapse window is too short for this shop`
      : `no P(alive) cut-off gives ${stage.name} a repurchase rate ≤ ${share(targetRate)} with at least ${minMembers} customers`;
  return {
    key: stage.key,
    name: stage.name,
    rule: `P(alive) < threshold, or ${lifecycle.lapseDays}+ days without an order`,
    fixed,
    measured,
    note,
  };
}

function group(
  count: number,
  isMember: (row: number) => boolean,
  rows: BacktestResult["rows"],
  threshold: number,
): LabelGroup {
  let members = 0;
  let bought = 0;
  for (let i = 0; i < count; i++) {
    if (!isMember(i)) continue;
    members += rows.members[i];
    bought += rows.bought[i];
  }
  return { threshold, members, repurchaseRate: members > 0 ? bought / members : null };
}
