// "Why, for every score": one customer's scores explained in words, from the same functions
// that computed them. Each line's figures multiply or compare to its value, and each rule
// named is the rule the engine applied (a test re-derives every label through the engine).
import { dayNumber, dayStart } from "./calendar";
import { clusterKeyNumber, clusterKeysOf } from "./cluster-keys";
import { centroidInUnits } from "./clustering";
import { CHURN_RISK_LEVELS, churnRiskLevel, LIFECYCLE, LIFECYCLE_STAGES, lifecycleStage } from "./lifecycle";
import {
  emptyPredictions,
  livePurchaseModel,
  predictPurchases,
  scalePurchaseRate,
  seasonAt,
  type Season,
} from "./predictions";
import { frequencyMonetaryScore, RFM_SEGMENT_RULES } from "./rfm";
import { learnedRate, scoreCustomer, type CustomerScore, type CustomerSummary } from "./score-customer";
import type { ClusterDescription, ClusterFeature, FittedModel } from "./types";

export type ExplainedScore =
  | "churnRisk"
  | "pAlive"
  | "expectedOrders"
  | "nextOrder"
  | "expectedOrderValue"
  | "clv"
  | "rfm"
  | "lifecycle"
  | "cluster";

export interface ExplanationLine {
  score: ExplainedScore;
  label: string;
  /** The score as the merchant reads it, e.g. "82 % · High churn risk". */
  value: string;
  /** Why, in words, with the figures that produce the value. */
  because: string;
  /** The unrounded figures the sentence uses, by name (for checks and for other renderings). */
  figures: Record<string, number>;
}

/** The stored figures the page shows beside the explanation (CustomerScore). */
export interface ShownScores {
  r: number;
  f: number;
  m: number;
  rfmSegment: string;
  lifecycle: string | null;
  /** N of the cluster key `cluster-N`; 0 without a cluster. */
  cluster: number | null;
  pAlive: number | null;
  churnRisk: number | null;
  expectedOrders: number | null;
  expectedAov: number | null;
  clv: number | null;
  /** Epoch ms. */
  nextOrderAt: number | null;
}

export interface ExplainInput {
  /** The shop's fitted model the scores came from (ShopModel). */
  model: FittedModel;
  /** The customer's orders as the engine summarises them; null when no order counts. */
  summary: CustomerSummary | null;
  /** When the shown scores were computed, epoch ms (a re-score between runs scores up to its last order). */
  scoredAt: number;
  shown: ShownScores | null;
  currency: string;
  /** The run's cluster descriptions (names, centres); without them the model's centres are used, unnamed. */
  clusters?: readonly Pick<ClusterDescription, "key" | "name" | "description" | "centroid">[];
  /** Why the model's numbers deserve less trust than usual, e.g. a fit flagged as degenerate. */
  modelCaveat?: string | null;
}

export interface CustomerExplanation {
  lines: ExplanationLine[];
  /** Customer- or model-level remarks shown above the lines. */
  notes: string[];
  /** Scores whose shown figure differs from what the model gives for the customer's orders now. */
  mismatched: ExplainedScore[];
}

// Formatting: the merchant's locale is en here, as in the admin's components.

function percent(p: number): string {
  if (p > 0 && p < 0.005) return "under 1 %";
  if (p < 1 && p > 0.995) return "over 99 %";
  return `${Math.round(p * 100)} %`;
}

function money(value: number, currency: string): string {
  return new Intl.NumberFormat("en-US", {
    style: "currency",
    currency,
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(value);
}

/** Expected counts: two decimals below one, where one decimal would read as zero. */
function count(value: number): string {
  return value < 1 ? value.toFixed(2) : value.toFixed(1);
}

function days(value: number): string {
  const n = Math.round(value);
  return n === 1 ? "1 day" : `${n.toLocaleString("en-US")} days`;
}

function orders(n: number): string {
  return n === 1 ? "1 order" : `${n.toLocaleString("en-US")} orders`;
}

function shopDate(epochMs: number, utcOffsetMinutes: number): string {
  return new Date(epochMs + utcOffsetMinutes * 60_000).toLocaleDateString("en-US", {
    year: "numeric",
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });
}

const CLUSTER_MEASURES: Record<ClusterFeature, (value: number, currency: string) => string> = {
  recencyDays: (v) => `${days(v)} since the last order`,
  orders: (v) => (Number.isInteger(v) ? orders(v) : `${count(v)} orders`),
  averageOrderValue: (v, currency) => `${money(v, currency)} average order`,
  tenureDays: (v) => `${days(v)} since the first order`,
};

/** Everything the lines need, computed once by the engine's own functions. */
interface Trace {
  model: FittedModel;
  score: CustomerScore;
  f: CustomerScore["features"];
  asOf: number;
  /** P(an order within the lapse window), and that chance for a customer known to be active. */
  orderInLapse: number;
  orderInLapseIfActive: number | null;
  /** Expected orders within the prediction horizon if the customer is still active, before the seasonal factor. */
  expectedOrdersIfActive: number | null;
  /** The seasonal multipliers the predictions applied; null without an adjustment. */
  season: Season | null;
  /** The learned trees' factor on the purchase rate (1 without trees). */
  learnedRate: number;
  /** Expected orders over the CLV horizon: as discounted into CLV, and before discounting. */
  discountedOrders: number;
  undiscountedOrders: number;
  /** The heuristic's order rate per day (purchase days over tenure padded by one lapse window). */
  heuristicRatePerDay: number;
  currency: string;
}

function trace(input: ExplainInput, summary: CustomerSummary): Trace {
  const { model } = input;
  // A re-score between runs scores up to the customer's last order when that is later.
  const asOf = Math.max(input.scoredAt, summary.lastOrderAt);
  const score = scoreCustomer(model, summary, asOf);
  const f = score.features;
  const asOfDay = dayNumber(asOf, model.utcOffsetMinutes);
  const history = { frequency: f.frequency, spanDays: f.tenureDays - f.recencyDays, ageDays: f.tenureDays, asOfDay };
  // The learned trees scale the rate as in the score (1 without them).
  const rate = learnedRate(model, summary, asOfDay);
  const predicted = scalePurchaseRate(predictPurchases(model, history, emptyPredictions()), rate);
  const undiscounted = scalePurchaseRate(
    predictPurchases({ ...model, monthlyDiscountRate: 0 }, history, emptyPredictions()),
    rate,
  );
  const season = seasonAt(model, asOfDay);
  const orderInLapse = 1 - f.churnRisk;
  const knownActive = f.pAlive > 1e-9;
  return {
    model,
    score,
    f,
    asOf,
    orderInLapse,
    orderInLapseIfActive: knownActive ? Math.min(1, orderInLapse / f.pAlive) : null,
    expectedOrdersIfActive: knownActive ? f.expectedOrders / f.pAlive / (season?.horizon ?? 1) / rate : null,
    season,
    learnedRate: rate,
    discountedOrders: predicted.discountedOrders,
    undiscountedOrders: undiscounted.discountedOrders,
    heuristicRatePerDay: f.purchaseDays / (f.tenureDays + model.lifecycle.lapseDays),
    currency: input.currency,
  };
}

/** "4 purchase days, about every 45 days" / "one purchase day" (same-day orders count once). */
function pace(f: Trace["f"]): string {
  if (f.purchaseDays > 1) return `${f.purchaseDays} purchase days, about every ${days(f.interPurchaseDays)}`;
  return f.orders > 1 ? `${orders(f.orders)}, all on one day` : "one order so far";
}

/** "2.7× their usual gap": days since the last order over the mean gap; null with one purchase day. */
function gapRatio(f: Trace["f"]): string | null {
  if (!(f.purchaseDays > 1 && f.interPurchaseDays > 0)) return null;
  const ratio = f.recencyDays / f.interPurchaseDays;
  // Below one the multiple reads oddly ("0.0×"): the merchant only needs to know it is not overdue.
  return ratio < 1 ? "within their usual gap" : `${ratio.toFixed(1)}× their usual gap`;
}

/** "last order 120 days ago, 2.7× their usual gap" */
function silence(f: Trace["f"]): string {
  const ago = f.recencyDays === 0 ? "last order today" : `last order ${days(f.recencyDays)} ago`;
  const ratio = gapRatio(f);
  return ratio ? `${ago}, ${ratio}` : ago;
}

/** The fitted purchase model the predictions come from (predictPurchases' order), or null for the heuristic. */
function purchaseModelName(model: FittedModel): "BG/NBD" | "Pareto/NBD" | null {
  return livePurchaseModel(model);
}

function usesPurchaseModel(model: FittedModel): boolean {
  return purchaseModelName(model) !== null;
}

function churnRiskLine(t: Trace): ExplanationLine {
  const { f, model } = t;
  const lapse = model.lifecycle.lapseDays;
  const levels = CHURN_RISK_LEVELS;
  const index = churnRiskLevel(f.churnRisk);
  const level = levels[index];
  const band =
    index === levels.length - 1
      ? `${percent(level.from)} or more`
      : index === 0
        ? `below ${percent(levels[1].from)}`
        : `${percent(level.from)} to ${percent(levels[index + 1].from)}`;
  const chance =
    t.orderInLapseIfActive === null
      ? `${percent(t.orderInLapse)}, as P(active) is ${percent(f.pAlive)}`
      : `${percent(t.orderInLapse)}: P(active) ${percent(f.pAlive)} × ${percent(t.orderInLapseIfActive)} if still active`;
  return {
    score: "churnRisk",
    label: "Churn risk",
    value: `${percent(f.churnRisk)} · ${level.name}`,
    because:
      `${capitalise(pace(f))}; ${silence(f)}. Churn risk is the chance of no order within ${days(lapse)} (the shop's lapse window): ` +
      `an order within ${days(lapse)} has a chance of ${chance}, so churn risk is ${percent(f.churnRisk)} → ${level.name} (${band}).`,
    figures: {
      churnRisk: f.churnRisk,
      orderInLapse: t.orderInLapse,
      pAlive: f.pAlive,
      orderInLapseIfActive: t.orderInLapseIfActive ?? 0,
      lapseDays: lapse,
      recencyDays: f.recencyDays,
      interPurchaseDays: f.interPurchaseDays,
    },
  };
}

function pAliveLine(t: Trace): ExplanationLine {
  const { f, model } = t;
  const lapse = model.lifecycle.lapseDays;
  let because: string;
  if (!usesPurchaseModel(model)) {
    const floor = model.lifecycle.churnedBelowPAlive;
    because =
      `Without a fitted purchase model, P(active) falls from 100 % on the day of an order to ${percent(floor)} after ${days(lapse)} without one ` +
      `(the shop's lapse window): ${f.recencyDays === 0 ? "ordered today" : `${days(f.recencyDays)} since the last order`} → ${percent(f.pAlive)}.`;
  } else if (f.frequency === 0 && purchaseModelName(model) === "BG/NBD") {
    because =
      `${capitalise(pace(f))}. In the BG/NBD model a customer can only stop buying right after a repeat purchase, so a one-time buyer counts as active; ` +
      `how seldom one-time buyers return shows in the churn risk and expected orders instead.`;
  } else if (f.frequency === 0) {
    // Pareto/NBD lets a customer stop at any time, so a one-time buyer's silence lowers P(active).
    because =
      `${capitalise(pace(f))}, ${silence(f)}. ` +
      `For that history the ${purchaseModelName(model)} model fitted to this shop's customers puts the chance they are still buying at ${percent(f.pAlive)}.`;
  } else {
    because =
      `${capitalise(pace(f))}: they usually buy again within about ${days(f.interPurchaseDays)}, and it has been ${days(f.recencyDays)} (${gapRatio(f)}). ` +
      `For that history the ${purchaseModelName(model)} model fitted to this shop's customers puts the chance they are still buying at ${percent(f.pAlive)}.`;
  }
  return {
    score: "pAlive",
    label: "Probability still active",
    value: percent(f.pAlive),
    because,
    figures: {
      pAlive: f.pAlive,
      recencyDays: f.recencyDays,
      interPurchaseDays: f.interPurchaseDays,
      purchaseDays: f.purchaseDays,
      lapseDays: lapse,
    },
  };
}

/** " × 1.3 for the season: the coming 90 days were 30 % busier than average in past years" */
function seasonWords(season: Season | null, horizonDays: number): string {
  if (!season) return "";
  const factor = season.horizon;
  const change = Math.round(Math.abs(factor - 1) * 100);
  const level = change === 0 ? "as busy as average" : `${change} % ${factor > 1 ? "busier" : "quieter"} than average`;
  return ` × ${factor.toFixed(2)} for the season: the coming ${days(horizonDays)} were ${level} in past years`;
}

function expectedOrdersLine(t: Trace): ExplanationLine {
  const { f, model } = t;
  const horizon = model.predictionHorizonDays;
  const ifActive = t.expectedOrdersIfActive;
  const basis = usesPurchaseModel(model)
    ? `the ${purchaseModelName(model)} model's expectation from their history: ${pace(f)}, first order ${days(f.tenureDays)} ago`
    : `their rate of ${f.purchaseDays} purchase ${f.purchaseDays === 1 ? "day" : "days"} over ${days(f.tenureDays)} as a customer plus one ${days(model.lifecycle.lapseDays)} lapse window, one order per ${days(1 / t.heuristicRatePerDay)}`;
  const because =
    ifActive === null
      ? `P(active) is ${percent(f.pAlive)}, so no further order is expected.`
      : `${count(f.expectedOrders)} = P(active) ${percent(f.pAlive)} × ${count(ifActive)} orders in ${days(horizon)} if still active (${basis})${seasonWords(t.season, horizon)}${learnedWords(t.learnedRate)}. Orders on the same day count once.`;
  return {
    score: "expectedOrders",
    label: "Expected orders",
    value: `${count(f.expectedOrders)} in the next ${days(horizon)}`,
    because,
    figures: {
      expectedOrders: f.expectedOrders,
      pAlive: f.pAlive,
      expectedOrdersIfActive: ifActive ?? 0,
      horizonDays: horizon,
      seasonalFactor: t.season?.horizon ?? 1,
      learnedFactor: t.learnedRate,
    },
  };
}

/** " × 1.12 from the learned trees: …"; empty without trees. */
function learnedWords(rate: number): string {
  if (rate === 1) return "";
  return ` × ${rate.toFixed(2)} from the learned trees: in this shop's own past, customers with this history bought ${rate >= 1 ? "more" : "less"} than the model expected`;
}

function nextOrderLine(t: Trace): ExplanationLine {
  const { f, model, score } = t;
  const wait = Math.round(f.nextOrderInDays);
  const from = shopDate(
    dayStart(dayNumber(t.asOf, model.utcOffsetMinutes), model.utcOffsetMinutes),
    model.utcOffsetMinutes,
  );
  const how = usesPurchaseModel(model)
    ? `half of active customers with this history order again within ${days(wait)} of ${from} (the ${purchaseModelName(model)} model's median wait)`
    : `at one order per ${days(1 / t.heuristicRatePerDay)}, half would order again within ${days(wait)} of ${from}`;
  return {
    score: "nextOrder",
    label: "Predicted next order",
    value: shopDate(score.nextOrderAt, model.utcOffsetMinutes),
    because: `If still active, ${how}. With P(active) ${percent(f.pAlive)} it is the likely date of an active customer's next order, not a promise.`,
    figures: { nextOrderAt: score.nextOrderAt, waitDays: wait, pAlive: f.pAlive },
  };
}

function orderValueLine(t: Trace): ExplanationLine {
  const { f, model, currency } = t;
  const value = f.expectedOrderValue;
  const gg = model.gammaGamma;
  let because: string;
  let figures: Record<string, number>;
  if (gg && gg.q > 1) {
    // E[M] = w · (own mean repeat spend) + (1 − w) · (population mean): the Gamma-Gamma mix.
    const x = f.repeatSpend > 0 ? f.frequency : 0;
    const weight = (gg.p * x) / (gg.p * x + gg.q - 1);
    const population = (gg.p * gg.gamma) / (gg.q - 1);
    if (x === 0) {
      because =
        f.frequency === 0
          ? `No repeat purchase yet, so the Gamma-Gamma spend model fitted to this shop gives the shop-wide typical order, ${money(population, currency)}.`
          : `Refunds cancel their repeat spend, so the Gamma-Gamma spend model fitted to this shop gives the shop-wide typical order, ${money(population, currency)}.`;
    } else {
      because =
        `Gamma-Gamma spend model: their average repeat purchase ${money(f.repeatSpend, currency)} (over ${f.frequency} repeat purchase ${f.frequency === 1 ? "day" : "days"}) ` +
        `weighted ${percent(weight)}, and the shop's typical order ${money(population, currency)} weighted ${percent(1 - weight)}; more repeat purchases put more weight on their own.`;
    }
    figures = {
      expectedOrderValue: value,
      ownMean: x > 0 ? f.repeatSpend : 0,
      ownWeight: weight,
      shopTypical: population,
    };
  } else {
    const shopMean = model.shop.meanOrderValue;
    because =
      `No Gamma-Gamma spend model for this shop, so their average order ${money(f.averageOrderValue, currency)} over ${orders(f.orders)} is shrunk toward the shop's average ` +
      `${money(shopMean, currency)}, counted as one more order: (${f.orders} × ${money(f.averageOrderValue, currency)} + ${money(shopMean, currency)}) ÷ ${f.orders + 1}.`;
    figures = { expectedOrderValue: value, averageOrderValue: f.averageOrderValue, orders: f.orders, shopMean };
  }
  return {
    score: "expectedOrderValue",
    label: "Expected order value",
    value: money(value, currency),
    because,
    figures,
  };
}

function clvLine(t: Trace): ExplanationLine {
  const { f, model, currency } = t;
  const months = model.clvHorizonMonths;
  const rate = model.monthlyDiscountRate;
  const discount =
    rate > 0
      ? `Orders further out count for less: discounted ${Number((rate * 100).toFixed(2))} % a month, from ${count(t.undiscountedOrders)} expected orders before discounting.`
      : "No discounting.";
  return {
    score: "clv",
    label: "Predicted lifetime value",
    value: money(f.clv, currency),
    because: `${money(f.clv, currency)} ≈ ${count(t.discountedOrders)} expected orders over the next ${months} months × ${money(f.expectedOrderValue, currency)} expected order value. ${discount}${t.season ? " Each month's expected orders are scaled by how busy that calendar month was in past years." : ""}`,
    figures: {
      clv: f.clv,
      discountedOrders: t.discountedOrders,
      undiscountedOrders: t.undiscountedOrders,
      expectedOrderValue: f.expectedOrderValue,
      months,
      monthlyDiscountRate: rate,
    },
  };
}

/** "21–60 days" for the recency score s (score s ⇔ thresholds[s−2] < −days ≤ thresholds[s−1]). */
function recencyBand(thresholds: number[], s: number): string {
  const below = s > 1 ? Math.ceil(-thresholds[s - 2]) - 1 : Infinity;
  const from = s < 5 ? Math.max(0, Math.ceil(-thresholds[s - 1])) : 0;
  if (below === Infinity) return `${days(from)} or more`;
  return from >= below ? days(from) : `${from}–${days(below)}`;
}

function orderBand(thresholds: number[], s: number): string {
  const from = s > 1 ? Math.floor(thresholds[s - 2]) + 1 : 1;
  const upTo = s < 5 ? Math.floor(thresholds[s - 1]) : Infinity;
  if (upTo === Infinity) return `${from} or more orders`;
  return from >= upTo ? orders(upTo) : `${from}–${upTo} orders`;
}

function spendBand(thresholds: number[], s: number, currency: string): string {
  const above = s > 1 ? thresholds[s - 2] : null;
  const upTo = s < 5 ? thresholds[s - 1] : null;
  if (above === null) return `up to ${money(upTo!, currency)}`;
  if (upTo === null) return `more than ${money(above, currency)}`;
  return `more than ${money(above, currency)} up to ${money(upTo, currency)}`;
}

function rfmLine(t: Trace): ExplanationLine {
  const { f, model, score, currency } = t;
  const { rfmRecency: r, rfmFrequency: fr, rfmMonetary: m } = f;
  const th = model.rfmThresholds;
  const fm = frequencyMonetaryScore(fr, m);
  const rule = RFM_SEGMENT_RULES.find((s) => s.key === score.segmentKeys.rfm)!;
  const range = (span: [number, number]) => (span[0] === span[1] ? `${span[0]}` : `${span[0]}–${span[1]}`);
  return {
    score: "rfm",
    label: "RFM",
    value: `R ${r} · F ${fr} · M ${m} → ${rule.name}`,
    because:
      `Each score ranks the customer among the shop's customers in fifths. Recency ${r}: last order ${days(f.recencyDays)} ago (R ${r} = ${recencyBand(th.recency, r)}). ` +
      `Frequency ${fr}: ${orders(f.orders)} (F ${fr} = ${orderBand(th.frequency, fr)}). ` +
      `Monetary ${m}: ${money(f.totalSpend, currency)} net spend (M ${m} = ${spendBand(th.monetary, m, currency)}). ` +
      `Frequency and monetary combine to ${fm} (half their sum, rounded up); R ${r} with ${fm} → ${rule.name} (R ${range(rule.recency)}, combined ${range(rule.frequencyMonetary)}): ${lowerFirst(rule.description)}.`,
    figures: { r, f: fr, m, fm, recencyDays: f.recencyDays, orders: f.orders, totalSpend: f.totalSpend },
  };
}

function lifecycleLine(t: Trace): ExplanationLine {
  const { f, model } = t;
  const rules = model.lifecycle;
  const lapse = rules.lapseDays;
  const stage = lifecycleStage(rules, f);
  const one = f.purchaseDays === 1;
  let because: string;
  // The same checks in the same order as lifecycleStage: the first that holds decides.
  if (stage === LIFECYCLE.churned) {
    because =
      f.recencyDays >= lapse
        ? `No order for ${days(f.recencyDays)}, at least the shop's lapse window of ${days(lapse)}.`
        : `P(active) ${percent(f.pAlive)} is below ${percent(rules.churnedBelowPAlive)}.`;
  } else if (stage === LIFECYCLE.new) {
    because = `First order ${days(f.tenureDays)} ago, within ${days(rules.newCustomerDays)}.`;
  } else if (stage === LIFECYCLE.reactivated) {
    because = `Came back after ${days(f.lastGapDays)} without an order, at least the lapse window of ${days(lapse)}.`;
  } else if (stage === LIFECYCLE.atRisk) {
    const overdue = one ? f.recencyDays >= lapse / 2 : f.recencyDays > 2 * f.interPurchaseDays;
    because = overdue
      ? one
        ? `One purchase day, ${days(f.recencyDays)} ago: at least half the lapse window (${days(lapse / 2)}).`
        : `Last order ${days(f.recencyDays)} ago, more than twice their usual gap of ${days(f.interPurchaseDays)} (${gapRatio(f)}).`
      : `P(active) ${percent(f.pAlive)} is below ${percent(rules.atRiskBelowPAlive)}.`;
  } else {
    const onPace = one
      ? `one purchase day, ${days(f.recencyDays)} ago, under half the lapse window (${days(lapse / 2)})`
      : `last order ${days(f.recencyDays)} ago, within twice their usual gap of ${days(f.interPurchaseDays)}`;
    because = `On pace: ${onPace}; P(active) ${percent(f.pAlive)} is at least ${percent(rules.atRiskBelowPAlive)}.`;
  }
  return {
    score: "lifecycle",
    label: "Lifecycle",
    value: LIFECYCLE_STAGES[stage].name,
    because,
    figures: {
      recencyDays: f.recencyDays,
      tenureDays: f.tenureDays,
      lastGapDays: f.lastGapDays,
      interPurchaseDays: f.interPurchaseDays,
      pAlive: f.pAlive,
      lapseDays: lapse,
    },
  };
}

function clusterLine(t: Trace, clusters: ExplainInput["clusters"]): ExplanationLine {
  const { model, score, f, currency } = t;
  const key = score.segmentKeys.cluster;
  const clustering = model.clustering;
  if (key === null) {
    return {
      score: "cluster",
      label: "Cluster",
      value: "–",
      because: "The last run found no distinct groups of customers, so nobody is in a cluster.",
      figures: {},
    };
  }
  const k = clusterKeysOf(clustering).indexOf(key);
  const described = clusters?.find((c) => c.key === key);
  const centre = described?.centroid ?? centroidInUnits(clustering, clustering.centroids[k]);
  const measures = clustering.features.map((feature) => CLUSTER_MEASURES[feature](f[feature], currency));
  const centreMeasures = clustering.features.map((feature) => CLUSTER_MEASURES[feature](centre[feature], currency));
  const name = described ? `${described.name} (${described.description})` : key;
  return {
    score: "cluster",
    label: "Cluster",
    value: described?.name ?? key,
    because:
      `Nearest of the run's ${clustering.centroids.length} group centres, comparing ${measures.length} measures on a log scale, each relative to its spread across the shop. ` +
      `This customer: ${measures.join(", ")}. The centre of ${name}: ${centreMeasures.join(", ")}.`,
    figures: { clusterKeyNumber: clusterKeyNumber(key), clusters: clustering.centroids.length },
  };
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

function close(shown: number | null, actual: number): boolean {
  return shown !== null && Math.abs(shown - actual) <= 1e-9 + 1e-6 * Math.abs(actual);
}

/** Which shown figures the model does not reproduce from the customer's orders now. */
function mismatches(t: Trace, shown: ShownScores): ExplainedScore[] {
  const { f, score } = t;
  const out: ExplainedScore[] = [];
  if (
    shown.r !== f.rfmRecency ||
    shown.f !== f.rfmFrequency ||
    shown.m !== f.rfmMonetary ||
    shown.rfmSegment !== score.segmentKeys.rfm
  )
    out.push("rfm");
  if (!close(shown.pAlive, f.pAlive)) out.push("pAlive");
  if (!close(shown.churnRisk, f.churnRisk)) out.push("churnRisk");
  if (!close(shown.expectedOrders, f.expectedOrders)) out.push("expectedOrders");
  if (!close(shown.expectedAov, f.expectedOrderValue)) out.push("expectedOrderValue");
  if (!close(shown.clv, f.clv)) out.push("clv");
  // Stored timestamps keep milliseconds.
  if (shown.nextOrderAt === null || Math.abs(shown.nextOrderAt - score.nextOrderAt) >= 1) out.push("nextOrder");
  if (shown.lifecycle !== score.segmentKeys.lifecycle) out.push("lifecycle");
  const cluster = score.segmentKeys.cluster === null ? 0 : clusterKeyNumber(score.segmentKeys.cluster);
  if ((shown.cluster ?? 0) !== cluster) out.push("cluster");
  return out;
}

const LINE_NAMES: Record<ExplainedScore, string> = {
  churnRisk: "churn risk",
  pAlive: "P(active)",
  expectedOrders: "expected orders",
  nextOrder: "next order",
  expectedOrderValue: "expected order value",
  clv: "lifetime value",
  rfm: "RFM",
  lifecycle: "lifecycle",
  cluster: "cluster",
};

/** Every score of one customer, with why. */
export function explainCustomer(input: ExplainInput): CustomerExplanation {
  const notes: string[] = [];
  const { model, summary } = input;
  if (input.modelCaveat) notes.push(`Model caveat: ${input.modelCaveat}`);
  if (!summary) {
    notes.push(
      "No order of this customer counts toward the scores (cancelled, test and deleted orders are left out), so there is nothing to explain.",
    );
    return { lines: [], notes, mismatched: [] };
  }
  const t = trace(input, summary);
  if (!usesPurchaseModel(model)) {
    notes.push(
      `Predictions use a recency/frequency heuristic, not a fitted purchase model${model.fallbackReason ? `: ${model.fallbackReason}` : ""}.`,
    );
  }
  if (t.f.totalSpend <= 0)
    notes.push(
      `Refunds cancel all of this customer's spend (net ${money(t.f.totalSpend, input.currency)}); their orders still count as purchases.`,
    );
  const lines = [
    churnRiskLine(t),
    pAliveLine(t),
    expectedOrdersLine(t),
    nextOrderLine(t),
    orderValueLine(t),
    clvLine(t),
    rfmLine(t),
    lifecycleLine(t),
    clusterLine(t, input.clusters),
  ];
  const mismatched = input.shown ? mismatches(t, input.shown) : lines.map((l) => l.score);
  if (mismatched.length > 0) {
    notes.push(
      `The scores shown (computed ${shopDate(input.scoredAt, model.utcOffsetMinutes)}) differ from what the same model gives for this customer's orders now ` +
        `(${mismatched.map((s) => LINE_NAMES[s]).join(", ")}): the reasons below describe the orders now, and the next compute run updates the scores.`,
    );
  }
  return { lines, notes, mismatched };
}
