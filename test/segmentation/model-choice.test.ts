// Model choice by measured accuracy: BG/NBD, Pareto/NBD, a seasonal adjustment and trees
// learned from the shop's own past, compared on the holdout and chosen in plain words.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseInput } from "~/cli/analyze-input";
import { BGNBD_CANDIDATE, calibrationContext, runBacktest } from "~/segmentation/backtest";
import { compressSummaries } from "~/segmentation/bgnbd";
import { dayNumber } from "~/segmentation/calendar";
import { choosePurchaseModel } from "~/segmentation/choose-model";
import { buildCustomerFeatures } from "~/segmentation/features";
import { fitBoostedTrees, predictLog } from "~/segmentation/gradient-boosting";
import { learnedCandidate } from "~/segmentation/learned-model";
import { sampleSummaryRows } from "~/segmentation/pareto-nbd-candidate";
import { gammaDeviate, seededRandom } from "~/segmentation/random";
import { seasonalCandidate } from "~/segmentation/seasonality";
import type { TransactionColumns } from "~/segmentation/types";
import { BENCH_SHOP, syntheticShop } from "../bench/synthetic-shop";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const cdnowText = readFileSync(resolve(repoRoot, "../shared/data/cdnow/CDNOW_sample.txt"), "utf8");
const DAY = 86_400_000;
const CDNOW = { asOf: Date.UTC(1998, 5, 30), horizonDays: 273, periodUnit: "week" as const };

describe("CDNOW: every candidate on the 39-week holdout, chosen by measured accuracy", () => {
  const { transactions } = parseInput(cdnowText, "transactions");
  const { backtest, choice, model, predict } = choosePurchaseModel(transactions, CDNOW);
  const byName = Object.fromEntries(backtest.models.map((m) => [m.name, m]));

  it("keeps the paper's BG/NBD and fits Pareto/NBD to its published estimates on all 2,357 customers", () => {
    expect(byName.bgnbd.params!.r).toBeCloseTo(0.243, 3);
    expect(byName.bgnbd.metrics!.correlation).toBeCloseTo(0.626, 3);
    const pareto = byName["pareto-nbd"].params!;
    expect(pareto.fittedCustomers).toBe(2357);
    expect(pareto.r).toBeCloseTo(0.553, 2);
    expect(pareto.alpha).toBeCloseTo(10.58, 1);
    expect(pareto.s).toBeCloseTo(0.606, 2);
    expect(pareto.beta).toBeCloseTo(11.67, 1);
  });

  it("does not adjust for seasons with nine months of calibration history", () => {
    expect(byName["bgnbd+seasonal"].params!.applied).toBe(0);
    expect(byName["bgnbd+seasonal"].metrics).toEqual(byName.bgnbd.metrics);
  });

  it("chooses BG/NBD with learned trees: total within 5 % of the 1,882 actual, per-customer error on a par", () => {
    expect(choice.chosen).toBe("bgnbd+learned");
    const chosen = byName[choice.chosen!];
    const m = chosen.metrics!;
    expect(Math.abs(m.predictedTotal - 1882) / 1882).toBeLessThan(0.05);
    expect(Math.abs(byName.bgnbd.metrics!.totalErrorPercent!)).toBeGreaterThan(10);
    expect(m.correlation!).toBeGreaterThanOrEqual(byName.bgnbd.metrics!.correlation!);
    // Four stacked training origins: 0.630 (two gave 0.628); 0.65 is beyond what this sample's
    // calibration period carries (docs/engine.md, model choice).
    expect(m.correlation!).toBeGreaterThanOrEqual(0.63);
    const bestRmse = Math.min(...backtest.models.map((o) => o.metrics!.rootMeanSquaredError));
    expect(m.rootMeanSquaredError).toBeLessThanOrEqual(bestRmse * 1.01);
    expect(chosen.params!.trainingWindowDays).toBe(136);
    expect(chosen.params!.rounds).toBeGreaterThan(0);
    // The blend's weight is fitted on held-out customers (of the calibration period).
    const weight = byName["bgnbd+learned-blend"].params!.blendWeight;
    expect(weight).toBeGreaterThanOrEqual(0);
    expect(weight).toBeLessThanOrEqual(1);
    expect(choice.reason).toMatch(
      /^BG\/NBD with learned trees: mean error 0\.\d{3} purchases per customer .*; chosen over Pareto\/NBD \(total −12 %\) because its root-mean-squared error 1\.\d{3} is within 1 % of the best \(1\.\d{3}\) and its total came closest$/,
    );
  });

  it("refits the chosen model on the whole history for every customer", () => {
    expect(model!.name).toBe("bgnbd+learned");
    const live = predict!();
    expect(live.features.count).toBe(2357);
    expect(live.expected.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    expect(live.pAny.every((v) => v >= 0 && v <= 1)).toBe(true);
    // Trained on the whole 78 weeks: half the history (272 days), not the backtest's 136.
    expect(model!.params.trainingWindowDays).toBe(272);
  });
});

describe("the learned model reads only the calibration period", () => {
  it("gives the same trees and predictions whatever happens after the cutoff", () => {
    const { transactions } = parseInput(cdnowText, "transactions");
    const cutoffDay = dayNumber(Date.UTC(1997, 8, 30), 0);
    const withoutHoldout = keepRows(transactions, (row) => Math.floor(transactions.time[row] / DAY) <= cutoffDay);
    const doubledHoldout = keepRows(
      transactions,
      () => true,
      (row) => Math.floor(transactions.time[row] / DAY) > cutoffDay,
    );
    const candidate = learnedCandidate(BGNBD_CANDIDATE, true);
    const fitAt = (tx: TransactionColumns) => {
      const features = buildCustomerFeatures(tx, cutoffDay, 0, 7);
      const span = Int32Array.from({ length: features.count }, (_, c) => features.lastDay[c] - features.firstDay[c]);
      const age = Int32Array.from({ length: features.count }, (_, c) => cutoffDay - features.firstDay[c]);
      const { rows, rowOf } = compressSummaries(features.columns.frequency, span, age, 7);
      const fitted = candidate.fit(
        rows,
        calibrationContext(tx, features, rowOf, cutoffDay, 273, 7, { utcOffsetMinutes: 0, seed: 42 }),
      )!;
      return { params: fitted.params, ...fitted.predictCustomers!(39) };
    };
    const a = fitAt(withoutHoldout);
    const b = fitAt(doubledHoldout);
    expect(doubledHoldout.customer.length).toBeGreaterThan(transactions.customer.length);
    expect(b.params).toEqual(a.params);
    expect(b.expected).toEqual(a.expected);
    expect(b.pAny).toEqual(a.pAny);
  });
});

describe("simulated seasonal shops (BG/NBD customers whose purchase rate follows the calendar ±60 %)", () => {
  const seasonalShop = (peakDayOfYear: number, historyDays: number) =>
    syntheticShop({
      ...BENCH_SHOP,
      customers: 20_000,
      historyDays,
      acquisitionDays: historyDays,
      seasonality: { amplitude: 0.6, peakDayOfYear },
    });
  const candidates = [BGNBD_CANDIDATE, seasonalCandidate(BGNBD_CANDIDATE)];

  it("a peak in the holdout window (mid-May): BG/NBD predicts a third too little, the adjustment gets the total within 5 % and is chosen", () => {
    const backtest = runBacktest(seasonalShop(135, 1095), { asOf: BENCH_SHOP.end, candidates });
    const [plain, seasonal] = backtest.models.map((m) => m.metrics!);
    expect(plain.totalErrorPercent!).toBeLessThan(-25);
    expect(Math.abs(seasonal.totalErrorPercent!)).toBeLessThan(5);
    expect(seasonal.rootMeanSquaredError).toBeLessThan(plain.rootMeanSquaredError);
    expect(backtest.models[1].params!.horizonFactor).toBeGreaterThan(1.3);
    expect(backtest.choice.chosen).toBe("bgnbd+seasonal");
  });

  it("a trough in the window (peak mid-November): BG/NBD more than doubles the total, the adjustment does not", () => {
    const backtest = runBacktest(seasonalShop(320, 1095), { asOf: BENCH_SHOP.end, candidates });
    const [plain, seasonal] = backtest.models.map((m) => m.metrics!);
    expect(plain.totalErrorPercent!).toBeGreaterThan(100);
    expect(Math.abs(seasonal.totalErrorPercent!)).toBeLessThan(5);
    expect(seasonal.meanAbsoluteError).toBeLessThan(plain.meanAbsoluteError);
    expect(backtest.choice.chosen).toBe("bgnbd+seasonal");
  });

  it("is refitted on the whole history for the live forecast, reusing the engine's BG/NBD fit when given", () => {
    const tx = seasonalShop(135, 1095);
    const { choice, model, predict } = choosePurchaseModel(tx, { asOf: BENCH_SHOP.end, candidates });
    expect(choice.chosen).toBe("bgnbd+seasonal");
    const live = predict!();
    // Cutoff 2026-06-30: the next 90 days are July–September, past the May peak.
    expect(model!.params.horizonFactor).toBeGreaterThan(0.8);
    expect(model!.params.horizonFactor).toBeLessThan(1.2);
    expect(live.expected.length).toBe(live.features.count);
    const engineFit = {
      r: 2 * model!.params.r,
      alpha: model!.params.alpha,
      a: model!.params.a,
      b: model!.params.b,
      logLikelihood: 0,
    };
    const reused = choosePurchaseModel(tx, { asOf: BENCH_SHOP.end, candidates }, { bgnbd: engineFit });
    expect(reused.model!.params.r).toBe(engineFit.r);
    const sum = (values: Float64Array) => values.reduce((a, b) => a + b, 0);
    // Twice the purchase-rate shape: more expected purchases, so the given fit was used.
    expect(sum(reused.predict!().expected)).toBeGreaterThan(1.1 * sum(live.expected));
  });

  it("does not kick in with less than 13 months before the cutoff, and does with just over", () => {
    const short = runBacktest(seasonalShop(135, 480), { asOf: BENCH_SHOP.end, candidates });
    expect(short.historyDays - short.horizonDays).toBeLessThan(396);
    expect(short.models[1].params!.applied).toBe(0);
    expect(short.models[1].metrics).toEqual(short.models[0].metrics);
    const enough = runBacktest(seasonalShop(135, 500), { asOf: BENCH_SHOP.end, candidates });
    expect(enough.historyDays - enough.horizonDays).toBeGreaterThanOrEqual(396);
    expect(enough.models[1].params!.applied).toBe(1);
    expect(Math.abs(enough.models[1].metrics!.totalErrorPercent!)).toBeLessThan(
      Math.abs(enough.models[0].metrics!.totalErrorPercent!),
    );
  });
});

describe("gradient-boosted Poisson trees", () => {
  // y ~ Poisson(offset · e^(0.8 if x0 > 0.5) · e^(−0.5 if x1 < 0.3)); x2 is noise.
  const simulate = (n: number, seed: number) => {
    const random = seededRandom(seed);
    const values = new Float64Array(3 * n);
    const label = new Float64Array(n);
    const offset = new Float64Array(n);
    const truth = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < 3; f++) values[f * n + i] = random();
      offset[i] = Math.log(0.5 + gammaDeviate(2, random));
      truth[i] = offset[i] + (values[i] > 0.5 ? 0.8 : 0) + (values[n + i] < 0.3 ? -0.5 : 0);
      label[i] = poisson(Math.exp(truth[i]), random);
    }
    return { matrix: { rows: n, features: 3, values }, label, offset, truth };
  };

  it("recovers a multiplicative correction of the offset, deterministically", () => {
    const { matrix, label, offset, truth } = simulate(20_000, 3);
    const model = fitBoostedTrees(matrix, label, offset, { seed: 5 });
    expect(model.validationDeviance).toBeLessThan(0.9 * model.validationDevianceAtStart);
    const log = predictLog(model, matrix, offset);
    const errors = Float64Array.from(log, (v, i) => Math.abs(v - truth[i])).sort();
    const meanError = errors.reduce((a, b) => a + b, 0) / errors.length;
    expect(meanError).toBeLessThan(0.05);
    expect(errors[Math.floor(0.99 * errors.length)]).toBeLessThan(0.2);
    const again = fitBoostedTrees(matrix, label, offset, { seed: 5 });
    expect(predictLog(again, matrix, offset)).toEqual(log);
  });

  it("stops early when the features carry nothing", () => {
    const { matrix, offset } = simulate(5_000, 4);
    const random = seededRandom(9);
    const noise = Float64Array.from(offset, (o) => poisson(Math.exp(o), random));
    const model = fitBoostedTrees(matrix, noise, offset, { seed: 5 });
    expect(model.rounds).toBeLessThan(25);
    expect(model.trees).toHaveLength(model.rounds);
  });
});

it("samples summary rows: a seeded uniform sample of customers that keeps the shape of the data", () => {
  const tx = syntheticShop({ ...BENCH_SHOP, customers: 30_000 });
  const asOfDay = dayNumber(BENCH_SHOP.end.getTime(), 0);
  const features = buildCustomerFeatures(tx, asOfDay, 0, 1);
  const span = Int32Array.from({ length: features.count }, (_, c) => features.lastDay[c] - features.firstDay[c]);
  const age = Int32Array.from({ length: features.count }, (_, c) => asOfDay - features.firstDay[c]);
  const { rows } = compressSummaries(features.columns.frequency, span, age, 1);
  const sample = sampleSummaryRows(rows, 5_000, 1);
  const weights = (r: typeof rows) => r.weight.reduce((a, b) => a + b, 0);
  const meanX = (r: typeof rows) => r.x.reduce((sum, x, i) => sum + x * r.weight[i], 0) / weights(r);
  expect(weights(sample)).toBe(5_000);
  expect(Math.abs(meanX(sample) - meanX(rows))).toBeLessThan(0.1 * meanX(rows));
  expect(sampleSummaryRows(rows, 5_000, 1)).toEqual(sample);
  expect(sampleSummaryRows(rows, 10 * rows.count, 1)).toBe(rows);
});

function poisson(mean: number, random: () => number): number {
  let k = 0;
  let p = Math.exp(-mean);
  let cumulative = p;
  const u = random();
  while (u > cumulative && k < 1000) {
    k++;
    p *= mean / k;
    cumulative += p;
  }
  return k;
}

/** Rows passing `keep`, plus a second copy one day later of rows passing `duplicate`. */
function keepRows(
  tx: TransactionColumns,
  keep: (row: number) => boolean,
  duplicate: (row: number) => boolean = () => false,
): TransactionColumns {
  const customer: number[] = [];
  const time: number[] = [];
  const amount: number[] = [];
  for (let row = 0; row < tx.customer.length; row++) {
    if (!keep(row)) continue;
    customer.push(tx.customer[row]);
    time.push(tx.time[row]);
    amount.push(tx.amount[row]);
    if (duplicate(row)) {
      customer.push(tx.customer[row]);
      time.push(tx.time[row] + DAY);
      amount.push(2 * tx.amount[row]);
    }
  }
  return {
    customerIds: tx.customerIds,
    customer: Int32Array.from(customer),
    time: Float64Array.from(time),
    amount: Float64Array.from(amount),
  };
}
