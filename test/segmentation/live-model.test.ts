// The live scores follow the prediction check's model choice where the stored model can carry
// it: the compute's path (check with every candidate → analyzeShop with the choice), the
// per-customer re-score from the stored (JSON) model, and the explanation's figures.
import { describe, expect, it } from "vitest";
import {
  analyzeShop,
  summarizeOrders,
  type FittedModel,
  type ShopAnalysis,
  type TransactionColumns,
} from "~/segmentation";
import { BGNBD_CANDIDATE } from "~/segmentation/backtest";
import { choosePurchaseModel, PURCHASE_MODEL_CANDIDATES } from "~/segmentation/choose-model";
import { explainCustomer } from "~/segmentation/explain";
import { compressSummaries } from "~/segmentation/bgnbd";
import { buildCustomerFeatures } from "~/segmentation/features";
import { learnedCandidate, learnedRateMultipliers } from "~/segmentation/learned-model";
import { CHURN_RISK_LEVELS } from "~/segmentation/segments";
import { PARETO_NBD_CANDIDATE } from "~/segmentation/pareto-nbd-candidate";
import { checkPredictions } from "~/segmentation/prediction-check";
import { seasonAt } from "~/segmentation/predictions";
import { scoreCustomer } from "~/segmentation/score-customer";
import { seasonalCandidate } from "~/segmentation/seasonality";
import { BENCH_SHOP, syntheticShop } from "../bench/synthetic-shop";

const asOf = BENCH_SHOP.end;
const options = { asOf, utcOffsetMinutes: 0, horizonDays: 90, predictionHorizonDays: 90 };

function ordersOf(tx: TransactionColumns, id: string) {
  const source = tx.customerIds.indexOf(id);
  const out: { time: number; amount: number }[] = [];
  for (let i = 0; i < tx.customer.length; i++)
    if (tx.customer[i] === source) out.push({ time: tx.time[i], amount: tx.amount[i] });
  return out;
}

/** What the compute does: the check with every candidate, then the engine told its choice. */
function compute(tx: TransactionColumns) {
  const check = checkPredictions(tx, { ...options, candidates: PURCHASE_MODEL_CANDIDATES });
  const label = check.models.find((m) => m.name === check.choice.chosen)?.label ?? null;
  const analysis = analyzeShop(tx, options, { modelChoice: { chosen: check.choice.chosen, label } });
  return { check, analysis };
}

/** Customers spread over the table, with and without repeat purchases. */
function sampleCustomers(analysis: ShopAnalysis): number[] {
  const step = Math.max(1, Math.floor(analysis.customers.count / 25));
  return Array.from({ length: 25 }, (_, k) => k * step);
}

function expectRescoreMatchesBatch(analysis: ShopAnalysis, tx: TransactionColumns) {
  // The stored model is JSON (ShopModel.params.model).
  const stored = JSON.parse(JSON.stringify(analysis.model)) as FittedModel;
  const f = analysis.customers.features;
  for (const c of sampleCustomers(analysis)) {
    const summary = summarizeOrders(ordersOf(tx, analysis.customers.ids[c]), 0)!;
    const one = scoreCustomer(stored, summary, analysis.asOf).features;
    expect(one.expectedOrders).toBeCloseTo(f.expectedOrders[c], 10);
    expect(one.clv).toBeCloseTo(f.clv[c], 8);
    expect(one.pAlive).toBeCloseTo(f.pAlive[c], 12);
    expect(one.churnRisk).toBeCloseTo(f.churnRisk[c], 12);
  }
}

describe("a seasonal shop (purchase rate ±60 % over the year, peak in late August)", () => {
  const tx = syntheticShop({ ...BENCH_SHOP, customers: 20_000, seasonality: { amplitude: 0.6, peakDayOfYear: 235 } });
  const { check, analysis } = compute(tx);

  it("the check compares every candidate and chooses the seasonal adjustment, which the live scores follow", () => {
    expect(check.models.map((m) => m.name)).toEqual(PURCHASE_MODEL_CANDIDATES.map((c) => c.name));
    expect(check.choice.chosen).toBe("bgnbd+seasonal");
    expect(analysis.diagnostics.liveModel).toMatchObject({
      chosen: "bgnbd+seasonal",
      uses: "BG/NBD, seasonally adjusted",
      follows: true,
    });
    expect(analysis.model.seasonal!.monthly).toHaveLength(12);
    // July–September, before and around the peak: busier than the fitted history's average.
    expect(seasonAt(analysis.model)!.horizon).toBeGreaterThan(1.15);
  });

  it("live expected orders equal the seasonal candidate refitted on the whole history", () => {
    const refit = choosePurchaseModel(
      tx,
      { ...options, candidates: [seasonalCandidate(BGNBD_CANDIDATE)] },
      { bgnbd: analysis.model.bgnbd },
    );
    const live = refit.predict!();
    const byId = new Map(analysis.customers.ids.map((id, c) => [id, c]));
    expect(live.features.count).toBe(analysis.customers.count);
    let total = 0;
    for (let k = 0; k < live.features.count; k++) {
      const c = byId.get(tx.customerIds[live.features.sourceIndex[k]])!;
      expect(Math.abs(analysis.customers.features.expectedOrders[c] - live.expected[k])).toBeLessThan(
        1e-12 * Math.max(1, live.expected[k]),
      );
      total += live.expected[k];
    }
    expect(total).toBeGreaterThan(0);
    // And not BG/NBD's: the factor is applied.
    const plain = analyzeShop(tx, options);
    expect(analysis.customers.features.expectedOrders[0] / plain.customers.features.expectedOrders[0]).toBeCloseTo(
      seasonAt(analysis.model)!.horizon,
      10,
    );
  });

  it("re-scoring one customer from the stored model gives the batch's figures; days later the factor moves with the calendar", () => {
    expectRescoreMatchesBatch(analysis, tx);
    const stored = JSON.parse(JSON.stringify(analysis.model)) as FittedModel;
    const c = sampleCustomers(analysis)[3];
    const summary = summarizeOrders(ordersOf(tx, analysis.customers.ids[c]), 0)!;
    const later = analysis.asOf + 60 * 86_400_000;
    const laterDay = Math.floor(later / 86_400_000);
    const plain = scoreCustomer({ ...stored, seasonal: null }, summary, later).features.expectedOrders;
    expect(scoreCustomer(stored, summary, later).features.expectedOrders).toBeCloseTo(
      plain * seasonAt(stored, laterDay)!.horizon,
      12,
    );
    expect(seasonAt(stored, laterDay)!.horizon).not.toBeCloseTo(seasonAt(stored)!.horizon, 2);
  });

  it("the explanation states the seasonal factor and its figures reproduce expected orders", () => {
    const f = analysis.customers.features;
    const c = Array.from(f.frequency).findIndex((x, i) => x >= 2 && f.pAlive[i] > 0.5);
    const summary = summarizeOrders(ordersOf(tx, analysis.customers.ids[c]), 0)!;
    const e = explainCustomer({
      model: analysis.model,
      summary,
      scoredAt: analysis.asOf,
      shown: null,
      currency: "USD",
    });
    const line = e.lines.find((l) => l.score === "expectedOrders")!;
    const factor = seasonAt(analysis.model)!.horizon;
    expect(line.figures.seasonalFactor).toBe(factor);
    expect(line.figures.pAlive * line.figures.expectedOrdersIfActive * line.figures.seasonalFactor).toBeCloseTo(
      f.expectedOrders[c],
      10,
    );
    expect(line.because).toContain(
      `× ${factor.toFixed(2)} for the season: the coming 90 days were ${Math.round((factor - 1) * 100)} % busier than average in past years`,
    );
    expect(e.lines.find((l) => l.score === "clv")!.because).toContain("how busy that calendar month was");
  });
});

describe("choices on a plain (non-seasonal) simulated shop", () => {
  const tx = syntheticShop({ ...BENCH_SHOP, customers: 12_000 });
  const plain = analyzeShop(tx, options);
  const told = (chosen: string, label: string) => analyzeShop(tx, options, { modelChoice: { chosen, label } });

  it("BG/NBD chosen: the live scores are exactly the engine's without a choice", () => {
    const bg = told("bgnbd", "BG/NBD");
    expect(bg.diagnostics.liveModel).toMatchObject({ uses: "BG/NBD", follows: true, note: null });
    expect(bg.customers.features.expectedOrders).toEqual(plain.customers.features.expectedOrders);
    expect(bg.customers.features.clv).toEqual(plain.customers.features.clv);
    expect(bg.model).toEqual(plain.model);
  });

  it("Pareto/NBD chosen: fitted the backtest's sampled way; live expected orders equal its refit, re-scoring agrees", () => {
    const pareto = told("pareto-nbd", "Pareto/NBD");
    expect(pareto.model.preferParetoNbd).toBe(true);
    expect(pareto.model.bgnbd).toEqual(plain.model.bgnbd);
    expect(pareto.diagnostics.modelFits.find((m) => m.model === "BG/NBD")!.used).toBe(false);
    const refit = choosePurchaseModel(tx, { ...options, candidates: [PARETO_NBD_CANDIDATE] });
    expect(refit.model!.params.r).toBe(pareto.model.paretoNbd!.r);
    const live = refit.predict!();
    const byId = new Map(pareto.customers.ids.map((id, c) => [id, c]));
    for (let k = 0; k < live.features.count; k += 97) {
      const c = byId.get(tx.customerIds[live.features.sourceIndex[k]])!;
      expect(pareto.customers.features.expectedOrders[c]).toBeCloseTo(live.expected[k], 10);
    }
    expectRescoreMatchesBatch(pareto, tx);
    expect(pareto.customers.features.expectedOrders).not.toEqual(plain.customers.features.expectedOrders);
  });

  it("learned trees chosen: trained on the whole history and stored with the model; live expected orders equal the candidate's refit", () => {
    const learned = learnedCandidate(BGNBD_CANDIDATE, false);
    const run = told(learned.name, learned.label);
    expect(run.diagnostics.liveModel).toMatchObject({
      chosen: learned.name,
      uses: "BG/NBD with learned trees",
      follows: true,
      note: "live scores use BG/NBD with learned trees, the backtest's most accurate model",
    });
    expect(run.diagnostics.warnings).not.toContain(run.diagnostics.liveModel!.note);
    const trees = run.model.learned!;
    expect(trees.blendWeight).toBe(1);
    expect(trees.trainingWindowDays).toBe(90);
    // Compact: plain arrays, depth 3 (≤ 15 nodes a tree), a bounded number of rounds.
    for (const tree of trees.trees) expect(tree.feature.length).toBeLessThanOrEqual(15);
    expect(JSON.stringify(trees).length).toBeLessThan(200_000);
    expect(run.customers.features.expectedOrders).not.toEqual(plain.customers.features.expectedOrders);
    // P(alive) stays BG/NBD's; the rate factor moves churn risk as P(no order)^k.
    expect(run.customers.features.pAlive).toEqual(plain.customers.features.pAlive);

    const refit = choosePurchaseModel(tx, { ...options, candidates: [learned] }, { bgnbd: run.model.bgnbd });
    const live = refit.predict!();
    const byId = new Map(run.customers.ids.map((id, c) => [id, c]));
    for (let k = 0; k < live.features.count; k += 37) {
      const c = byId.get(tx.customerIds[live.features.sourceIndex[k]])!;
      expect(Math.abs(run.customers.features.expectedOrders[c] - live.expected[k])).toBeLessThan(
        1e-12 * Math.max(1, live.expected[k]),
      );
    }
  });

  it("learned trees: re-scoring one customer from the stored (JSON) model recomputes their features and gives exactly the batch's figures", () => {
    const learned = learnedCandidate(BGNBD_CANDIDATE, true);
    const run = told(learned.name, learned.label);
    expect(run.diagnostics.liveModel).toMatchObject({ uses: "BG/NBD with learned trees", follows: true });
    const stored = JSON.parse(JSON.stringify(run.model)) as FittedModel;
    const f = run.customers.features;
    for (const c of sampleCustomers(run)) {
      const summary = summarizeOrders(ordersOf(tx, run.customers.ids[c]), 0)!;
      const one = scoreCustomer(stored, summary, run.asOf);
      expect(one.features.expectedOrders).toBe(f.expectedOrders[c]);
      expect(one.features.clv).toBe(f.clv[c]);
      expect(one.features.churnRisk).toBe(f.churnRisk[c]);
      expect(one.features.pAlive).toBe(f.pAlive[c]);
      expect(one.segmentKeys.churnRisk).toBe(CHURN_RISK_LEVELS[run.customers.churnRiskLevel[c]].key);
    }
    // The explanation states the trees' factor, and its figures reproduce expected orders and CLV.
    const c = Array.from(f.frequency).findIndex((x, i) => x >= 2 && f.pAlive[i] > 0.5);
    const summary = summarizeOrders(ordersOf(tx, run.customers.ids[c]), 0)!;
    const e = explainCustomer({ model: stored, summary, scoredAt: run.asOf, shown: null, currency: "USD" });
    const line = e.lines.find((l) => l.score === "expectedOrders")!;
    expect(line.figures.learnedFactor).not.toBe(1);
    expect(line.figures.pAlive * line.figures.expectedOrdersIfActive * line.figures.learnedFactor).toBeCloseTo(
      f.expectedOrders[c],
      10,
    );
    expect(line.because).toContain(`× ${line.figures.learnedFactor.toFixed(2)} from the learned trees`);
  });

  it("learned trees: a re-score a month later equals a full compute then; a model stored without trees scores as BG/NBD", () => {
    const learned = learnedCandidate(BGNBD_CANDIDATE, false);
    const run = told(learned.name, learned.label);
    const stored = JSON.parse(JSON.stringify(run.model)) as FittedModel;
    // Every customer's factor a month later, batch-wise, as a full compute then would apply it.
    const later = run.asOf + 30 * 86_400_000;
    const laterDay = Math.floor(later / 86_400_000);
    const features = buildCustomerFeatures(tx, laterDay, 0, 1);
    const span = Int32Array.from({ length: features.count }, (_, c) => features.lastDay[c] - features.firstDay[c]);
    const age = Int32Array.from({ length: features.count }, (_, c) => laterDay - features.firstDay[c]);
    const { rows, rowOf } = compressSummaries(features.columns.frequency, span, age, 1);
    const factor = learnedRateMultipliers(stored.learned!, stored.bgnbd!, features, rowOf, rows, 90, 1);
    let moved = 0;
    for (let k = 0; k < features.count; k += 499) {
      const summary = summarizeOrders(ordersOf(tx, tx.customerIds[features.sourceIndex[k]]), 0)!;
      const withTrees = scoreCustomer(stored, summary, later).features.expectedOrders;
      const plainLater = scoreCustomer({ ...stored, learned: null }, summary, later).features.expectedOrders;
      expect(withTrees).toBe(plainLater * factor[k]);
      if (Math.abs(factor[k] - 1) > 0.01) moved++;
    }
    expect(moved).toBeGreaterThan(0);
    const old = { ...stored, learned: undefined };
    for (const c of sampleCustomers(run)) {
      const summary = summarizeOrders(ordersOf(tx, run.customers.ids[c]), 0)!;
      expect(scoreCustomer(old, summary, run.asOf).features.expectedOrders).toBeCloseTo(
        plain.customers.features.expectedOrders[c],
        12,
      );
    }
  });
});
