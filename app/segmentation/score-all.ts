// Scoring every customer of a run: purchase predictions once per distinct (x, t_x, T) row
// (many customers share one), spend and CLV per customer.
import type { SummaryRows } from "./bgnbd";
import { dayStart, MS_PER_DAY } from "./calendar";
import type { BaseFeatureColumns, CustomerFeatures } from "./features";
import { appliesLearnedTrees, learnedRateMultipliers } from "./learned-model";
import { clusterKeyNumber, clusterKeysOf } from "./cluster-keys";
import { periodDays } from "./options";
import { emptyPredictions, livePurchaseModel, predictOrderValue, predictPurchases } from "./predictions";
import type { FittedModel } from "./types";

export type ScoreFeatureName =
  | "rfmRecency"
  | "rfmFrequency"
  | "rfmMonetary"
  | "cluster"
  | "pAlive"
  | "expectedOrders"
  | "expectedOrderValue"
  | "clv"
  | "churnRisk"
  | "nextOrderInDays";

export interface RfmColumns {
  recency: Uint8Array;
  frequency: Uint8Array;
  monetary: Uint8Array;
  segment: Uint8Array;
}

export function scoreCustomers(
  model: FittedModel,
  summaries: SummaryRows,
  rowOf: Int32Array,
  f: BaseFeatureColumns,
  rfm: RfmColumns,
  clusterAssignment: Uint8Array,
  asOfDay: number,
  customers: CustomerFeatures,
): { scores: Record<ScoreFeatureName, Float64Array>; nextOrderAt: Float64Array } {
  const rowPAlive = new Float64Array(summaries.count);
  const rowExpected = new Float64Array(summaries.count);
  const rowDiscounted = new Float64Array(summaries.count);
  const rowChurnRisk = new Float64Array(summaries.count);
  const rowNext = new Float64Array(summaries.count);
  const prediction = emptyPredictions();
  const history = { frequency: 0, spanDays: 0, ageDays: 0, asOfDay };
  for (let i = 0; i < summaries.count; i++) {
    history.frequency = summaries.x[i];
    history.spanDays = summaries.spanDays[i];
    history.ageDays = summaries.ageDays[i];
    predictPurchases(model, history, prediction);
    rowPAlive[i] = prediction.pAlive;
    rowExpected[i] = prediction.expectedOrders;
    rowDiscounted[i] = prediction.discountedOrders;
    rowChurnRisk[i] = prediction.churnRisk;
    rowNext[i] = prediction.nextOrderInDays;
  }

  const n = rowOf.length;
  const column = () => new Float64Array(n);
  const scores: Record<ScoreFeatureName, Float64Array> = {
    rfmRecency: Float64Array.from(rfm.recency),
    rfmFrequency: Float64Array.from(rfm.frequency),
    rfmMonetary: Float64Array.from(rfm.monetary),
    cluster: column(),
    pAlive: column(),
    expectedOrders: column(),
    expectedOrderValue: column(),
    clv: column(),
    churnRisk: column(),
    nextOrderInDays: column(),
  };
  const nextOrderAt = column();
  // The learned trees' factor on BG/NBD's rate, per customer (their features differ within a row).
  let rate: Float64Array | null = null;
  if (model.bgnbd && appliesLearnedTrees(model.learned) && livePurchaseModel(model) === "BG/NBD") {
    const unit = periodDays(model.periodUnit);
    const t = model.predictionHorizonDays / unit;
    rate = learnedRateMultipliers(model.learned, model.bgnbd, customers, rowOf, summaries, t, unit);
  }
  // The N of the customer's `cluster-N` key (0: no cluster), so the number follows the key.
  const clusterNumbers = clusterKeysOf(model.clustering).map(clusterKeyNumber);
  const asOfDayStart = dayStart(asOfDay, model.utcOffsetMinutes);
  for (let c = 0; c < n; c++) {
    const row = rowOf[c];
    const orderValue = predictOrderValue(model, f.frequency[c], f.repeatSpend[c], f.orders[c], f.averageOrderValue[c]);
    scores.cluster[c] = clusterNumbers[clusterAssignment[c]] ?? 0;
    // As `scalePurchaseRate` does for one customer.
    const k = rate ? rate[c] : 1;
    scores.pAlive[c] = rowPAlive[row];
    scores.expectedOrders[c] = rate ? rowExpected[row] * k : rowExpected[row];
    scores.expectedOrderValue[c] = orderValue;
    scores.clv[c] = (rate ? rowDiscounted[row] * k : rowDiscounted[row]) * orderValue;
    scores.churnRisk[c] = rate ? Math.pow(rowChurnRisk[row], k) : rowChurnRisk[row];
    scores.nextOrderInDays[c] = rowNext[row];
    nextOrderAt[c] = asOfDayStart + Math.round(rowNext[row]) * MS_PER_DAY;
  }
  return { scores, nextOrderAt };
}
