// A model learned from the shop's own past: gradient-boosted trees that correct a base
// purchase model (BG/NBD) customer by customer. Training reads only the calibration rows:
// features as of earlier days D' = cutoff − H'·k/4 (k = 4, 3, 2, 1), label = each customer's
// purchase days in (D', cutoff]; the four origins stack into one training set. The trees predict log(label / base model's expectation), a correction that is
// then applied to the base model's forecast from the cutoff over the real horizon; so the
// horizon may be longer than the window the trees were trained on.
import {
  BGNBD_CANDIDATE,
  bgnbdFitted,
  calibrationContext,
  fitOnce,
  rowPredictions,
  type CalibrationContext,
  type FittedCandidate,
  type PurchaseModelCandidate,
} from "./backtest";
import { compressSummaries, type SummaryRows } from "./bgnbd";
import { buildCustomerFeatures, type CustomerFeatures } from "./features";
import {
  fitBoostedTrees,
  predictLog,
  type BoostedTrees,
  type BoostingOptions,
  type FeatureMatrix,
  type Tree,
} from "./gradient-boosting";
import { sampleIndices, seededRandom } from "./random";
import type { BgNbdParameters, StoredLearnedTrees, TransactionColumns } from "./types";

/**
 * Training origins, stacked. Each origin gives every sampled customer one more row with its own
 * window length, so the trees see how the correction varies with the window (the live horizon
 * is longer than any training window) and a small shop gets 4× the rows: on CDNOW's 2,357
 * customers early stopping keeps 11 rounds instead of 7 with two origins. More origins add
 * nothing there (8: correlation within 0.001) and cost more at scale.
 */
export const LEARNED_ORIGINS = 4;

/** Customers the trees train on at most (a seeded sample beyond it): 60,000 rows with four origins. */
export const LEARNED_TRAINING_SAMPLE = 15_000;

export const LEARNED_FEATURES = [
  "repeat purchase days",
  "days since last purchase",
  "days since first purchase",
  "purchase span / age",
  "log average order value",
  "mean days between purchases",
  "days between the last two purchases",
  "days since last purchase / mean gap",
  "orders per purchase day",
  "base model P(alive)",
  "log base model expected purchases per day",
] as const;

export interface LearnedModelOptions {
  boosting?: Partial<BoostingOptions>;
  origins?: number;
  trainingSample?: number;
}

/**
 * Trees on top of `base`. `blend` shrinks the correction: predictions are the convex blend
 * w · learned + (1 − w) · base with w fitted on the trees' held-out customers.
 */
export function learnedCandidate(
  base: PurchaseModelCandidate,
  blend: boolean,
  options: LearnedModelOptions = {},
): PurchaseModelCandidate {
  return {
    name: blend ? `${base.name}+learned-blend` : `${base.name}+learned`,
    label: blend ? `${base.label} blended with learned trees` : `${base.label} with learned trees`,
    fit(summaries, context) {
      const baseFit = fitOnce(base, summaries, context);
      if (!baseFit) return null;
      const training = trainOnce(base, context, options);
      if (!training) return null;
      const { trees, weight, innerHorizonDays } = training;
      const w = blend ? weight : 1;
      const unit = context.periodDays;
      return {
        params: {
          rounds: trees.rounds,
          blendWeight: w,
          trainingCustomers: training.customers,
          trainingWindowDays: innerHorizonDays,
        },
        pAlive: (x, tx, T) => baseFit.pAlive(x, tx, T),
        expected: (x, tx, T, t) => baseFit.expected(x, tx, T, t),
        pAny: (x, tx, T, t) => baseFit.pAny(x, tx, T, t),
        predictCustomers(t) {
          const features = context.features;
          let prediction = training.predictions.get(t);
          if (!prediction) {
            const { matrix, offset, baseExpected, basePAny } = featureMatrix(
              features,
              context.rowOf,
              summaries,
              baseFit,
              t,
              unit,
            );
            prediction = { log: predictLog(trees, matrix, offset), baseExpected, basePAny };
            training.predictions.set(t, prediction);
          }
          const { log, baseExpected, basePAny } = prediction;
          const expected = new Float64Array(features.count);
          const pAny = new Float64Array(features.count);
          for (let c = 0; c < features.count; c++) {
            expected[c] = blended(w, log[c], baseExpected[c]);
            // Scaling the purchase rate by k turns P(none) into P(none)^k.
            pAny[c] = 1 - Math.pow(1 - basePAny[c], rateMultiplier(expected[c], baseExpected[c]));
          }
          return { expected, pAny };
        },
      };
    },
  };
}

/** w · learned + (1 − w) · base, the learned mean given as its log. */
function blended(w: number, log: number, baseExpected: number): number {
  return w * Math.exp(log) + (1 - w) * baseExpected;
}

/** The factor on the base model's purchase rate that gives `expected`. */
function rateMultiplier(expected: number, baseExpected: number): number {
  return baseExpected > 0 ? expected / baseExpected : 1;
}

/**
 * The live trees: trained on the whole history up to `asOfDay` exactly as the backtest's
 * refit trains them (same context, sample and seed), with BG/NBD as the base. Null when too few
 * customers are old enough to train on.
 */
export function trainLiveTrees(
  blend: boolean,
  tx: TransactionColumns,
  features: CustomerFeatures,
  rowOf: Int32Array,
  asOfDay: number,
  horizonDays: number,
  unit: number,
  options: { utcOffsetMinutes: number; seed: number },
): StoredLearnedTrees | null {
  const context = calibrationContext(tx, features, rowOf, asOfDay, horizonDays, unit, options);
  const training = trainOnce(BGNBD_CANDIDATE, context, {});
  if (!training) return null;
  return {
    features: [...LEARNED_FEATURES],
    base: training.trees.base,
    blendWeight: blend ? training.weight : 1,
    trainingWindowDays: training.innerHorizonDays,
    trees: training.trees.trees.map(storedTree),
  };
}

/** Plain arrays up to the last node a prediction can reach (children of split nodes). */
function storedTree(tree: Tree): StoredLearnedTrees["trees"][number] {
  let last = 0;
  for (let id = 0; id < tree.feature.length; id++) if (tree.feature[id] >= 0) last = Math.max(last, 2 * id + 2);
  const end = last + 1;
  return {
    feature: Array.from(tree.feature.subarray(0, end)),
    threshold: Array.from(tree.threshold.subarray(0, end)),
    value: Array.from(tree.value.subarray(0, end)),
  };
}

const loadedTrees = new WeakMap<StoredLearnedTrees, Pick<BoostedTrees, "features" | "base" | "trees">>();

function loadTrees(stored: StoredLearnedTrees): Pick<BoostedTrees, "features" | "base" | "trees"> {
  let trees = loadedTrees.get(stored);
  if (!trees) {
    trees = {
      features: stored.features.length,
      base: stored.base,
      trees: stored.trees.map((t) => ({
        feature: Int32Array.from(t.feature),
        threshold: Float64Array.from(t.threshold),
        value: Float64Array.from(t.value),
      })),
    };
    loadedTrees.set(stored, trees);
  }
  return trees;
}

/** Whether stored trees were built on this code's feature columns. */
export function appliesLearnedTrees(stored: StoredLearnedTrees | null | undefined): stored is StoredLearnedTrees {
  return (
    !!stored &&
    stored.features.length === LEARNED_FEATURES.length &&
    stored.features.every((f, i) => f === LEARNED_FEATURES[i])
  );
}

/**
 * Per customer of `features` (as of their own as-of day), the factor the stored trees put on
 * BG/NBD's purchase rate over `t` periods: the candidate's blended expectation over BG/NBD's.
 * The full compute calls it for everyone, a re-score for one customer: same inputs, same factor.
 */
export function learnedRateMultipliers(
  stored: StoredLearnedTrees,
  bgnbd: BgNbdParameters,
  features: CustomerFeatures,
  rowOf: Int32Array,
  summaries: SummaryRows,
  t: number,
  unit: number,
): Float64Array {
  const { matrix, offset, baseExpected } = featureMatrix(features, rowOf, summaries, bgnbdFitted(bgnbd), t, unit);
  const log = predictLog(loadTrees(stored), matrix, offset);
  const k = new Float64Array(features.count);
  for (let c = 0; c < features.count; c++)
    k[c] = rateMultiplier(blended(stored.blendWeight, log[c], baseExpected[c]), baseExpected[c]);
  return k;
}

/**
 * The stored trees' factor for one customer from their own orders as of `asOfDay`: their
 * features built by the same functions as the batch's, so a re-score gives the batch's factor.
 */
export function learnedRateMultiplierOf(
  stored: StoredLearnedTrees,
  bgnbd: BgNbdParameters,
  orders: readonly { time: number; amount: number }[],
  asOfDay: number,
  utcOffsetMinutes: number,
  unit: number,
  t: number,
): number {
  const tx: TransactionColumns = {
    customerIds: ["customer"],
    customer: new Int32Array(orders.length),
    time: Float64Array.from(orders, (o) => o.time),
    amount: Float64Array.from(orders, (o) => o.amount),
  };
  const features = buildCustomerFeatures(tx, asOfDay, utcOffsetMinutes, unit);
  if (features.count === 0) return 1;
  const spanDays = Int32Array.of(features.lastDay[0] - features.firstDay[0]);
  const ageDays = Int32Array.of(asOfDay - features.firstDay[0]);
  const { rows, rowOf } = compressSummaries(features.columns.frequency, spanDays, ageDays, unit);
  return learnedRateMultipliers(stored, bgnbd, features, rowOf, rows, t, unit)[0];
}

interface TrainedCorrection {
  trees: ReturnType<typeof fitBoostedTrees>;
  /** Least-squares blend weight of the learned prediction on held-out customers, in [0, 1]. */
  weight: number;
  customers: number;
  innerHorizonDays: number;
  /** Per-customer predictions by horizon, shared by the plain and the blended candidate. */
  predictions: Map<number, { log: Float64Array; baseExpected: Float64Array; basePAny: Float64Array }>;
}

const trainings = new WeakMap<CalibrationContext, Map<string, TrainedCorrection | null>>();

/** The plain and the blended candidate train the same trees: once per context, base and options. */
function trainOnce(
  base: PurchaseModelCandidate,
  context: CalibrationContext,
  options: LearnedModelOptions,
): TrainedCorrection | null {
  let byKey = trainings.get(context);
  if (!byKey) trainings.set(context, (byKey = new Map()));
  const key = `${base.name} ${JSON.stringify(options)}`;
  if (!byKey.has(key)) byKey.set(key, trainCorrection(base, context, options));
  return byKey.get(key)!;
}

/** The training window H': the real horizon when the history allows, else half the history. */
export function trainingWindowDays(context: CalibrationContext): number {
  let firstDay = Infinity;
  for (let c = 0; c < context.features.count; c++) firstDay = Math.min(firstDay, context.features.firstDay[c]);
  const history = context.cutoffDay - firstDay;
  return Math.max(1, Math.min(context.horizonDays, Math.floor(history / 2)));
}

function trainCorrection(
  base: PurchaseModelCandidate,
  context: CalibrationContext,
  options: LearnedModelOptions,
): TrainedCorrection | null {
  const innerHorizonDays = trainingWindowDays(context);
  const innerDay = context.cutoffDay - innerHorizonDays;
  const unit = context.periodDays;
  const all = context.features;
  // Customers already known on D', sampled.
  const eligible: number[] = [];
  for (let c = 0; c < all.count; c++) if (all.firstDay[c] <= innerDay) eligible.push(c);
  if (eligible.length < 50) return null;
  const picked = sampleIndices(
    eligible.length,
    options.trainingSample ?? LEARNED_TRAINING_SAMPLE,
    seededRandom(context.seed + 1),
  );
  const chosen = Int32Array.from(picked, (k) => eligible[k]);

  const origins = Math.max(1, options.origins ?? LEARNED_ORIGINS);
  const windows = Array.from({ length: origins }, (_, k) => Math.ceil((innerHorizonDays * (origins - k)) / origins));
  const parts: { matrix: FeatureMatrix; offset: Float64Array; baseExpected: Float64Array; label: Float64Array }[] = [];
  for (const windowDays of windows) {
    const originDay = context.cutoffDay - windowDays;
    const { tx, label } = historyBefore(context, chosen, originDay);
    const inner = buildCustomerFeatures(tx, originDay, context.utcOffsetMinutes, unit);
    if (inner.count !== chosen.length)
      throw new Error("learned model: every sampled customer must have ordered by the training day");
    const spanDays = new Int32Array(inner.count);
    const ageDays = new Int32Array(inner.count);
    for (let c = 0; c < inner.count; c++) {
      spanDays[c] = inner.lastDay[c] - inner.firstDay[c];
      ageDays[c] = originDay - inner.firstDay[c];
    }
    const { rows, rowOf } = compressSummaries(inner.columns.frequency, spanDays, ageDays, unit);
    const innerContext: CalibrationContext = {
      ...context,
      tx,
      features: inner,
      rowOf,
      cutoffDay: originDay,
      horizonDays: windowDays,
    };
    const innerBase = base.fit(rows, innerContext);
    if (!innerBase) return null;
    // `inner` keeps the order of `chosen` (source order), so labels line up by position.
    parts.push({ ...featureMatrix(inner, rowOf, rows, innerBase, windowDays / unit, unit), label });
  }
  const n = chosen.length;
  const total = n * parts.length;
  const F = LEARNED_FEATURES.length;
  const values = new Float64Array(total * F);
  const offset = new Float64Array(total);
  const baseExpected = new Float64Array(total);
  const label = new Float64Array(total);
  parts.forEach((part, k) => {
    for (let f = 0; f < F; f++) values.set(part.matrix.values.subarray(f * n, (f + 1) * n), f * total + k * n);
    offset.set(part.offset, k * n);
    baseExpected.set(part.baseExpected, k * n);
    label.set(part.label, k * n);
  });
  // Held out by customer, so one customer's origins never sit on both sides.
  const random = seededRandom(context.seed + 2);
  const validation = new Uint8Array(total);
  for (let c = 0; c < n; c++) if (random() < 0.2) for (let k = 0; k < parts.length; k++) validation[k * n + c] = 1;
  const matrix: FeatureMatrix = { rows: total, features: F, values };
  const trees = fitBoostedTrees(matrix, label, offset, { seed: context.seed, ...options.boosting }, validation);
  const log = predictLog(trees, matrix, offset);
  let cross = 0;
  let square = 0;
  for (let c = 0; c < total; c++) {
    if (!trees.validation[c]) continue;
    const difference = Math.exp(log[c]) - baseExpected[c];
    cross += difference * (label[c] - baseExpected[c]);
    square += difference * difference;
  }
  const weight = square > 0 ? Math.min(1, Math.max(0, cross / square)) : 0;
  return { trees, weight, customers: n, innerHorizonDays, predictions: new Map() };
}

/**
 * The chosen customers' rows up to `innerDay` as a transaction table of their own (customer k
 * = chosen[k]), and each one's distinct purchase days in (innerDay, cutoff]. Reads only the
 * context's rows, which end at the cutoff.
 */
function historyBefore(
  context: CalibrationContext,
  chosen: Int32Array,
  innerDay: number,
): { tx: TransactionColumns; label: Float64Array } {
  const source = context.tx;
  const positionOf = new Int32Array(source.customerIds.length).fill(-1);
  chosen.forEach((c, position) => (positionOf[context.features.sourceIndex[c]] = position));
  const offsetMs = context.utcOffsetMinutes * 60_000;
  const dayOf = (row: number) => Math.floor((source.time[row] + offsetMs) / 86_400_000);
  let before = 0;
  let after = 0;
  for (let row = 0; row < source.customer.length; row++) {
    if (positionOf[source.customer[row]] < 0) continue;
    if (dayOf(row) <= innerDay) before++;
    else if (source.amount[row] >= 0) after++;
  }
  const customer = new Int32Array(before);
  const time = new Float64Array(before);
  const amount = new Float64Array(before);
  // One exact key per (customer, day) after D': sorted, equal keys sit together.
  const width = context.cutoffDay - innerDay + 1;
  const keys = new Float64Array(after);
  let k = 0;
  let j = 0;
  for (let row = 0; row < source.customer.length; row++) {
    const position = positionOf[source.customer[row]];
    if (position < 0) continue;
    const day = dayOf(row);
    if (day <= innerDay) {
      customer[k] = position;
      time[k] = source.time[row];
      amount[k] = source.amount[row];
      k++;
    } else if (source.amount[row] >= 0) keys[j++] = position * width + (day - innerDay);
  }
  keys.sort();
  const label = new Float64Array(chosen.length);
  for (let i = 0; i < keys.length; i++) if (i === 0 || keys[i] !== keys[i - 1]) label[Math.floor(keys[i] / width)]++;
  return { tx: { customerIds: Array.from(chosen, String), customer, time, amount }, label };
}

/**
 * The trees' inputs for every customer of `features` (see LEARNED_FEATURES) and the base
 * model's expectation over t periods, as the log-offset and as plain numbers.
 */
function featureMatrix(
  features: CustomerFeatures,
  rowOf: Int32Array,
  summaries: SummaryRows,
  baseFit: FittedCandidate,
  t: number,
  unit: number,
) {
  const n = features.count;
  const F = LEARNED_FEATURES.length;
  const values = new Float64Array(n * F);
  const offset = new Float64Array(n);
  const baseExpected = new Float64Array(n);
  const basePAny = new Float64Array(n);
  // The base model depends on (x, t_x, T) only: once per summary row.
  const { expected: rowExpected, pAny: rowPAny } = rowPredictions(baseFit, summaries, t);
  const rowPAlive = new Float64Array(summaries.count);
  for (let i = 0; i < summaries.count; i++)
    rowPAlive[i] = baseFit.pAlive(summaries.x[i], summaries.tx[i], summaries.T[i]);
  const f = features.columns;
  const put = (feature: number, c: number, value: number) => (values[feature * n + c] = value);
  for (let c = 0; c < n; c++) {
    const row = rowOf[c];
    const expected = rowExpected[row];
    baseExpected[c] = expected;
    basePAny[c] = rowPAny[row];
    offset[c] = Math.log(Math.max(expected, 1e-9));
    const tenure = f.tenureDays[c];
    put(0, c, f.frequency[c]);
    put(1, c, f.recencyDays[c]);
    put(2, c, tenure);
    put(3, c, tenure > 0 ? (tenure - f.recencyDays[c]) / tenure : 0);
    put(4, c, Math.log1p(Math.max(0, f.averageOrderValue[c])));
    put(5, c, f.interPurchaseDays[c]);
    put(6, c, f.lastGapDays[c]);
    // One-time buyers have no gap: −1 keeps them apart from "just bought" (ratio 0).
    put(7, c, f.frequency[c] > 0 ? f.recencyDays[c] / Math.max(1, f.interPurchaseDays[c]) : -1);
    put(8, c, f.purchaseDays[c] > 0 ? f.orders[c] / f.purchaseDays[c] : 1);
    put(9, c, rowPAlive[row]);
    put(10, c, Math.log(Math.max(expected, 1e-9) / (t * unit)));
  }
  const matrix: FeatureMatrix = { rows: n, features: F, values };
  return { matrix, offset, baseExpected, basePAny };
}
