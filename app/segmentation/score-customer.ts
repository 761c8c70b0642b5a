// Re-scoring one customer against a stored FittedModel, without refitting: the same
// functions the full run uses, so results agree exactly with `analyzeShop` for the same data.
import type { FeatureName } from "./analyze";
import { dayNumber, dayStart, MS_PER_DAY } from "./calendar";
import { clusterKeyNumber, clusterKeysOf } from "./cluster-keys";
import { assignCluster } from "./clustering";
import { buildCustomerFeatures } from "./features";
import { churnRiskLevel, CHURN_RISK_LEVELS, LIFECYCLE_STAGES, lifecycleStage } from "./lifecycle";
import { periodDays } from "./options";
import { appliesLearnedTrees, learnedRateMultiplierOf } from "./learned-model";
import {
  emptyPredictions,
  livePurchaseModel,
  predictOrderValue,
  predictPurchases,
  scalePurchaseRate,
} from "./predictions";
import { explainRfm, rfmSegmentIndex, RFM_SEGMENT_RULES, scoreValue } from "./rfm";
import type { FittedModel } from "./types";

/** As-of-independent facts about one customer's orders (what a database row can hold). */
export interface CustomerSummary {
  /** Start of the first and last purchase days (shop time zone), epoch ms. */
  firstOrderAt: number;
  lastOrderAt: number;
  /** Start of the purchase day before the last one; equals firstOrderAt with one purchase day. */
  previousPurchaseAt: number;
  orders: number;
  purchaseDays: number;
  /** Net of refunds. */
  totalSpend: number;
  /** Mean net spend per repeat purchase day (0 when there is none). */
  repeatSpend: number;
  /**
   * The orders summarised (`summarizeOrders` keeps them): the learned trees' features need the
   * whole history. Without them a model with learned trees scores as plain BG/NBD.
   */
  history?: readonly { time: number; amount: number }[];
}

export interface CustomerScore {
  features: Record<FeatureName, number>;
  /** `cluster` is null when the model has no clusters. */
  segmentKeys: { rfm: string; cluster: string | null; lifecycle: string; churnRisk: string };
  nextOrderAt: number;
  explanation: string;
}

/** Summarises one customer's orders (negative amounts are refunds); null without any order. */
export function summarizeOrders(
  orders: readonly { time: number; amount: number }[],
  utcOffsetMinutes = 0,
): CustomerSummary | null {
  if (orders.length === 0) return null;
  const time = Float64Array.from(orders, (o) => o.time);
  const amount = Float64Array.from(orders, (o) => o.amount);
  let lastDay = -Infinity;
  for (const t of time) lastDay = Math.max(lastDay, dayNumber(t, utcOffsetMinutes));
  const features = buildCustomerFeatures(
    { customerIds: ["customer"], customer: new Int32Array(orders.length), time, amount },
    lastDay,
    utcOffsetMinutes,
    1,
  );
  if (features.count === 0) return null;
  const f = features.columns;
  return {
    firstOrderAt: f.firstOrderAt[0],
    lastOrderAt: f.lastOrderAt[0],
    previousPurchaseAt: f.lastOrderAt[0] - f.lastGapDays[0] * MS_PER_DAY,
    orders: f.orders[0],
    purchaseDays: f.purchaseDays[0],
    totalSpend: f.totalSpend[0],
    repeatSpend: f.repeatSpend[0],
    history: orders,
  };
}

/**
 * The learned trees' factor on the purchase rate for this customer as of `asOfDay` (1 without
 * trees, or without the orders in `summary.history` to build their features from).
 */
export function learnedRate(model: FittedModel, summary: CustomerSummary, asOfDay: number): number {
  if (!summary.history || !model.bgnbd || !appliesLearnedTrees(model.learned) || livePurchaseModel(model) !== "BG/NBD")
    return 1;
  const unit = periodDays(model.periodUnit);
  const t = model.predictionHorizonDays / unit;
  return learnedRateMultiplierOf(model.learned, model.bgnbd, summary.history, asOfDay, model.utcOffsetMinutes, unit, t);
}

export function scoreCustomer(
  model: FittedModel,
  summary: CustomerSummary,
  asOf: Date | number = model.asOf,
): CustomerScore {
  const offset = model.utcOffsetMinutes;
  const asOfDay = dayNumber(typeof asOf === "number" ? asOf : asOf.getTime(), offset);
  const firstDay = dayNumber(summary.firstOrderAt, offset);
  const lastDay = dayNumber(summary.lastOrderAt, offset);
  if (lastDay > asOfDay) throw new RangeError("the customer's last order is after the as-of date");
  const unit = periodDays(model.periodUnit);
  const x = summary.purchaseDays - 1;
  const spanDays = lastDay - firstDay;
  const ageDays = asOfDay - firstDay;

  const base = {
    firstOrderAt: summary.firstOrderAt,
    lastOrderAt: summary.lastOrderAt,
    orders: summary.orders,
    repeatOrders: summary.orders - 1,
    purchaseDays: summary.purchaseDays,
    recencyDays: asOfDay - lastDay,
    tenureDays: ageDays,
    totalSpend: summary.totalSpend,
    averageOrderValue: summary.totalSpend / summary.orders,
    interPurchaseDays: x > 0 ? spanDays / x : 0,
    lastGapDays: x > 0 ? lastDay - dayNumber(summary.previousPurchaseAt, offset) : 0,
    frequency: x,
    recency: spanDays / unit,
    age: ageDays / unit,
    repeatSpend: summary.repeatSpend,
  };

  const r = scoreValue(-base.recencyDays, model.rfmThresholds.recency);
  const f = scoreValue(base.orders, model.rfmThresholds.frequency);
  const m = scoreValue(base.totalSpend, model.rfmThresholds.monetary);
  const segment = rfmSegmentIndex(r, f, m);
  const cluster = assignCluster(model.clustering, base);
  const clusterKey = cluster >= 0 ? clusterKeysOf(model.clustering)[cluster] : null;
  const prediction = predictPurchases(model, { frequency: x, spanDays, ageDays, asOfDay }, emptyPredictions());
  const rate = learnedRate(model, summary, asOfDay);
  if (rate !== 1) scalePurchaseRate(prediction, rate);
  const orderValue = predictOrderValue(model, x, base.repeatSpend, base.orders, base.averageOrderValue);
  const lifecycle = lifecycleStage(model.lifecycle, { ...base, pAlive: prediction.pAlive });
  const churnLevel = churnRiskLevel(prediction.churnRisk, model.churnRiskHighFrom);

  return {
    features: {
      ...base,
      rfmRecency: r,
      rfmFrequency: f,
      rfmMonetary: m,
      cluster: clusterKey ? clusterKeyNumber(clusterKey) : 0,
      pAlive: prediction.pAlive,
      expectedOrders: prediction.expectedOrders,
      expectedOrderValue: orderValue,
      clv: prediction.discountedOrders * orderValue,
      churnRisk: prediction.churnRisk,
      nextOrderInDays: prediction.nextOrderInDays,
    },
    segmentKeys: {
      rfm: RFM_SEGMENT_RULES[segment].key,
      cluster: clusterKey,
      lifecycle: LIFECYCLE_STAGES[lifecycle].key,
      churnRisk: CHURN_RISK_LEVELS[churnLevel].key,
    },
    nextOrderAt: dayStart(asOfDay, offset) + Math.round(prediction.nextOrderInDays) * MS_PER_DAY,
    explanation: explainRfm(base.recencyDays, base.orders, m, segment),
  };
}
