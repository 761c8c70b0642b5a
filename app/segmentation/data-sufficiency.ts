// Whether a shop's history can carry predictions, decided from its own backtest, with the
// reasons in words a merchant understands and the day the history will be long enough.
import { DAYS_PER_MONTH, MS_PER_DAY } from "./calendar";
import type { BacktestResult } from "./backtest";

/**
 * Thresholds, and why:
 * - history ≥ 2 horizons: one horizon to learn from and one to check against; with less,
 *   the backtest window reaches back before the first order.
 * - ≥ 100 repeat customers before the cutoff: BG/NBD's dropout and rate heterogeneity are
 *   learnt from repeat buyers only; below ~100 the four parameters swing from run to run
 *   (the engine itself fits from 30, `minRepeatCustomersForModel`).
 * - ≥ 30 repeat purchases in the window: fewer, and "4 % total error" is noise.
 * - the model must beat the naive baseline (each customer's own past rate, or the shop's
 *   average rate) on mean absolute error per customer: otherwise it adds nothing.
 *
 * Klaviyo's predictive analytics asks for ≥ 500 customers with orders, ≥ 180 days of
 * history, orders in the last 30 days and some customers with 3+ orders. Ours differs on
 * purpose: the history floor scales with the horizon asked for (180 days is our floor for
 * the default 90-day horizon), the customer floor counts repeat buyers (what the model
 * learns from) rather than all buyers, and instead of a recency rule we measure: a shop with
 * no recent orders fails the backtest if its predictions are wrong, not by decree.
 */
export const SUFFICIENCY_THRESHOLDS = {
  historyHorizons: 2,
  minRepeatCustomers: 100,
  minWindowRepeatPurchases: 30,
};

export type SufficiencyThresholds = typeof SUFFICIENCY_THRESHOLDS;

export interface SufficiencyVerdict {
  sufficient: boolean;
  /** Plain-language reasons it is not (empty when sufficient). */
  reasons: string[];
  /** Day (YYYY-MM-DD) the history reaches the needed length, when that is what is missing. */
  predictionsStartOn: string | null;
  neededHistoryDays: number;
}

const plural = (count: number, word: string) => `${count.toLocaleString("en-US")} ${word}${count === 1 ? "" : "s"}`;
const HORIZON_WORDS = ["zero", "one", "two", "three", "four", "five"];

export function dataSufficiency(
  backtest: BacktestResult,
  thresholds: SufficiencyThresholds = SUFFICIENCY_THRESHOLDS,
): SufficiencyVerdict {
  const reasons: string[] = [];
  const horizon = backtest.horizonDays;
  const neededHistoryDays = thresholds.historyHorizons * horizon;
  let predictionsStartOn: string | null = null;

  if (backtest.firstOrderDay === null) {
    reasons.push("the shop has no orders yet");
  } else if (backtest.historyDays < neededHistoryDays) {
    const horizons = HORIZON_WORDS[thresholds.historyHorizons] ?? String(thresholds.historyHorizons);
    reasons.push(
      `history covers ${plural(backtest.historyDays, "day")}; predictions need about ${neededHistoryDays} days (${horizons} ${horizon}-day horizons)` +
        (neededHistoryDays >= 2 * DAYS_PER_MONTH
          ? ` — about ${Math.round(neededHistoryDays / DAYS_PER_MONTH)} months`
          : ""),
    );
    predictionsStartOn = new Date(Date.parse(backtest.firstOrderDay) + (neededHistoryDays - 1) * MS_PER_DAY)
      .toISOString()
      .slice(0, 10);
  }

  const { repeatCustomers, customers } = backtest.calibration;
  if (customers === 0) {
    reasons.push(
      `no customer had ordered by ${backtest.cutoffDay}, the start of the ${horizon}-day check window, so nothing could be checked`,
    );
  } else if (repeatCustomers < thresholds.minRepeatCustomers) {
    reasons.push(
      `only ${plural(repeatCustomers, "customer")} of ${customers.toLocaleString("en-US")} had ordered more than once by ${backtest.cutoffDay}; ` +
        `predictions need at least ${thresholds.minRepeatCustomers} repeat customers`,
    );
  }
  if (customers > 0 && backtest.window.repeatPurchases < thresholds.minWindowRepeatPurchases) {
    reasons.push(
      `those customers made only ${plural(backtest.window.repeatPurchases, "repeat purchase")} in the last ${horizon} days, ` +
        `too few to measure accuracy (need ${thresholds.minWindowRepeatPurchases})`,
    );
  }
  const { choice } = backtest;
  if (choice.chosen === null) {
    if (customers > 0 && repeatCustomers >= thresholds.minRepeatCustomers) reasons.push(choice.reason);
  } else if (!choice.beatsBaseline) {
    reasons.push(`the model predicted no better than a naive guess (${choice.reason})`);
  }

  return { sufficient: reasons.length === 0, reasons, predictionsStartOn, neededHistoryDays };
}
