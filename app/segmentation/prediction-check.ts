// The check every full compute runs before its live fit: the holdout backtest, the verdict
// whether the shop's history can carry predictions, and the label cut-offs the live run uses
// (measured ones only when the backtest supports them). The result is compact and
// JSON-serialisable, so each run can store it: no per-customer (or per-row) data.
import {
  runBacktest,
  type BacktestMetrics,
  type BacktestOptions,
  type BacktestResult,
  type CalibrationDecile,
  type LabelOutcome,
  type ModelChoice,
} from "./backtest";
import { dataSufficiency, type SufficiencyVerdict } from "./data-sufficiency";
import { measureLabelThresholds, type MeasuredThreshold, type MeasuredThresholds } from "./label-thresholds";
import { HIGH_CHURN_RISK_FROM } from "./lifecycle";
import { DEFAULT_OPTIONS } from "./options";
import type { TransactionColumns } from "./types";

/** A label cut-off the live run applies, and why that one. */
export interface AppliedCutoff {
  /** Segment key: "churn-risk-high" or "lifecycle-churned". */
  key: string;
  name: string;
  /** "churn risk ≥ threshold", "P(alive) < threshold, or 120+ days without an order". */
  rule: string;
  value: number;
  fixedValue: number;
  measured: boolean;
  /** Backtest members of the label at this cut-off and the share of them who bought in the window. */
  members: number;
  repurchaseRate: number | null;
  /** Why this cut-off, in words. */
  reason: string;
}

export interface PredictionCheck {
  asOfDay: string;
  cutoffDay: string;
  horizonDays: number;
  periodUnit: BacktestResult["periodUnit"];
  firstOrderDay: string | null;
  historyDays: number;
  calibration: BacktestResult["calibration"];
  window: BacktestResult["window"];
  models: {
    name: string;
    label: string;
    fitted: boolean;
    reason: string | null;
    params: Record<string, number> | null;
    metrics: BacktestMetrics | null;
    deciles: CalibrationDecile[];
  }[];
  baselines: BacktestResult["baselines"];
  choice: ModelChoice;
  labelModel: string;
  lapseDays: number;
  /** Repurchase share in the window of every label the engine gave on the cutoff day (empty labels left out). */
  labels: LabelOutcome[];
  sufficiency: SufficiencyVerdict;
  thresholds: MeasuredThresholds;
  cutoffs: { churnRiskHighFrom: number; churnedBelowPAlive: number; labels: AppliedCutoff[] };
  timings: { stage: string; ms: number }[];
}

export function checkPredictions(tx: TransactionColumns, options: BacktestOptions): PredictionCheck {
  const backtest = runBacktest(tx, options);
  const sufficiency = dataSufficiency(backtest);
  const thresholds = measureLabelThresholds(backtest);
  const fixedChurned = options.lifecycle?.churnedBelowPAlive ?? DEFAULT_OPTIONS.lifecycle.churnedBelowPAlive;
  const applied = thresholds.labels.map((label) =>
    appliedCutoff(label, sufficiency, label.key === "churn-risk-high" ? HIGH_CHURN_RISK_FROM : fixedChurned),
  );
  const valueOf = (key: string) => applied.find((a) => a.key === key)!.value;
  return {
    asOfDay: backtest.asOfDay,
    cutoffDay: backtest.cutoffDay,
    horizonDays: backtest.horizonDays,
    periodUnit: backtest.periodUnit,
    firstOrderDay: backtest.firstOrderDay,
    historyDays: backtest.historyDays,
    calibration: backtest.calibration,
    window: backtest.window,
    models: backtest.models.map(({ name, label, fitted, reason, params, metrics, deciles }) => ({
      name,
      label,
      fitted,
      reason,
      params,
      metrics,
      deciles,
    })),
    baselines: backtest.baselines,
    choice: backtest.choice,
    labelModel: backtest.labelModel,
    lapseDays: backtest.lifecycle.lapseDays,
    labels: backtest.labels.filter((l) => l.members > 0),
    sufficiency,
    thresholds,
    cutoffs: {
      churnRiskHighFrom: valueOf("churn-risk-high"),
      churnedBelowPAlive: valueOf("lifecycle-churned"),
      labels: applied,
    },
    timings: backtest.timings,
  };
}

/**
 * A measured cut-off is used only when the whole check passed: an insufficient history or a
 * model no better than a naive guess cannot set one either. A measured P(alive) cut-off of 0
 * means "only the lapse window": the live rule keeps a P(alive) part no lower than that.
 */
function appliedCutoff(label: MeasuredThreshold, sufficiency: SufficiencyVerdict, fixedValue: number): AppliedCutoff {
  const base = { key: label.key, name: label.name, rule: label.rule, fixedValue };
  if (sufficiency.sufficient && label.measured) {
    return {
      ...base,
      value: label.measured.threshold,
      measured: true,
      members: label.measured.members,
      repurchaseRate: label.measured.repurchaseRate,
      reason: label.note,
    };
  }
  const why = sufficiency.sufficient ? label.note : "not enough data yet to measure one";
  return {
    ...base,
    value: fixedValue,
    measured: false,
    members: label.fixed.members,
    repurchaseRate: label.fixed.repurchaseRate,
    reason: `the fixed cut-off ${fixedValue}: ${why}`,
  };
}

/** The model the check chose, with its metrics (null when none could be fitted). */
export function chosenModel(check: Pick<PredictionCheck, "models" | "choice">) {
  return check.models.find((m) => m.name === check.choice.chosen && m.metrics) ?? null;
}
