// Model choice by measured accuracy: backtest every candidate on the shop's own last horizon,
// choose as `chooseModel` says, then refit the chosen one on the whole history for the live
// predictions.
import {
  BGNBD_CANDIDATE,
  bgnbdFitted,
  calibrationContext,
  fitOnce,
  rememberFit,
  runBacktest,
  type BacktestOptions,
  type BacktestResult,
  type FittedCandidate,
  type ModelChoice,
  type PurchaseModelCandidate,
} from "./backtest";
import { compressSummaries } from "./bgnbd";
import { dayNumber } from "./calendar";
import { buildCustomerFeatures, type CustomerFeatures } from "./features";
import { learnedCandidate } from "./learned-model";
import { periodDays, resolveOptions } from "./options";
import { PARETO_NBD_CANDIDATE } from "./pareto-nbd-candidate";
import { seasonalCandidate } from "./seasonality";
import type { BgNbdParameters, TransactionColumns } from "./types";

/** BG/NBD first: it labels the backtest's customers, as the engine does. */
export const PURCHASE_MODEL_CANDIDATES: readonly PurchaseModelCandidate[] = [
  BGNBD_CANDIDATE,
  PARETO_NBD_CANDIDATE,
  seasonalCandidate(BGNBD_CANDIDATE),
  learnedCandidate(BGNBD_CANDIDATE, false),
  learnedCandidate(BGNBD_CANDIDATE, true),
];

export interface LivePredictions {
  /** Customers with an order by the as-of day, in `buildCustomerFeatures` order. */
  features: CustomerFeatures;
  /** Expected repeat purchase days in the next `horizonDays`. */
  expected: Float64Array;
  /** P(at least one purchase in the next `horizonDays`). */
  pAny: Float64Array;
  pAlive: Float64Array;
}

export interface PurchaseModelChoice {
  choice: ModelChoice;
  backtest: BacktestResult;
  /** The chosen candidate refitted on the whole history; null when none could be fitted. */
  model: { name: string; label: string; params: Record<string, number> } | null;
  /** Per-customer predictions of the refitted model over `horizonDays` from the as-of day. */
  predict: ((horizonDays?: number) => LivePredictions) | null;
  /** The refit on the whole history, stage by stage (the backtest has its own). */
  timings: { stage: string; ms: number }[];
}

/**
 * `known.bgnbd`: the engine's BG/NBD fit on the same history and as-of day (analyzeShop's
 * `model.bgnbd`), reused by the refit instead of fitting BG/NBD a second time.
 */
export function choosePurchaseModel(
  tx: TransactionColumns,
  input: BacktestOptions,
  known: { bgnbd?: BgNbdParameters | null } = {},
): PurchaseModelChoice {
  const candidates = input.candidates ?? PURCHASE_MODEL_CANDIDATES;
  const backtest = runBacktest(tx, { ...input, candidates });
  const chosen = candidates.find((c) => c.name === backtest.choice.chosen);
  const timings: { stage: string; ms: number }[] = [];
  if (!chosen) return { choice: backtest.choice, backtest, model: null, predict: null, timings };
  let stageStart = performance.now();
  const endStage = (stage: string) => {
    const now = performance.now();
    timings.push({ stage, ms: now - stageStart });
    stageStart = now;
  };

  const options = resolveOptions(input);
  const asOf = typeof options.asOf === "number" ? options.asOf : options.asOf.getTime();
  const asOfDay = dayNumber(asOf, options.utcOffsetMinutes);
  const unit = periodDays(options.periodUnit);
  const horizonDays = input.horizonDays ?? options.predictionHorizonDays;
  const features = buildCustomerFeatures(tx, asOfDay, options.utcOffsetMinutes, unit);
  const spanDays = new Int32Array(features.count);
  const ageDays = new Int32Array(features.count);
  for (let c = 0; c < features.count; c++) {
    spanDays[c] = features.lastDay[c] - features.firstDay[c];
    ageDays[c] = asOfDay - features.firstDay[c];
  }
  const { rows, rowOf } = compressSummaries(features.columns.frequency, spanDays, ageDays, unit);
  const context = calibrationContext(tx, features, rowOf, asOfDay, horizonDays, unit, options);
  if (known.bgnbd) rememberFit(BGNBD_CANDIDATE, rows, bgnbdFitted(known.bgnbd));
  endStage("features on the whole history");
  const fitted = fitOnce(chosen, rows, context);
  endStage(`fit ${chosen.name} on the whole history`);
  if (!fitted) return { choice: backtest.choice, backtest, model: null, predict: null, timings };
  const predict = (days = horizonDays): LivePredictions => {
    const t = days / unit;
    const rowPAlive = Float64Array.from({ length: rows.count }, (_, i) =>
      fitted.pAlive(rows.x[i], rows.tx[i], rows.T[i]),
    );
    const pAlive = Float64Array.from(rowOf, (row) => rowPAlive[row]);
    const { expected, pAny } = fitted.predictCustomers ? fitted.predictCustomers(t) : perRow(fitted, rows, rowOf, t);
    return { features, expected, pAny, pAlive };
  };
  return {
    choice: backtest.choice,
    backtest,
    model: { name: chosen.name, label: chosen.label, params: fitted.params },
    predict,
    timings,
  };
}

function perRow(
  fitted: FittedCandidate,
  rows: ReturnType<typeof compressSummaries>["rows"],
  rowOf: Int32Array,
  t: number,
) {
  const rowExpected = new Float64Array(rows.count);
  const rowPAny = new Float64Array(rows.count);
  for (let i = 0; i < rows.count; i++) {
    rowExpected[i] = fitted.expected(rows.x[i], rows.tx[i], rows.T[i], t);
    rowPAny[i] = fitted.pAny(rows.x[i], rows.tx[i], rows.T[i], t);
  }
  return {
    expected: Float64Array.from(rowOf, (row) => rowExpected[row]),
    pAny: Float64Array.from(rowOf, (row) => rowPAny[row]),
  };
}
