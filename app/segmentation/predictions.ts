// Per-customer predictions from a fitted model: BG/NBD + Gamma-Gamma when the shop has the
// data, otherwise a transparent recency/frequency heuristic. Everything returned is finite.
import { expectedPurchasesIfAlive, medianTimeToNextPurchase, probabilityAlive, probabilityOfPurchase } from "./bgnbd";
import { DAYS_PER_MONTH, dayNumber } from "./calendar";
import { expectedAverageSpend } from "./gamma-gamma";
import { periodDays } from "./options";
import {
  paretoNbdExpectedPurchasesIfAlive,
  paretoNbdMedianTimeToNextPurchase,
  paretoNbdProbabilityAlive,
  paretoNbdProbabilityOfPurchase,
} from "./pareto-nbd";
import { seasonalFactor } from "./seasonal-factor";
import type { FittedModel } from "./types";

/** What purchase-count predictions depend on: (x, t_x, T) expressed in whole days. */
export interface PurchaseHistory {
  /** Repeat purchase days x. */
  frequency: number;
  /** Days from first to last purchase. */
  spanDays: number;
  /** Days from first purchase to the as-of day. */
  ageDays: number;
  /** Shop-local day number of the as-of day (the seasonal factor depends on it); default the model's. */
  asOfDay?: number;
}

export interface PurchasePredictions {
  pAlive: number;
  /** Expected orders in the model's prediction horizon. */
  expectedOrders: number;
  /** Σ over the CLV horizon of expected orders in month m discounted by (1+d)^m; × spend = CLV. */
  discountedOrders: number;
  /** 1 − P(an order within the shop's lapse window). */
  churnRisk: number;
  /** Median days from the as-of day to the next order, if the customer is still active. */
  nextOrderInDays: number;
}

export function predictPurchases(
  model: FittedModel,
  history: PurchaseHistory,
  out: PurchasePredictions,
): PurchasePredictions {
  const purchaseModel = livePurchaseModel(model);
  if (purchaseModel === "BG/NBD") return predictWithBgNbd(model, history, out);
  return purchaseModel === "Pareto/NBD"
    ? predictWithParetoNbd(model, history, out)
    : predictWithHeuristic(model, history, out);
}

/** The fitted purchase model the predictions come from, or null for the heuristic. */
export function livePurchaseModel(model: FittedModel): "BG/NBD" | "Pareto/NBD" | null {
  if (model.paretoNbd && (model.preferParetoNbd || !model.bgnbd)) return "Pareto/NBD";
  return model.bgnbd ? "BG/NBD" : null;
}

/** Seasonal multipliers from an as-of day: of the prediction horizon, and of each CLV month. */
export interface Season {
  horizon: number;
  months: Float64Array;
}

let lastSeason: { model: FittedModel; day: number; season: Season | null } | null = null;

/**
 * The stored seasonal effects turned into multipliers for the horizon and the CLV months that
 * start on `asOfDay` (null without an adjustment). The factor is the mean monthly effect over the
 * days ahead relative to the fitted history's, as the backtest's seasonal candidate computes it.
 */
export function seasonAt(model: FittedModel, asOfDay = dayNumber(model.asOf, model.utcOffsetMinutes)): Season | null {
  if (lastSeason && lastSeason.model === model && lastSeason.day === asOfDay) return lastSeason.season;
  let season: Season | null = null;
  const effects = model.seasonal;
  if (effects && livePurchaseModel(model) !== null) {
    const months = new Float64Array(model.clvHorizonMonths);
    for (let m = 0; m < months.length; m++) {
      const from = Math.round(m * DAYS_PER_MONTH);
      months[m] = seasonalFactor(effects, asOfDay + from, Math.round((m + 1) * DAYS_PER_MONTH) - from);
    }
    season = { horizon: seasonalFactor(effects, asOfDay, model.predictionHorizonDays), months };
  }
  lastSeason = { model, day: asOfDay, season };
  return season;
}

function predictWithBgNbd(model: FittedModel, history: PurchaseHistory, out: PurchasePredictions): PurchasePredictions {
  const params = model.bgnbd!;
  const unit = periodDays(model.periodUnit);
  const x = history.frequency;
  const tx = history.spanDays / unit;
  const T = history.ageDays / unit;
  const pAlive = probabilityAlive(params, x, tx, T);
  out.pAlive = pAlive;
  const season = seasonAt(model, history.asOfDay);
  out.expectedOrders = pAlive * expectedPurchasesIfAlive(params, model.predictionHorizonDays / unit, x, T);
  if (season) out.expectedOrders *= season.horizon;
  let discounted = 0;
  let previous = 0;
  const month = DAYS_PER_MONTH / unit;
  for (let m = 1; m <= model.clvHorizonMonths; m++) {
    const cumulative = pAlive * expectedPurchasesIfAlive(params, m * month, x, T);
    discounted +=
      ((cumulative - previous) * (season ? season.months[m - 1] : 1)) / Math.pow(1 + model.monthlyDiscountRate, m);
    previous = cumulative;
  }
  out.discountedOrders = Math.max(0, discounted);
  out.churnRisk = 1 - probabilityOfPurchase(params, model.lifecycle.lapseDays / unit, x, tx, T);
  out.nextOrderInDays = medianTimeToNextPurchase(params, x, T) * unit;
  return out;
}

/** The same predictions from Pareto/NBD, used when the BG/NBD fit was unusable. */
function predictWithParetoNbd(
  model: FittedModel,
  history: PurchaseHistory,
  out: PurchasePredictions,
): PurchasePredictions {
  const params = model.paretoNbd!;
  const unit = periodDays(model.periodUnit);
  const x = history.frequency;
  const tx = history.spanDays / unit;
  const T = history.ageDays / unit;
  const pAlive = paretoNbdProbabilityAlive(params, x, tx, T);
  out.pAlive = pAlive;
  const season = seasonAt(model, history.asOfDay);
  out.expectedOrders = pAlive * paretoNbdExpectedPurchasesIfAlive(params, model.predictionHorizonDays / unit, x, T);
  if (season) out.expectedOrders *= season.horizon;
  let discounted = 0;
  let previous = 0;
  const month = DAYS_PER_MONTH / unit;
  for (let m = 1; m <= model.clvHorizonMonths; m++) {
    const cumulative = pAlive * paretoNbdExpectedPurchasesIfAlive(params, m * month, x, T);
    discounted +=
      ((cumulative - previous) * (season ? season.months[m - 1] : 1)) / Math.pow(1 + model.monthlyDiscountRate, m);
    previous = cumulative;
  }
  out.discountedOrders = Math.max(0, discounted);
  out.churnRisk = 1 - paretoNbdProbabilityOfPurchase(params, model.lifecycle.lapseDays / unit, x, tx, T);
  out.nextOrderInDays = paretoNbdMedianTimeToNextPurchase(params, x, T) * unit;
  return out;
}

/**
 * Without a fitted BG/NBD or Pareto/NBD: activity decays with recency so that a customer silent for the
 * shop's lapse window is at the "churned" P(alive); the order rate is purchase days over
 * tenure, padded by one lapse window so one-time buyers are not extrapolated wildly.
 */
function predictWithHeuristic(
  model: FittedModel,
  history: PurchaseHistory,
  out: PurchasePredictions,
): PurchasePredictions {
  const lapse = model.lifecycle.lapseDays;
  const recencyDays = history.ageDays - history.spanDays;
  const pAlive = Math.pow(model.lifecycle.churnedBelowPAlive, recencyDays / lapse);
  const ratePerDay = (history.frequency + 1) / (history.ageDays + lapse);
  out.pAlive = pAlive;
  out.expectedOrders = pAlive * ratePerDay * model.predictionHorizonDays;
  let discounted = 0;
  for (let m = 1; m <= model.clvHorizonMonths; m++) {
    discounted += (pAlive * ratePerDay * DAYS_PER_MONTH) / Math.pow(1 + model.monthlyDiscountRate, m);
  }
  out.discountedOrders = discounted;
  out.churnRisk = 1 - pAlive * (1 - Math.exp(-ratePerDay * lapse));
  out.nextOrderInDays = Math.LN2 / ratePerDay;
  return out;
}

/**
 * The learned trees' factor k on the purchase rate: expected orders and the CLV's discounted
 * orders × k, P(no order in the lapse window)^k. P(alive) and the median next-order day stay
 * the base model's (the trees are trained on purchase counts, not on either).
 */
export function scalePurchaseRate(out: PurchasePredictions, k: number): PurchasePredictions {
  out.expectedOrders *= k;
  out.discountedOrders *= k;
  out.churnRisk = Math.pow(out.churnRisk, k);
  return out;
}

/** Expected value of a future order. */
export function predictOrderValue(
  model: FittedModel,
  frequency: number,
  repeatSpend: number,
  orders: number,
  averageOrderValue: number,
): number {
  const gg = model.gammaGamma;
  if (gg && gg.q > 1) {
    // Customers whose repeat spend nets to zero are treated as having no repeat history.
    const x = repeatSpend > 0 ? frequency : 0;
    return expectedAverageSpend(gg, x, x > 0 ? repeatSpend : 0);
  }
  // Shrink the customer's own average toward the shop's, with the shop worth one order.
  const shopMean = model.shop.meanOrderValue;
  return Math.max(0, (orders * averageOrderValue + shopMean) / (orders + 1));
}

export function emptyPredictions(): PurchasePredictions {
  return { pAlive: 0, expectedOrders: 0, discountedOrders: 0, churnRisk: 0, nextOrderInDays: 0 };
}
