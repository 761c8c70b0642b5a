// The "why" of every score: each explanation's figures must reproduce the engine's own
// numbers for the same customer (computed here by analyzeShop / the engine's functions, never
// typed in), and each label must be the one the engine's rules give.
import { describe, expect, it } from "vitest";
import {
  analyzeShop,
  CHURN_RISK_LEVELS,
  compressSummaries,
  LIFECYCLE_STAGES,
  RFM_SEGMENT_RULES,
  summarizeOrders,
  TransactionColumnsBuilder,
  type ShopAnalysis,
} from "~/segmentation";
import {
  explainCustomer,
  type CustomerExplanation,
  type ExplanationLine,
  type ShownScores,
} from "~/segmentation/explain";
import { expectedAverageSpend } from "~/segmentation/gamma-gamma";
import { fitParetoNbd } from "~/segmentation/pareto-nbd";
import { emptyPredictions, predictPurchases } from "~/segmentation/predictions";
import { frequencyMonetaryScore, scoreValue } from "~/segmentation/rfm";
import type { TransactionColumns } from "~/segmentation/types";
import { syntheticShop } from "../bench/synthetic-shop";

const DAY = 86_400_000;
const AS_OF = new Date("2025-12-31T00:00:00Z").getTime();

const fittedShop = syntheticShop({
  customers: 2000,
  bgnbd: { r: 0.8, alpha: 40, a: 0.7, b: 2.5 },
  gammaGamma: { p: 5, q: 4, gamma: 60 },
  acquisitionDays: 730,
  historyDays: 730,
  end: new Date(AS_OF),
  seed: 5,
});
const fitted = analyzeShop(fittedShop, { asOf: AS_OF, kMax: 5 });

/** Too few repeat customers for any model: the heuristic and shrunk averages. */
function smallShop(): TransactionColumns {
  const b = new TransactionColumnsBuilder();
  for (let c = 0; c < 12; c++) {
    const orders = 1 + (c % 3);
    for (let k = 0; k < orders; k++) b.add(`s${c}`, AS_OF - (5 + c * 17 + k * 40) * DAY, 30 + c * 7);
  }
  return b.build();
}
const smallTx = smallShop();
const small = analyzeShop(smallTx, { asOf: AS_OF });

function ordersOf(tx: TransactionColumns, id: string) {
  const source = tx.customerIds.indexOf(id);
  const out: { time: number; amount: number }[] = [];
  for (let i = 0; i < tx.customer.length; i++)
    if (tx.customer[i] === source) out.push({ time: tx.time[i], amount: tx.amount[i] });
  return out;
}

/** What the compute stores for customer c of a run (CustomerScore). */
function storedScores(analysis: ShopAnalysis, c: number): ShownScores {
  const { customers: r } = analysis;
  const f = r.features;
  return {
    r: r.rfm.recency[c],
    f: r.rfm.frequency[c],
    m: r.rfm.monetary[c],
    rfmSegment: RFM_SEGMENT_RULES[r.rfm.segment[c]].key,
    lifecycle: LIFECYCLE_STAGES[r.lifecycle[c]].key,
    cluster: f.cluster[c],
    pAlive: f.pAlive[c],
    churnRisk: f.churnRisk[c],
    expectedOrders: f.expectedOrders[c],
    expectedAov: f.expectedOrderValue[c],
    clv: f.clv[c],
    nextOrderAt: r.nextOrderAt[c],
  };
}

function explainStored(
  analysis: ShopAnalysis,
  tx: TransactionColumns,
  c: number,
  extra: { modelCaveat?: string } = {},
): CustomerExplanation {
  const id = analysis.customers.ids[c];
  return explainCustomer({
    model: analysis.model,
    summary: summarizeOrders(ordersOf(tx, id), analysis.model.utcOffsetMinutes),
    scoredAt: analysis.asOf,
    shown: storedScores(analysis, c),
    currency: "USD",
    clusters: analysis.clusters,
    ...extra,
  });
}

const line = (e: CustomerExplanation, score: ExplanationLine["score"]) => e.lines.find((l) => l.score === score)!;
const near = (a: number, b: number, relative = 1e-9) => Math.abs(a - b) <= 1e-9 + relative * Math.abs(b);

/** Numbers as printed: "$1,234.56" → 1234.56, "82 %" → 0.82. */
const money = (s: string) => Number(s.replace(/[$,]/g, ""));
/** A printed share as a fraction: "82" → 0.82, "under 1" / "over 99" → the middle of their range. */
const printedShare = (s: string) => (s === "under 1" ? 0.0025 : s === "over 99" ? 0.9975 : Number(s) / 100);

function checkAgainstEngine(analysis: ShopAnalysis, tx: TransactionColumns, c: number) {
  const e = explainStored(analysis, tx, c);
  const f = analysis.customers.features;
  expect(e.mismatched).toEqual([]);

  // Churn risk: 1 − P(order in lapse window) = 1 − P(active) × P(order | active); the engine's level.
  const churn = line(e, "churnRisk");
  expect(churn.figures.churnRisk).toBe(f.churnRisk[c]);
  expect(near(1 - churn.figures.orderInLapse, f.churnRisk[c])).toBe(true);
  if (f.pAlive[c] > 1e-9)
    expect(near(churn.figures.pAlive * churn.figures.orderInLapseIfActive, churn.figures.orderInLapse, 1e-9)).toBe(
      true,
    );
  const level = CHURN_RISK_LEVELS[analysis.customers.churnRiskLevel[c]].name;
  expect(churn.value).toContain(level);
  expect(churn.because).toContain(`→ ${level}`);
  // The printed factors multiply to the printed chance within their rounding (± 0.5 % each).
  const pct = "(under 1|over 99|\\d+) %";
  const printed = new RegExp(`chance of ${pct}: P\\(active\\) ${pct} × ${pct} if still active`).exec(churn.because);
  expect(printed !== null).toBe(f.pAlive[c] > 1e-9);
  if (printed) {
    const [chance, p, ifActive] = printed.slice(1).map(printedShare);
    expect(Math.abs(p * ifActive - chance)).toBeLessThanOrEqual(0.011);
    expect(Math.abs(1 - chance - f.churnRisk[c])).toBeLessThanOrEqual(0.0051);
  }

  expect(line(e, "pAlive").figures.pAlive).toBe(f.pAlive[c]);

  const expected = line(e, "expectedOrders");
  expect(expected.figures.expectedOrders).toBe(f.expectedOrders[c]);
  if (f.pAlive[c] > 1e-9)
    expect(near(expected.figures.pAlive * expected.figures.expectedOrdersIfActive, f.expectedOrders[c])).toBe(true);

  // CLV = discounted expected orders × expected order value, and the text says so within rounding.
  const clv = line(e, "clv");
  expect(near(clv.figures.discountedOrders * clv.figures.expectedOrderValue, f.clv[c])).toBe(true);
  expect(clv.figures.discountedOrders).toBeLessThanOrEqual(clv.figures.undiscountedOrders);
  const [, clvText, ordersText, aovText] =
    /^(\$[\d,.]+) ≈ ([\d.]+) expected orders over the next \d+ months × (\$[\d,.]+)/.exec(clv.because)!;
  expect(money(clvText)).toBeCloseTo(f.clv[c], 2);
  const ordersPrinted = Number(ordersText);
  const roundingOfOrders = ordersPrinted < 1 ? 0.005 : 0.05;
  expect(Math.abs(ordersPrinted * money(aovText) - f.clv[c])).toBeLessThanOrEqual(
    roundingOfOrders * money(aovText) + 0.005 * ordersPrinted + 0.01,
  );
  expect(clv.value).toBe(clvText);

  const value = line(e, "expectedOrderValue");
  expect(value.figures.expectedOrderValue).toBe(f.expectedOrderValue[c]);
  if ("ownWeight" in value.figures) {
    const { ownWeight, ownMean, shopTypical } = value.figures;
    expect(near(ownWeight * ownMean + (1 - ownWeight) * shopTypical, f.expectedOrderValue[c])).toBe(true);
  } else {
    const { averageOrderValue, orders, shopMean } = value.figures;
    expect(near((orders * averageOrderValue + shopMean) / (orders + 1), f.expectedOrderValue[c])).toBe(true);
  }

  expect(line(e, "nextOrder").figures.nextOrderAt).toBe(analysis.customers.nextOrderAt[c]);
  expect(line(e, "lifecycle").value).toBe(LIFECYCLE_STAGES[analysis.customers.lifecycle[c]].name);

  const rfm = line(e, "rfm");
  const { r, f: fr, m, fm } = rfm.figures;
  expect([r, fr, m]).toEqual([
    analysis.customers.rfm.recency[c],
    analysis.customers.rfm.frequency[c],
    analysis.customers.rfm.monetary[c],
  ]);
  expect(fm).toBe(frequencyMonetaryScore(fr, m));
  expect(rfm.value).toContain(RFM_SEGMENT_RULES[analysis.customers.rfm.segment[c]].name);

  const cluster = analysis.clusters[analysis.customers.cluster[c]];
  expect(line(e, "cluster").value).toBe(cluster?.name ?? "–");
  return e;
}

describe("explanations on a shop with fitted BG/NBD and Gamma-Gamma", () => {
  it("reproduce the engine's figures and labels for every kind of customer", () => {
    expect(fitted.model.bgnbd).not.toBeNull();
    expect(fitted.model.gammaGamma).not.toBeNull();
    const { features: f, lifecycle, churnRiskLevel } = fitted.customers;
    // Several customers of each lifecycle stage and churn-risk level, one-time buyers included.
    const all = Array.from({ length: fitted.customers.count }, (_, c) => c);
    const picked = new Set<number>(all.slice(0, 60));
    for (let stage = 0; stage < LIFECYCLE_STAGES.length; stage++)
      for (const c of all.filter((i) => lifecycle[i] === stage).slice(0, 4)) picked.add(c);
    for (let level = 0; level < CHURN_RISK_LEVELS.length; level++)
      for (const c of all.filter((i) => churnRiskLevel[i] === level).slice(0, 4)) picked.add(c);
    const stages = new Set([...picked].map((c) => lifecycle[c]));
    expect(stages.size).toBeGreaterThanOrEqual(4);
    expect([...picked].some((c) => f.frequency[c] === 0)).toBe(true);
    for (const c of picked) checkAgainstEngine(fitted, fittedShop, c);
  });

  it("says a one-time buyer counts as active under BG/NBD, and shows the Gamma-Gamma shop-wide order value", () => {
    const c = Array.from(fitted.customers.features.frequency).findIndex((x) => x === 0);
    const e = checkAgainstEngine(fitted, fittedShop, c);
    expect(fitted.customers.features.pAlive[c]).toBe(1);
    expect(line(e, "pAlive").because).toMatch(/one-time buyer counts as active/);
    const gg = fitted.model.gammaGamma!;
    expect(line(e, "expectedOrderValue").figures.expectedOrderValue).toBe(expectedAverageSpend(gg, 0, 0));
    expect(line(e, "expectedOrderValue").because).toContain("No repeat purchase yet");
  });

  it("names Pareto/NBD when it drives the predictions, where a one-time buyer's silence lowers P(active)", () => {
    const f = fitted.customers.features;
    const span = Int32Array.from(f.tenureDays, (t, c) => t - f.recencyDays[c]);
    const { rows } = compressSummaries(
      f.frequency,
      span,
      Int32Array.from(f.tenureDays),
      fitted.model.periodUnit === "week" ? 7 : 1,
    );
    const { converged, ...paretoNbd } = fitParetoNbd(rows);
    expect(converged).toBe(true);
    const model = { ...fitted.model, bgnbd: null, paretoNbd };
    const oneTimer = Array.from(f.frequency).findIndex((x, c) => x === 0 && f.recencyDays[c] > 90);
    const repeat = Array.from(f.frequency).findIndex((x) => x >= 3);
    for (const c of [oneTimer, repeat]) {
      const id = fitted.customers.ids[c];
      const summary = summarizeOrders(ordersOf(fittedShop, id), model.utcOffsetMinutes);
      const e = explainCustomer({ model, summary, scoredAt: fitted.asOf, shown: null, currency: "USD" });
      const history = {
        frequency: f.frequency[c],
        spanDays: f.tenureDays[c] - f.recencyDays[c],
        ageDays: f.tenureDays[c],
      };
      const predicted = predictPurchases(model, history, emptyPredictions());
      expect(line(e, "pAlive").figures.pAlive).toBeCloseTo(predicted.pAlive, 12);
      expect(line(e, "pAlive").because).toContain("Pareto/NBD model");
      expect(line(e, "pAlive").because).not.toContain("BG/NBD");
      expect(line(e, "expectedOrders").because).toContain("Pareto/NBD model's expectation");
      expect(e.notes.join(" ")).not.toMatch(/heuristic/);
    }
    expect(
      line(
        explainCustomer({
          model,
          summary: summarizeOrders(ordersOf(fittedShop, fitted.customers.ids[oneTimer]), 0),
          scoredAt: fitted.asOf,
          shown: null,
          currency: "USD",
        }),
        "pAlive",
      ).figures.pAlive,
    ).toBeLessThan(1);
  });

  it("puts a repeat buyer's gap ratio in words: usual gap, days since, and their ratio", () => {
    const f = fitted.customers.features;
    const c = Array.from(f.frequency).findIndex((x, i) => x >= 2 && f.recencyDays[i] > f.interPurchaseDays[i]);
    const onPace = Array.from(f.frequency).findIndex((x, i) => x >= 2 && f.recencyDays[i] < f.interPurchaseDays[i]);
    expect(line(checkAgainstEngine(fitted, fittedShop, onPace), "churnRisk").because).toContain(
      "within their usual gap",
    );
    const e = checkAgainstEngine(fitted, fittedShop, c);
    const ratio = (f.recencyDays[c] / f.interPurchaseDays[c]).toFixed(1);
    expect(line(e, "churnRisk").because).toContain(
      `about every ${Math.round(f.interPurchaseDays[c])} days; last order ${f.recencyDays[c]} days ago, ${ratio}× their usual gap`,
    );
    expect(line(e, "pAlive").because).toContain("BG/NBD");
  });

  it("states the RFM bands the scores came from, and they contain the customer's own values", () => {
    const th = fitted.model.rfmThresholds;
    for (let c = 0; c < 40; c++) {
      const e = explainStored(fitted, fittedShop, c);
      const rfm = line(e, "rfm");
      const band = /R \d = (\d+)(?:–(\d+))? days/.exec(rfm.because)!;
      const from = Number(band[1]);
      const to =
        band[2] === undefined ? (rfm.because.includes(`${from} days or more`) ? Infinity : from) : Number(band[2]);
      expect(rfm.figures.recencyDays).toBeGreaterThanOrEqual(from);
      expect(rfm.figures.recencyDays).toBeLessThanOrEqual(to);
      // Every day of the stated band scores the same recency (the band is the rule, not a guess).
      for (const d of [from, Math.min(to, from + 400)]) expect(scoreValue(-d, th.recency)).toBe(rfm.figures.r);
    }
  });

  it("flags shown scores the model does not reproduce, and carries a model caveat", () => {
    const c = 3;
    const id = fitted.customers.ids[c];
    const shown = { ...storedScores(fitted, c), clv: storedScores(fitted, c).clv! + 10, lifecycle: "lifecycle-new" };
    const e = explainCustomer({
      model: fitted.model,
      summary: summarizeOrders(ordersOf(fittedShop, id)),
      scoredAt: fitted.asOf,
      shown,
      currency: "USD",
      modelCaveat: "BG/NBD parameter a is on its bound: drop-out is not identified",
    });
    expect(e.mismatched.sort()).toEqual(["clv", "lifecycle"]);
    expect(e.notes[0]).toBe("Model caveat: BG/NBD parameter a is on its bound: drop-out is not identified");
    expect(e.notes.some((n) => /differ from what the same model gives .*\(lifetime value, lifecycle\)/.test(n))).toBe(
      true,
    );
    // The lines explain the figures for the orders now, not the doctored ones.
    expect(line(e, "clv").figures.clv).toBe(fitted.customers.features.clv[c]);
  });

  it("explains a customer whose orders were all refunded (zero net spend)", () => {
    // As the app loads them: fully refunded orders are orders worth 0.
    const orders = [
      { time: AS_OF - 200 * DAY, amount: 0 },
      { time: AS_OF - 120 * DAY, amount: 0 },
    ];
    const e = explainCustomer({
      model: fitted.model,
      summary: summarizeOrders(orders),
      scoredAt: AS_OF,
      shown: null,
      currency: "USD",
    });
    expect(e.notes.some((n) => n.startsWith("Refunds cancel all of this customer's spend (net $0.00)"))).toBe(true);
    const value = line(e, "expectedOrderValue");
    // No net repeat spend: Gamma-Gamma's x = 0 estimate, the shop-wide mean.
    expect(value.figures.expectedOrderValue).toBe(expectedAverageSpend(fitted.model.gammaGamma!, 0, 0));
    expect(value.because).toContain("Refunds cancel their repeat spend");
    expect(line(e, "rfm").because).toContain("$0.00 net spend (M 1 = up to");
  });

  it("has nothing to explain without a counted order", () => {
    const e = explainCustomer({ model: fitted.model, summary: null, scoredAt: AS_OF, shown: null, currency: "USD" });
    expect(e.lines).toEqual([]);
    expect(e.notes[0]).toMatch(/No order of this customer counts/);
  });
});

describe("explanations without fitted models (heuristic, no Gamma-Gamma)", () => {
  it("reproduce the heuristic's figures and say which rule produced them", () => {
    expect(small.model.bgnbd).toBeNull();
    expect(small.model.gammaGamma).toBeNull();
    const lapse = small.model.lifecycle.lapseDays;
    const floor = small.model.lifecycle.churnedBelowPAlive;
    for (let c = 0; c < small.customers.count; c++) {
      const e = checkAgainstEngine(small, smallTx, c);
      expect(
        e.notes.some(
          (n) =>
            n.startsWith("Predictions use a recency/frequency heuristic") && n.includes(small.model.fallbackReason!),
        ),
      ).toBe(true);
      const f = small.customers.features;
      const pAlive = line(e, "pAlive");
      expect(pAlive.because).toContain(`to ${Math.round(floor * 100)} % after ${lapse} days without one`);
      // The stated rule, P(active) = floor ^ (days / lapse window), gives the engine's figure.
      expect(near(Math.pow(floor, f.recencyDays[c] / lapse), f.pAlive[c])).toBe(true);
      expect(line(e, "expectedOrderValue").because).toContain("No Gamma-Gamma spend model");
      expect(line(e, "expectedOrders").because).toContain(`plus one ${lapse} days lapse window`);
    }
  });

  it("names the lifecycle rule that decided, for every stage the small shop has", () => {
    const seen = new Set<string>();
    for (let c = 0; c < small.customers.count; c++) {
      const e = explainStored(small, smallTx, c);
      const stage = LIFECYCLE_STAGES[small.customers.lifecycle[c]];
      const because = line(e, "lifecycle").because;
      seen.add(stage.key);
      const f = small.customers.features;
      if (stage.key === "lifecycle-new")
        expect(because).toBe(
          `First order ${f.tenureDays[c]} days ago, within ${small.model.lifecycle.newCustomerDays} days.`,
        );
      if (stage.key === "lifecycle-active") expect(because).toMatch(/^On pace: /);
      if (stage.key === "lifecycle-churned") expect(because).toMatch(/lapse window|is below/);
    }
    expect(seen.size).toBeGreaterThanOrEqual(2);
  });
});
