// The holdout backtest: CDNOW's published holdout figures, simulated shops whose truth is
// known, the data-sufficiency verdict, measured label cut-offs and pluggable candidates.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseInput } from "~/cli/analyze-input";
import { BGNBD_CANDIDATE, runBacktest, type PurchaseModelCandidate } from "~/segmentation/backtest";
import { dataSufficiency } from "~/segmentation/data-sufficiency";
import { measureLabelThresholds, TARGET_REPURCHASE_RATE } from "~/segmentation/label-thresholds";
import { BENCH_SHOP, syntheticShop } from "../bench/synthetic-shop";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const cdnowFile = resolve(repoRoot, "../shared/data/cdnow/CDNOW_sample.txt");
const DAY = 86_400_000;

describe("CDNOW: calibrate to 1997-09-30, predict the 39-week holdout (weekly periods)", () => {
  const text = readFileSync(cdnowFile, "utf8");
  const { transactions } = parseInput(text, "transactions");
  const backtest = runBacktest(transactions, { asOf: Date.UTC(1998, 5, 30), horizonDays: 273, periodUnit: "week" });
  const bgnbd = backtest.models[0];

  it("cuts at 1997-09-30 and counts the paper's 1,882 holdout repeat purchases of the 2,357-customer cohort", () => {
    expect(backtest.cutoffDay).toBe("1997-09-30");
    expect(backtest.calibration.customers).toBe(2357);
    // Independently of the engine: distinct (customer, day) pairs after the cutoff.
    const holdoutDays = new Set<string>();
    for (const line of text.trim().split("\n")) {
      const [, id, date] = line.trim().split(/\s+/);
      if (date > "19970930") holdoutDays.add(`${id} ${date}`);
    }
    expect(holdoutDays.size).toBe(1882);
    expect(backtest.window.repeatPurchases).toBe(1882);
    expect(backtest.window.newCustomers).toBe(0);
  });

  it("fits the published parameters on the calibration period and reproduces the known holdout figures (r = 0.626, total 1,654, −12 %)", () => {
    expect(bgnbd.params!.r).toBeCloseTo(0.243, 3);
    expect(bgnbd.params!.logLikelihood).toBeCloseTo(-9582.4, 1);
    const m = bgnbd.metrics!;
    expect(m.correlation).toBeCloseTo(0.626, 3);
    expect(Math.abs(m.predictedTotal - 1654)).toBeLessThan(1.5);
    expect(m.totalErrorPercent).toBeCloseTo(-12.1, 1);
    expect(m.actualTotal).toBe(1882);
  });

  it("beats both naive baselines and says so in words", () => {
    for (const baseline of backtest.baselines)
      expect(bgnbd.metrics!.meanAbsoluteError).toBeLessThan(baseline.metrics.meanAbsoluteError);
    expect(backtest.baselines.find((b) => b.name === "shop-rate")!.metrics.correlation).toBeNull();
    expect(backtest.choice).toMatchObject({ chosen: "bgnbd", beatsBaseline: true });
    expect(backtest.choice.reason).toMatch(
      /^BG\/NBD: mean error 0\.785 purchases per customer vs naive \(own-rate\) 1\.024; total −12 % vs naive \+56 %$/,
    );
  });

  it("ranks customers: P(order) deciles rise overall and sum to the cohort", () => {
    const deciles = bgnbd.deciles;
    expect(deciles.reduce((sum, d) => sum + d.customers, 0)).toBe(2357);
    expect(deciles[9].observedShare).toBeGreaterThan(0.7);
    expect(deciles[9].observedShare).toBeGreaterThan(3 * deciles[2].observedShare);
    for (let d = 1; d < 10; d++) expect(deciles[d].meanPredicted).toBeGreaterThanOrEqual(deciles[d - 1].meanPredicted);
  });

  it("measures the engine's labels: High churn risk and Churned still repurchase at ~17 %, and no cut-off reaches 10 %", () => {
    const share = (key: string) => backtest.labels.find((l) => l.key === key)!;
    expect(share("churn-risk-high").boughtShare).toBeGreaterThan(0.15);
    expect(share("churn-risk-low").boughtShare).toBeGreaterThan(0.7);
    expect(
      share("lifecycle-churned").members +
        share("lifecycle-active").members +
        share("lifecycle-at-risk").members +
        share("lifecycle-reactivated").members,
    ).toBe(2357);
    const thresholds = measureLabelThresholds(backtest);
    const churned = thresholds.labels.find((l) => l.key === "lifecycle-churned")!;
    expect(churned.measured).toBeNull();
    expect(churned.note).toMatch(/customers silent for \d+\+ days already buy again at 1\d\.\d %/);
  });

  it("has exactly the history it needs: 546 days = two 273-day horizons", () => {
    expect(backtest.historyDays).toBe(546);
    expect(dataSufficiency(backtest)).toMatchObject({ sufficient: true, reasons: [], predictionsStartOn: null });
  });
});

describe("simulated shops with known truth", () => {
  const end = BENCH_SHOP.end.getTime();

  it("a one-month shop is insufficient, says why in words and when predictions start", () => {
    const tx = syntheticShop({ ...BENCH_SHOP, customers: 400, acquisitionDays: 30, historyDays: 31 });
    const backtest = runBacktest(tx, { asOf: end });
    const firstDay = Math.floor(Math.min(...tx.time) / DAY);
    const covered = Math.floor(end / DAY) - firstDay + 1;
    expect(covered).toBeLessThanOrEqual(31);
    const verdict = dataSufficiency(backtest);
    expect(verdict.sufficient).toBe(false);
    expect(verdict.reasons[0]).toMatch(
      new RegExp(`^history covers ${covered} days; predictions need about 180 days \\(two 90-day horizons\\)`),
    );
    expect(verdict.reasons[1]).toMatch(/^no customer had ordered by 2026-04-01/);
    expect(verdict.predictionsStartOn).toBe(new Date((firstDay + 179) * DAY).toISOString().slice(0, 10));
    expect(backtest.choice.chosen).toBeNull();
  });

  it("a shop with long history but few repeat customers is insufficient for that reason, with labels from the heuristic", () => {
    const tx = syntheticShop({ ...BENCH_SHOP, customers: 100, seed: 11 });
    const backtest = runBacktest(tx, { asOf: end });
    const verdict = dataSufficiency(backtest);
    expect(backtest.calibration.repeatCustomers).toBeLessThan(100);
    expect(verdict.sufficient).toBe(false);
    expect(verdict.reasons.join("\n")).toMatch(
      new RegExp(
        `only ${backtest.calibration.repeatCustomers} customers of \\d+ had ordered more than once by 2026-04-01; predictions need at least 100 repeat customers`,
      ),
    );
    expect(verdict.predictionsStartOn).toBeNull();
    // The engine fits from 30 repeat customers; below that it falls back to its heuristic.
    const unfitted = runBacktest(tx, { asOf: end, minRepeatCustomersForModel: 1000 });
    expect(unfitted.models[0]).toMatchObject({ fitted: false, reason: expect.stringMatching(/need 1000/) });
    expect(unfitted.labelModel).toBe("recency/frequency heuristic");
    expect(unfitted.labels.filter((l) => l.kind === "churn-risk").reduce((sum, l) => sum + l.members, 0)).toBe(
      unfitted.calibration.customers,
    );
  });

  describe("a normal shop (20,000 customers over three years, drawn from BG/NBD)", () => {
    const tx = syntheticShop({ ...BENCH_SHOP, customers: 20_000 });
    const backtest = runBacktest(tx, { asOf: end });
    const bgnbd = backtest.models[0];

    it("is sufficient, predicts the window total within 5 % and beats the naive baselines", () => {
      expect(dataSufficiency(backtest)).toMatchObject({ sufficient: true, reasons: [] });
      expect(Math.abs(bgnbd.metrics!.totalErrorPercent!)).toBeLessThan(5);
      expect(backtest.choice.beatsBaseline).toBe(true);
      expect(backtest.window.newCustomers).toBeGreaterThan(0);
    });

    it("is calibrated: observed share per P(order) decile rises with the prediction and stays within 3 points of it", () => {
      const deciles = bgnbd.deciles;
      expect(deciles).toHaveLength(10);
      for (let d = 0; d < 10; d++) {
        expect(Math.abs(deciles[d].observedShare - deciles[d].meanPredicted)).toBeLessThan(0.03);
        if (d > 0) expect(deciles[d].observedShare).toBeGreaterThan(deciles[d - 1].observedShare - 0.01);
      }
      expect(deciles[9].observedShare - deciles[0].observedShare).toBeGreaterThan(0.5);
    });

    it("chooses label cut-offs whose measured repurchase rate meets the 10 % target, and no wider cut-off does", () => {
      const thresholds = measureLabelThresholds(backtest);
      expect(thresholds.targetRate).toBe(TARGET_REPURCHASE_RATE);
      const high = thresholds.labels.find((l) => l.key === "churn-risk-high")!;
      const { rows } = backtest;
      let members = 0;
      let bought = 0;
      let nextLower = -Infinity;
      for (let i = 0; i < rows.count; i++) {
        if (rows.churnRisk[i] >= high.measured!.threshold) {
          members += rows.members[i];
          bought += rows.bought[i];
        } else nextLower = Math.max(nextLower, rows.churnRisk[i]);
      }
      expect(high.measured!.members).toBe(members);
      expect(bought / members).toBeLessThanOrEqual(0.1);
      expect(high.measured!.repurchaseRate).toBeCloseTo(bought / members, 12);
      // Widening to the next lower churn risk breaks the target.
      let widerMembers = 0;
      let widerBought = 0;
      for (let i = 0; i < rows.count; i++) {
        if (rows.churnRisk[i] >= nextLower) {
          widerMembers += rows.members[i];
          widerBought += rows.bought[i];
        }
      }
      expect(widerBought / widerMembers).toBeGreaterThan(0.1);
      const churned = thresholds.labels.find((l) => l.key === "lifecycle-churned")!;
      expect(churned.measured!.repurchaseRate).toBeLessThanOrEqual(0.1);
      expect(churned.measured!.members).toBeGreaterThanOrEqual(churned.fixed.members);
    });

    it("takes other candidates: a failing one is reported, a worse one loses the choice", () => {
      const failing: PurchaseModelCandidate = { name: "never", label: "Never fits", fit: () => null };
      const flat: PurchaseModelCandidate = {
        name: "flat",
        label: "Flat",
        fit: () => ({ params: {}, pAlive: () => 1, expected: () => 2, pAny: () => 0.5 }),
      };
      const compared = runBacktest(tx, { asOf: end, candidates: [failing, flat, BGNBD_CANDIDATE] });
      expect(compared.models.map((m) => [m.name, m.fitted])).toEqual([
        ["never", false],
        ["flat", true],
        ["bgnbd", true],
      ]);
      expect(compared.models[0].reason).toBe("Never fits fit did not converge");
      expect(compared.models[1].metrics!.predictedTotal).toBe(2 * compared.calibration.customers);
      expect(compared.choice.chosen).toBe("bgnbd");
      expect(compared.choice.reason).toMatch(
        /^BG\/NBD: mean error 0\.\d{3} purchases per customer vs naive \(own-rate\) 0\.\d{3}, Flat \d\.\d{3};/,
      );
      // The first fitted candidate labels customers.
      expect(compared.labelModel).toBe("Flat");
      expect(compared.models[2].metrics).toEqual(bgnbd.metrics);
    });
  });
});
