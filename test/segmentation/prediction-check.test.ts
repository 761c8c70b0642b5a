// The compute's prediction check: backtest + verdict + the label cut-offs the live run applies,
// and the engine applying them (full run and single-customer re-score agree).
import { describe, expect, it } from "vitest";
import { analyzeShop, scoreCustomer, summarizeOrders, CHURN_RISK_LEVELS, LIFECYCLE_STAGES } from "~/segmentation";
import { checkPredictions } from "~/segmentation/prediction-check";
import { churnRiskLevel } from "~/segmentation/lifecycle";
import { BENCH_SHOP, syntheticShop } from "../bench/synthetic-shop";

const asOf = BENCH_SHOP.end.getTime();

describe("prediction check on a normal shop (20,000 customers, three years)", () => {
  const tx = syntheticShop({ ...BENCH_SHOP, customers: 20_000 });
  const check = checkPredictions(tx, { asOf, horizonDays: 90 });

  it("passes, and applies the measured cut-offs it found, with their backtest repurchase rates", () => {
    expect(check.sufficiency.sufficient).toBe(true);
    const [high, churned] = check.cutoffs.labels;
    const measuredHigh = check.thresholds.labels.find((l) => l.key === "churn-risk-high")!.measured!;
    expect(high).toMatchObject({
      key: "churn-risk-high",
      measured: true,
      value: measuredHigh.threshold,
      fixedValue: 0.75,
      members: measuredHigh.members,
    });
    expect(high.repurchaseRate!).toBeLessThanOrEqual(0.1);
    expect(check.cutoffs.churnRiskHighFrom).toBe(measuredHigh.threshold);
    expect(churned.key).toBe("lifecycle-churned");
    expect(churned.measured).toBe(true);
    expect(check.cutoffs.churnedBelowPAlive).toBe(churned.value);
    // Compact: no per-customer or per-row data survives into what a run stores.
    expect(JSON.stringify(check).length).toBeLessThan(30_000);
    expect("rows" in check).toBe(false);
  });

  it("the engine labels High churn risk by the measured cut-off, and re-scoring one customer agrees", () => {
    const cut = check.cutoffs.churnRiskHighFrom;
    expect(cut).not.toBe(0.75);
    const analysis = analyzeShop(tx, {
      asOf,
      churnRiskHighFrom: cut,
      lifecycle: {
        churnedBelowPAlive: check.cutoffs.churnedBelowPAlive,
        atRiskBelowPAlive: Math.max(0.5, check.cutoffs.churnedBelowPAlive),
      },
    });
    expect(analysis.model.churnRiskHighFrom).toBe(cut);
    const high = CHURN_RISK_LEVELS.findIndex((l) => l.key === "churn-risk-high");
    const risk = analysis.customers.features.churnRisk;
    let highCount = 0;
    for (let c = 0; c < analysis.customers.count; c++) {
      const isHigh = analysis.customers.churnRiskLevel[c] === high;
      if (isHigh) highCount++;
      expect(isHigh).toBe(risk[c] >= cut);
    }
    expect(highCount).toBeGreaterThan(0);
    expect(analysis.segments.find((s) => s.key === "churn-risk-high")!.size).toBe(highCount);

    // A customer whose churn risk lies between the measured and the fixed cut-off.
    const lo = Math.min(cut, 0.75);
    const hi = Math.max(cut, 0.75);
    const c = Array.from(risk).findIndex((r) => r >= lo && r < hi);
    expect(c).toBeGreaterThanOrEqual(0);
    const source = analysis.customers.sourceIndex[c];
    const orders: { time: number; amount: number }[] = [];
    for (let row = 0; row < tx.customer.length; row++)
      if (tx.customer[row] === source) orders.push({ time: tx.time[row], amount: tx.amount[row] });
    const score = scoreCustomer(analysis.model, summarizeOrders(orders)!, asOf);
    expect(score.features.churnRisk).toBeCloseTo(risk[c], 10);
    expect(score.segmentKeys.churnRisk).toBe(CHURN_RISK_LEVELS[analysis.customers.churnRiskLevel[c]].key);
    expect(score.segmentKeys.churnRisk).toBe(cut <= risk[c] ? "churn-risk-high" : "churn-risk-medium");
    expect(score.segmentKeys.lifecycle).toBe(LIFECYCLE_STAGES[analysis.customers.lifecycle[c]].key);
  });
});

describe("prediction check on a one-month shop", () => {
  it("fails, and keeps the fixed cut-offs, saying why", () => {
    const tx = syntheticShop({ ...BENCH_SHOP, customers: 400, acquisitionDays: 30, historyDays: 31 });
    const check = checkPredictions(tx, { asOf, horizonDays: 90 });
    expect(check.sufficiency.sufficient).toBe(false);
    expect(check.cutoffs).toMatchObject({ churnRiskHighFrom: 0.75, churnedBelowPAlive: 0.2 });
    for (const label of check.cutoffs.labels) {
      expect(label.measured).toBe(false);
      expect(label.reason).toMatch(/^the fixed cut-off (0\.75|0\.2): not enough data yet to measure one$/);
    }
  });
});

describe("churnRiskLevel with a cut-off of its own", () => {
  it("moves only the High boundary; below 0.5 the Medium level is empty", () => {
    expect([0.4, 0.55, 0.6, 0.8].map((r) => churnRiskLevel(r))).toEqual([0, 1, 1, 2]);
    expect([0.4, 0.55, 0.6, 0.8].map((r) => churnRiskLevel(r, 0.57))).toEqual([0, 1, 2, 2]);
    expect([0.2, 0.35, 0.55].map((r) => churnRiskLevel(r, 0.3))).toEqual([0, 2, 2]);
  });
});
