// Holdout backtest: the shop's own history tells how far its predictions can be trusted.
// Hide the last H days, fit on what came before, predict those H days for every customer
// who had already bought, and compare with what each customer really did.
import {
  compressSummaries,
  expectedPurchases,
  fitBgNbd,
  probabilityAlive,
  probabilityOfPurchase,
  type SummaryRows,
} from "./bgnbd";
import { dayLabel, dayNumber } from "./calendar";
import { buildCustomerFeatures, type CustomerFeatures } from "./features";
import { churnRiskLevel, deriveLapseDays, lifecycleStage, type LifecycleInput } from "./lifecycle";
import { emptyPredictions, predictPurchases } from "./predictions";
import { periodDays, resolveOptions } from "./options";
import { negated, quintileThresholds, rfmSegmentIndex, scoreColumn } from "./rfm";
import { CHURN_RISK_LEVELS, LIFECYCLE_STAGES, RFM_SEGMENTS } from "./segments";
import type { AnalysisOptionsInput, BgNbdParameters, FittedModel, SegmentKind, TransactionColumns } from "./types";

/** A purchase-count model fitted on the calibration period; times are in periods. */
export interface FittedCandidate {
  /** Fitted parameters, for reports. */
  params: Record<string, number>;
  pAlive(x: number, tx: number, T: number): number;
  /** Expected repeat purchases in (T, T + t]. */
  expected(x: number, tx: number, T: number, t: number): number;
  /** P(at least one purchase in (T, T + t]). */
  pAny(x: number, tx: number, T: number, t: number): number;
  /**
   * Models that read more than (x, t_x, T) predict each customer of the context instead:
   * expected purchases and P(any) in (T, T + t], indexed like `context.features`.
   */
  predictCustomers?(t: number): { expected: Float64Array; pAny: Float64Array };
}

/**
 * What a candidate may read besides the summary rows. `tx` holds only the rows up to the
 * cutoff day: nothing a candidate fits can see the window it is judged on.
 */
export interface CalibrationContext {
  tx: TransactionColumns;
  /** Customers with an order by the cutoff, their features as of the cutoff day (`history` indexes the full input: read rows through `tx`). */
  features: CustomerFeatures;
  /** Summary row of each customer of `features`. */
  rowOf: Int32Array;
  /** Shop-local day number of the last day the fit may read (the as-of day of the fit). */
  cutoffDay: number;
  /** The horizon predictions are wanted for, in days. */
  horizonDays: number;
  periodDays: number;
  utcOffsetMinutes: number;
  seed: number;
}

/** A model the backtest can compare (BG/NBD, Pareto/NBD, wrappers over them: see choose-model.ts). */
export interface PurchaseModelCandidate {
  /** Stable key, e.g. "bgnbd". */
  name: string;
  /** For sentences: "BG/NBD". */
  label: string;
  /** null when the fit failed (did not converge, non-finite parameters). */
  fit(summaries: SummaryRows, context: CalibrationContext): FittedCandidate | null;
}

const fits = new WeakMap<SummaryRows, Map<PurchaseModelCandidate, FittedCandidate | null>>();

/**
 * Fits `candidate` once per summary table: wrappers (seasonal, learned) that build on a base
 * model reuse the fit the backtest already made of it instead of repeating it. A summary table
 * belongs to one context (both are made together), so the table alone is the key.
 */
export function fitOnce(
  candidate: PurchaseModelCandidate,
  summaries: SummaryRows,
  context: CalibrationContext,
): FittedCandidate | null {
  let byCandidate = fits.get(summaries);
  if (!byCandidate) fits.set(summaries, (byCandidate = new Map()));
  if (!byCandidate.has(candidate)) byCandidate.set(candidate, candidate.fit(summaries, context));
  return byCandidate.get(candidate)!;
}

/**
 * Seeds `fitOnce`'s memory with a fit made elsewhere (the engine's BG/NBD on the same rows),
 * so a wrapper refitted on those rows does not fit its base again.
 */
export function rememberFit(candidate: PurchaseModelCandidate, summaries: SummaryRows, fitted: FittedCandidate): void {
  let byCandidate = fits.get(summaries);
  if (!byCandidate) fits.set(summaries, (byCandidate = new Map()));
  byCandidate.set(candidate, fitted);
}

/** BG/NBD predictions from known parameters. */
export function bgnbdFitted(p: BgNbdParameters): FittedCandidate {
  return {
    params: { ...p },
    pAlive: (x, tx, T) => probabilityAlive(p, x, tx, T),
    expected: (x, tx, T, t) => expectedPurchases(p, t, x, tx, T),
    pAny: (x, tx, T, t) => probabilityOfPurchase(p, t, x, tx, T),
  };
}

export const BGNBD_CANDIDATE: PurchaseModelCandidate = {
  name: "bgnbd",
  label: "BG/NBD",
  fit(summaries) {
    const { converged, ...p } = fitBgNbd(summaries);
    if (!converged || !Object.values(p).every(Number.isFinite)) return null;
    return bgnbdFitted(p);
  },
};

const rowCache = new WeakMap<
  FittedCandidate,
  { summaries: SummaryRows; byHorizon: Map<number, { expected: Float64Array; pAny: Float64Array }> }
>();

/**
 * Expected purchases and P(any) in t periods for every summary row, remembered per fit and
 * horizon: the backtest, the seasonal wrapper and the learned trees all read BG/NBD's.
 */
export function rowPredictions(
  fitted: FittedCandidate,
  summaries: SummaryRows,
  t: number,
): { expected: Float64Array; pAny: Float64Array } {
  let cached = rowCache.get(fitted);
  if (!cached || cached.summaries !== summaries) rowCache.set(fitted, (cached = { summaries, byHorizon: new Map() }));
  let result = cached.byHorizon.get(t);
  if (!result) {
    const expected = new Float64Array(summaries.count);
    const pAny = new Float64Array(summaries.count);
    for (let i = 0; i < summaries.count; i++) {
      expected[i] = fitted.expected(summaries.x[i], summaries.tx[i], summaries.T[i], t);
      pAny[i] = fitted.pAny(summaries.x[i], summaries.tx[i], summaries.T[i], t);
    }
    cached.byHorizon.set(t, (result = { expected, pAny }));
  }
  return result;
}

export interface BacktestMetrics {
  /** Σ predicted repeat purchase days in the window over the calibration customers. */
  predictedTotal: number;
  actualTotal: number;
  /** (predicted − actual) / actual · 100; null when nobody bought. */
  totalErrorPercent: number | null;
  /** Mean absolute error per customer, in purchase days. */
  meanAbsoluteError: number;
  rootMeanSquaredError: number;
  /** Pearson correlation of predicted and actual per customer; null when either is constant. */
  correlation: number | null;
}

export interface CalibrationDecile {
  decile: number;
  customers: number;
  /** Mean predicted P(≥ 1 purchase in the window). */
  meanPredicted: number;
  /** Share that did buy in the window. */
  observedShare: number;
}

export interface ModelBacktest {
  name: string;
  label: string;
  fitted: boolean;
  /** Why `fitted` is false. */
  reason: string | null;
  params: Record<string, number> | null;
  metrics: BacktestMetrics | null;
  /** Customers ranked by predicted P(order in the window), in ten equal groups, lowest first. */
  deciles: CalibrationDecile[];
  fitMs: number;
  predictMs: number;
}

export interface BaselineBacktest {
  name: "own-rate" | "shop-rate";
  description: string;
  metrics: BacktestMetrics;
}

export interface LabelOutcome {
  key: string;
  kind: SegmentKind;
  name: string;
  /** Calibration customers who had this label on the cutoff day. */
  members: number;
  /** Of them, customers with at least one purchase in the window. */
  bought: number;
  /** bought / members; null for an empty label. */
  boughtShare: number | null;
  /** Mean P(order in the window) the label model gave its members. */
  meanPredicted: number | null;
}

export interface ModelChoice {
  /** Name of the chosen candidate; null when none could be fitted. */
  chosen: string | null;
  /** Whether the chosen model's per-customer error is below the best naive baseline's. */
  beatsBaseline: boolean;
  /** "BG/NBD: 0.52 orders mean error per customer vs naive 0.71; total −12 % (naive +41 %)" */
  reason: string;
}

/** Calibration customers grouped by identical (x, t_x, T): what the threshold search reads. */
export interface BacktestRows {
  count: number;
  members: Float64Array;
  /** Members with at least one purchase in the window. */
  bought: Float64Array;
  pAlive: Float64Array;
  /** 1 − P(order within the lapse window), as the engine computes it. */
  churnRisk: Float64Array;
  recencyDays: Int32Array;
}

export interface BacktestResult {
  asOfDay: string;
  cutoffDay: string;
  horizonDays: number;
  periodUnit: "day" | "week";
  /** First order day of the shop (null without orders) and the days it covers to the as-of day, both included. */
  firstOrderDay: string | null;
  historyDays: number;
  calibration: { customers: number; repeatCustomers: number };
  window: {
    /** Repeat purchase days of the calibration customers in (cutoff, as-of]. */
    repeatPurchases: number;
    /** Calibration customers with at least one purchase in the window. */
    customersBuying: number;
    /** Customers whose first order falls in the window (not predicted: they were unknown at the cutoff). */
    newCustomers: number;
  };
  models: ModelBacktest[];
  baselines: BaselineBacktest[];
  choice: ModelChoice;
  /** Which model produced the labels at the cutoff (the engine's own rule). */
  labelModel: string;
  /** The lifecycle rules at the cutoff, lapse window derived from the calibration data. */
  lifecycle: FittedModel["lifecycle"];
  labels: LabelOutcome[];
  rows: BacktestRows;
  timings: { stage: string; ms: number }[];
}

export interface BacktestOptions extends AnalysisOptionsInput {
  /** Window length H in days; default `predictionHorizonDays`. */
  horizonDays?: number;
  /** Candidates in order; the first fitted one labels customers (today's engine uses BG/NBD). */
  candidates?: readonly PurchaseModelCandidate[];
}

/**
 * Backtests the purchase model(s) on the last `horizonDays` before `asOf`. Calibration
 * customers are those with an order on or before the cutoff day (asOf − H); their window
 * outcome is the number of distinct purchase days in (cutoff, asOf], as the BG/NBD paper
 * counts repeat transactions and as the engine counts x.
 */
export function runBacktest(tx: TransactionColumns, input: BacktestOptions): BacktestResult {
  const options = resolveOptions(input);
  const horizonDays = input.horizonDays ?? options.predictionHorizonDays;
  if (!(Number.isInteger(horizonDays) && horizonDays > 0))
    throw new RangeError("horizonDays must be a positive whole number of days");
  const candidates = input.candidates ?? [BGNBD_CANDIDATE];
  const asOf = typeof options.asOf === "number" ? options.asOf : options.asOf.getTime();
  const asOfDay = dayNumber(asOf, options.utcOffsetMinutes);
  const cutoffDay = asOfDay - horizonDays;
  const unit = periodDays(options.periodUnit);
  const t = horizonDays / unit;

  const timings: { stage: string; ms: number }[] = [];
  let stageStart = performance.now();
  const endStage = (stage: string) => {
    const now = performance.now();
    timings.push({ stage, ms: now - stageStart });
    stageStart = now;
    return timings[timings.length - 1].ms;
  };

  const base = buildCustomerFeatures(tx, cutoffDay, options.utcOffsetMinutes, unit);
  const n = base.count;
  const f = base.columns;
  const { actual, newCustomers, firstOrderDay } = windowOutcomes(tx, base, cutoffDay, asOfDay);
  const spanDays = new Int32Array(n);
  const ageDays = new Int32Array(n);
  let repeatCustomers = 0;
  for (let c = 0; c < n; c++) {
    spanDays[c] = base.lastDay[c] - base.firstDay[c];
    ageDays[c] = cutoffDay - base.firstDay[c];
    if (f.frequency[c] > 0) repeatCustomers++;
  }
  const { rows: summaries, rowOf } = compressSummaries(f.frequency, spanDays, ageDays, unit);
  const rowStats = aggregateRows(summaries.count, rowOf, actual);
  const context = calibrationContext(tx, base, rowOf, cutoffDay, horizonDays, unit, options);
  endStage("calibration features");

  const models: ModelBacktest[] = [];
  let labelFit: FittedCandidate | null = null;
  let labelModel = "recency/frequency heuristic";
  for (const candidate of candidates) {
    const outcome: ModelBacktest = {
      name: candidate.name,
      label: candidate.label,
      fitted: false,
      reason: null,
      params: null,
      metrics: null,
      deciles: [],
      fitMs: 0,
      predictMs: 0,
    };
    models.push(outcome);
    if (n === 0) {
      outcome.reason = "no customer had ordered before the cutoff";
      continue;
    }
    if (repeatCustomers < options.minRepeatCustomersForModel) {
      outcome.reason = `only ${repeatCustomers} repeat customers before the cutoff (need ${options.minRepeatCustomersForModel}) to fit ${candidate.label}`;
      continue;
    }
    const fitted = fitOnce(candidate, summaries, context);
    outcome.fitMs = endStage(`fit ${candidate.name}`);
    if (!fitted) {
      outcome.reason = `${candidate.label} fit did not converge`;
      continue;
    }
    outcome.fitted = true;
    outcome.params = fitted.params;
    if (fitted.predictCustomers) {
      const perCustomer = fitted.predictCustomers(t);
      outcome.metrics = measureCustomers(perCustomer.expected, actual);
      outcome.deciles = customerDeciles(perCustomer.pAny, actual);
    } else {
      const { expected, pAny } = rowPredictions(fitted, summaries, t);
      outcome.metrics = measure(expected, rowOf, actual, rowStats);
      outcome.deciles = calibrationDeciles(pAny, rowStats);
    }
    outcome.predictMs = endStage(`predict ${candidate.name}`);
    if (!labelFit) {
      labelFit = fitted;
      labelModel = candidate.label;
    }
  }

  const baselines = naiveBaselines(summaries, rowOf, actual, rowStats, t);
  endStage("baselines");

  const lapseDays = options.lifecycle.lapseDays ?? deriveLapseDays(f.interPurchaseDays, f.purchaseDays);
  const rows = labelRows(summaries, rowStats, labelFit, lapseDays, unit, t, input);
  const lifecycle = { ...options.lifecycle, lapseDays };
  const labels = labelOutcomes(base, rowOf, actual, rows, lifecycle, rowStats.pAnyForLabels);
  endStage("labels");

  return {
    asOfDay: dayLabel(asOfDay),
    cutoffDay: dayLabel(cutoffDay),
    horizonDays,
    periodUnit: options.periodUnit,
    firstOrderDay: firstOrderDay === null ? null : dayLabel(firstOrderDay),
    historyDays: firstOrderDay === null ? 0 : asOfDay - firstOrderDay + 1,
    calibration: { customers: n, repeatCustomers },
    window: { repeatPurchases: rowStats.actualTotal, customersBuying: rowStats.boughtTotal, newCustomers },
    models,
    baselines,
    choice: chooseModel(models, baselines),
    labelModel,
    lifecycle,
    labels,
    rows,
    timings,
  };
}

/**
 * Distinct purchase days of each calibration customer in (cutoffDay, asOfDay], customers
 * first seen in the window, and the shop's first order day up to the as-of day.
 */
function windowOutcomes(tx: TransactionColumns, base: CustomerFeatures, cutoffDay: number, asOfDay: number) {
  const calibrationIndex = new Int32Array(tx.customerIds.length).fill(-1);
  for (let c = 0; c < base.count; c++) calibrationIndex[base.sourceIndex[c]] = c;
  const width = asOfDay - cutoffDay + 1;
  // The features pass already put every row (after the cutoff too) on its shop-local day.
  const rowDay = base.history.day;
  const newInWindow = new Uint8Array(tx.customerIds.length);
  let newCustomers = 0;
  let firstOrderDay: number | null = null;
  let windowRows = 0;
  for (let row = 0; row < tx.customer.length; row++) {
    if (tx.amount[row] < 0) continue;
    const day = rowDay[row];
    if (day > asOfDay) continue;
    if (firstOrderDay === null || day < firstOrderDay) firstOrderDay = day;
    if (day > cutoffDay) windowRows++;
  }
  // One exact key per (customer, day): sorting them makes distinct days adjacent.
  const keys = new Float64Array(windowRows);
  let k = 0;
  for (let row = 0; row < tx.customer.length; row++) {
    const day = rowDay[row];
    if (tx.amount[row] < 0 || day > asOfDay || day <= cutoffDay) continue;
    const source = tx.customer[row];
    const c = calibrationIndex[source];
    if (c < 0) {
      if (!newInWindow[source]) {
        newInWindow[source] = 1;
        newCustomers++;
      }
      continue;
    }
    keys[k++] = c * width + (day - cutoffDay);
  }
  const sorted = keys.subarray(0, k).sort();
  const actual = new Float64Array(base.count);
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue;
    actual[Math.floor(sorted[i] / width)]++;
  }
  return { actual, newCustomers, firstOrderDay };
}

interface RowStats {
  members: Float64Array;
  sumActual: Float64Array;
  bought: Float64Array;
  actualTotal: number;
  boughtTotal: number;
  sumActualSquared: number;
  customers: number;
  /** P(order in the window) under the label model, per row; filled by labelRows. */
  pAnyForLabels: Float64Array;
}

function aggregateRows(count: number, rowOf: Int32Array, actual: Float64Array): RowStats {
  const members = new Float64Array(count);
  const sumActual = new Float64Array(count);
  const bought = new Float64Array(count);
  let actualTotal = 0;
  let boughtTotal = 0;
  let sumActualSquared = 0;
  for (let c = 0; c < rowOf.length; c++) {
    const row = rowOf[c];
    const a = actual[c];
    members[row]++;
    sumActual[row] += a;
    actualTotal += a;
    sumActualSquared += a * a;
    if (a > 0) {
      bought[row]++;
      boughtTotal++;
    }
  }
  return {
    members,
    sumActual,
    bought,
    actualTotal,
    boughtTotal,
    sumActualSquared,
    customers: rowOf.length,
    pAnyForLabels: new Float64Array(count),
  };
}

/** Metrics of per-row predictions against per-customer outcomes. */
function measure(
  predictedByRow: Float64Array,
  rowOf: Int32Array,
  actual: Float64Array,
  stats: RowStats,
): BacktestMetrics {
  const n = stats.customers;
  let predictedTotal = 0;
  let predictedSquared = 0;
  let cross = 0;
  for (let i = 0; i < predictedByRow.length; i++) {
    const p = predictedByRow[i];
    predictedTotal += stats.members[i] * p;
    predictedSquared += stats.members[i] * p * p;
    cross += p * stats.sumActual[i];
  }
  let absolute = 0;
  let squared = 0;
  for (let c = 0; c < n; c++) {
    const error = predictedByRow[rowOf[c]] - actual[c];
    absolute += Math.abs(error);
    squared += error * error;
  }
  const covariance = cross - (predictedTotal * stats.actualTotal) / n;
  const predictedVariance = predictedSquared - (predictedTotal * predictedTotal) / n;
  const actualVariance = stats.sumActualSquared - (stats.actualTotal * stats.actualTotal) / n;
  const denominator = Math.sqrt(predictedVariance * actualVariance);
  return {
    predictedTotal,
    actualTotal: stats.actualTotal,
    totalErrorPercent: stats.actualTotal > 0 ? ((predictedTotal - stats.actualTotal) / stats.actualTotal) * 100 : null,
    meanAbsoluteError: n > 0 ? absolute / n : 0,
    rootMeanSquaredError: n > 0 ? Math.sqrt(squared / n) : 0,
    // Constant predictions (or outcomes) have no correlation; rounding leaves a tiny variance.
    correlation: predictedVariance > 1e-9 * predictedSquared && actualVariance > 0 ? covariance / denominator : null,
  };
}

/** Rows sorted by predicted P(order); each row goes to the decile holding its middle customer. */
function calibrationDeciles(pAny: Float64Array, stats: RowStats): CalibrationDecile[] {
  const order = sortedRows(pAny, 1);
  const customers = new Float64Array(10);
  const predicted = new Float64Array(10);
  const bought = new Float64Array(10);
  let before = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const w = stats.members[i];
    const decile = Math.min(9, Math.floor((10 * (before + w / 2)) / stats.customers));
    customers[decile] += w;
    predicted[decile] += w * pAny[i];
    bought[decile] += stats.bought[i];
    before += w;
  }
  const deciles: CalibrationDecile[] = [];
  for (let d = 0; d < 10; d++) {
    if (customers[d] === 0) continue;
    deciles.push({
      decile: d + 1,
      customers: customers[d],
      meanPredicted: predicted[d] / customers[d],
      observedShare: bought[d] / customers[d],
    });
  }
  return deciles;
}

/** Metrics of per-customer predictions: each customer is its own row of weight one. */
function measureCustomers(predicted: Float64Array, actual: Float64Array): BacktestMetrics {
  const n = actual.length;
  const identity = new Int32Array(n);
  for (let c = 0; c < n; c++) identity[c] = c;
  return measure(predicted, identity, actual, aggregateRows(n, identity, actual));
}

/** Deciles of customers ranked by predicted P(order); ties at a boundary fall into the lower decile. */
function customerDeciles(pAny: Float64Array, actual: Float64Array): CalibrationDecile[] {
  const n = pAny.length;
  const sorted = Float64Array.from(pAny).sort();
  const upper = new Float64Array(10);
  for (let d = 0; d < 10; d++) upper[d] = sorted[Math.max(0, Math.ceil(((d + 1) * n) / 10) - 1)];
  const customers = new Float64Array(10);
  const predicted = new Float64Array(10);
  const bought = new Float64Array(10);
  for (let c = 0; c < n; c++) {
    let d = 0;
    while (d < 9 && pAny[c] > upper[d]) d++;
    customers[d]++;
    predicted[d] += pAny[c];
    if (actual[c] > 0) bought[d]++;
  }
  const deciles: CalibrationDecile[] = [];
  for (let d = 0; d < 10; d++) {
    if (customers[d] === 0) continue;
    deciles.push({
      decile: d + 1,
      customers: customers[d],
      meanPredicted: predicted[d] / customers[d],
      observedShare: bought[d] / customers[d],
    });
  }
  return deciles;
}

/** What candidates fitted as of `day` may read: the rows up to that day and the features as of it. */
export function calibrationContext(
  tx: TransactionColumns,
  features: CustomerFeatures,
  rowOf: Int32Array,
  day: number,
  horizonDays: number,
  periodDays: number,
  options: { utcOffsetMinutes: number; seed: number },
): CalibrationContext {
  return {
    tx: rowsUpTo(tx, features.history.day, day),
    features,
    rowOf,
    cutoffDay: day,
    horizonDays,
    periodDays,
    utcOffsetMinutes: options.utcOffsetMinutes,
    seed: options.seed,
  };
}

/** The transactions dated on or before `lastDay` (row days as the features pass computed them). */
function rowsUpTo(tx: TransactionColumns, rowDay: Int32Array, lastDay: number): TransactionColumns {
  let kept = 0;
  for (let row = 0; row < rowDay.length; row++) if (rowDay[row] <= lastDay) kept++;
  const customer = new Int32Array(kept);
  const time = new Float64Array(kept);
  const amount = new Float64Array(kept);
  let k = 0;
  for (let row = 0; row < rowDay.length; row++) {
    if (rowDay[row] > lastDay) continue;
    customer[k] = tx.customer[row];
    time[k] = tx.time[row];
    amount[k] = tx.amount[row];
    k++;
  }
  return { customerIds: tx.customerIds, customer, time, amount };
}

/** Row indices ordered by `values` (direction 1 ascending, −1 descending), ties by index. */
export function sortedRows(values: Float64Array, direction: 1 | -1): Int32Array {
  const order = new Int32Array(values.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((i, j) => direction * (values[i] - values[j]) || i - j);
}

/**
 * Two models anyone could use without fitting: each customer repeats their own past rate of
 * repeat purchase days (x / T), or everybody buys at the shop's average rate.
 */
function naiveBaselines(
  summaries: SummaryRows,
  rowOf: Int32Array,
  actual: Float64Array,
  stats: RowStats,
  t: number,
): BaselineBacktest[] {
  const own = new Float64Array(summaries.count);
  let repeatDays = 0;
  let exposure = 0;
  for (let i = 0; i < summaries.count; i++) {
    own[i] = summaries.T[i] > 0 ? (summaries.x[i] / summaries.T[i]) * t : 0;
    repeatDays += stats.members[i] * summaries.x[i];
    exposure += stats.members[i] * summaries.T[i];
  }
  const shop = new Float64Array(summaries.count).fill(exposure > 0 ? (repeatDays / exposure) * t : 0);
  return [
    {
      name: "own-rate",
      description: "each customer's own past rate of repeat purchases × the window",
      metrics: measure(own, rowOf, actual, stats),
    },
    {
      name: "shop-rate",
      description: "the shop's average rate of repeat purchases × the window, for everyone",
      metrics: measure(shop, rowOf, actual, stats),
    },
  ];
}

/**
 * P(alive) and churn risk at the cutoff as the engine computes them: from the first fitted
 * candidate, or the engine's recency/frequency heuristic when none fitted.
 */
function labelRows(
  summaries: SummaryRows,
  stats: RowStats,
  fitted: FittedCandidate | null,
  lapseDays: number,
  unit: number,
  t: number,
  input: BacktestOptions,
): BacktestRows {
  const count = summaries.count;
  const rows: BacktestRows = {
    count,
    members: stats.members,
    bought: stats.bought,
    pAlive: new Float64Array(count),
    churnRisk: new Float64Array(count),
    recencyDays: new Int32Array(count),
  };
  const heuristic = fitted ? null : heuristicModel({ ...input, predictionHorizonDays: t * unit }, lapseDays);
  const prediction = emptyPredictions();
  const history = { frequency: 0, spanDays: 0, ageDays: 0 };
  for (let i = 0; i < count; i++) {
    const x = summaries.x[i];
    rows.recencyDays[i] = summaries.ageDays[i] - summaries.spanDays[i];
    if (fitted) {
      rows.pAlive[i] = fitted.pAlive(x, summaries.tx[i], summaries.T[i]);
      rows.churnRisk[i] = 1 - fitted.pAny(x, summaries.tx[i], summaries.T[i], lapseDays / unit);
      stats.pAnyForLabels[i] = fitted.pAny(x, summaries.tx[i], summaries.T[i], t);
      continue;
    }
    history.frequency = x;
    history.spanDays = summaries.spanDays[i];
    history.ageDays = summaries.ageDays[i];
    predictPurchases(heuristic!, history, prediction);
    rows.pAlive[i] = prediction.pAlive;
    rows.churnRisk[i] = prediction.churnRisk;
    // The heuristic buys at a constant rate while alive: expected = P(alive)·rate·H, so
    // P(order in H) = P(alive)·(1 − e^(−rate·H)).
    const { pAlive, expectedOrders } = prediction;
    stats.pAnyForLabels[i] = pAlive > 0 ? pAlive * -Math.expm1(-expectedOrders / pAlive) : 0;
  }
  return rows;
}

/** A model without BG/NBD parameters: `predictPurchases` then applies the engine's heuristic. */
function heuristicModel(input: BacktestOptions, lapseDays: number): FittedModel {
  const options = resolveOptions(input);
  return {
    version: 1,
    asOf: typeof options.asOf === "number" ? options.asOf : options.asOf.getTime(),
    periodUnit: options.periodUnit,
    utcOffsetMinutes: options.utcOffsetMinutes,
    predictionHorizonDays: options.predictionHorizonDays,
    clvHorizonMonths: options.clvHorizonMonths,
    monthlyDiscountRate: options.monthlyDiscountRate,
    bgnbd: null,
    gammaGamma: null,
    fallbackReason: "backtest labels without a fitted model",
    shop: { meanOrderValue: 0, lapseDays },
    rfmThresholds: { recency: [], frequency: [], monetary: [] },
    clustering: { features: [], mean: [], scale: [], centroids: [] },
    lifecycle: { ...options.lifecycle, lapseDays },
  };
}

/** Lifecycle stage, churn-risk level and RFM segment of every calibration customer at the cutoff, and who of them bought. */
function labelOutcomes(
  base: CustomerFeatures,
  rowOf: Int32Array,
  actual: Float64Array,
  rows: BacktestRows,
  lifecycleRules: FittedModel["lifecycle"],
  pAnyByRow: Float64Array,
): LabelOutcome[] {
  const n = base.count;
  const f = base.columns;
  const definitions = [...LIFECYCLE_STAGES, ...CHURN_RISK_LEVELS, ...RFM_SEGMENTS];
  const lifecycleOffset = 0;
  const churnOffset = LIFECYCLE_STAGES.length;
  const rfmOffset = churnOffset + CHURN_RISK_LEVELS.length;
  const members = new Float64Array(definitions.length);
  const bought = new Float64Array(definitions.length);
  const predicted = new Float64Array(definitions.length);

  const recencyScore = new Uint8Array(n);
  const frequencyScore = new Uint8Array(n);
  const monetaryScore = new Uint8Array(n);
  const recencyValue = negated(f.recencyDays);
  scoreColumn(recencyValue, quintileThresholds(recencyValue), recencyScore);
  scoreColumn(f.orders, quintileThresholds(f.orders), frequencyScore);
  scoreColumn(f.totalSpend, quintileThresholds(f.totalSpend), monetaryScore);

  const stage: LifecycleInput = {
    recencyDays: 0,
    tenureDays: 0,
    purchaseDays: 0,
    interPurchaseDays: 0,
    lastGapDays: 0,
    pAlive: 0,
  };
  const add = (label: number, c: number, row: number) => {
    members[label]++;
    predicted[label] += pAnyByRow[row];
    if (actual[c] > 0) bought[label]++;
  };
  for (let c = 0; c < n; c++) {
    const row = rowOf[c];
    stage.recencyDays = f.recencyDays[c];
    stage.tenureDays = f.tenureDays[c];
    stage.purchaseDays = f.purchaseDays[c];
    stage.interPurchaseDays = f.interPurchaseDays[c];
    stage.lastGapDays = f.lastGapDays[c];
    stage.pAlive = rows.pAlive[row];
    add(lifecycleOffset + lifecycleStage(lifecycleRules, stage), c, row);
    add(churnOffset + churnRiskLevel(rows.churnRisk[row]), c, row);
    add(rfmOffset + rfmSegmentIndex(recencyScore[c], frequencyScore[c], monetaryScore[c]), c, row);
  }
  return definitions.map(({ key, kind, name }, s) => ({
    key,
    kind,
    name,
    members: members[s],
    bought: bought[s],
    boughtShare: members[s] > 0 ? bought[s] / members[s] : null,
    meanPredicted: members[s] > 0 ? predicted[s] / members[s] : null,
  }));
}

const percent = (value: number | null) =>
  value === null ? "n/a" : `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(0)} %`;

/** Candidates whose RMSE is within this share of the best count as equally accurate per customer. */
export const RMSE_TIE_SHARE = 0.01;

/**
 * Per-customer accuracy first, then the total. The fitted candidate with the smallest mean
 * absolute error per customer (ties: the smaller total error) leads; but mean absolute error
 * rewards predicting too little for sparse counts (the median customer buys nothing), so any
 * candidate whose root-mean-squared error is within 1 % of the smallest is taken as equally
 * accurate per customer, and among those the one whose window total came closest wins.
 * The reason says in words how the choice compares with the better naive baseline.
 */
export function chooseModel(models: readonly ModelBacktest[], baselines: readonly BaselineBacktest[]): ModelChoice {
  const fitted = models.filter((m) => m.fitted && m.metrics);
  if (fitted.length === 0) {
    const why = models
      .map((m) => m.reason)
      .filter(Boolean)
      .join("; ");
    return { chosen: null, beatsBaseline: false, reason: `no model could be fitted${why ? `: ${why}` : ""}` };
  }
  const totalError = (m: BacktestMetrics) => Math.abs(m.totalErrorPercent ?? 0);
  const leader = fitted.reduce((a, b) => {
    const am = a.metrics!;
    const bm = b.metrics!;
    return bm.meanAbsoluteError < am.meanAbsoluteError ||
      (bm.meanAbsoluteError === am.meanAbsoluteError && totalError(bm) < totalError(am))
      ? b
      : a;
  });
  const bestRmse = Math.min(...fitted.map((m) => m.metrics!.rootMeanSquaredError));
  const tied = fitted.filter((m) => m.metrics!.rootMeanSquaredError <= bestRmse * (1 + RMSE_TIE_SHARE));
  const best = tied.reduce(
    (a, b) => (totalError(b.metrics!) < totalError(a.metrics!) ? b : a),
    tied.includes(leader) ? leader : tied[0],
  );
  const naive = baselines.reduce((a, b) => (b.metrics.meanAbsoluteError < a.metrics.meanAbsoluteError ? b : a));
  const m = best.metrics!;
  const nm = naive.metrics;
  const beatsBaseline = m.meanAbsoluteError < nm.meanAbsoluteError;
  const others = fitted.filter((o) => o !== best).map((o) => `${o.label} ${o.metrics!.meanAbsoluteError.toFixed(3)}`);
  const rmse = (o: ModelBacktest) => o.metrics!.rootMeanSquaredError.toFixed(3);
  const overLeader =
    best === leader
      ? ""
      : `; chosen over ${leader.label} (total ${percent(leader.metrics!.totalErrorPercent)}) because its root-mean-squared error ${rmse(best)} is within ${RMSE_TIE_SHARE * 100} % of the best (${rmse(fitted.find((o) => o.metrics!.rootMeanSquaredError === bestRmse)!)}) and its total came closest`;
  const reason =
    `${best.label}: mean error ${m.meanAbsoluteError.toFixed(3)} purchases per customer vs naive (${naive.name}) ${nm.meanAbsoluteError.toFixed(3)}` +
    (others.length > 0 ? `, ${others.join(", ")}` : "") +
    `; total ${percent(m.totalErrorPercent)} vs naive ${percent(nm.totalErrorPercent)}` +
    overLeader +
    (beatsBaseline ? "" : `; ${best.label} does not beat the naive baseline`);
  return { chosen: best.name, beatsBaseline, reason };
}
