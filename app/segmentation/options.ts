import { HIGH_CHURN_RISK_FROM } from "./lifecycle";
import type { AnalysisOptions, AnalysisOptionsInput } from "./types";

export const DEFAULT_OPTIONS: Omit<AnalysisOptions, "asOf"> = {
  periodUnit: "day",
  utcOffsetMinutes: 0,
  clvHorizonMonths: 12,
  monthlyDiscountRate: 0.01,
  predictionHorizonDays: 90,
  churnRiskHighFrom: HIGH_CHURN_RISK_FROM,
  kMin: 2,
  kMax: 8,
  kmeansSampleSize: 20_000,
  silhouetteSampleSize: 2_000,
  seed: 42,
  minRepeatCustomersForModel: 30,
  lifecycle: { newCustomerDays: 30, lapseDays: null, atRiskBelowPAlive: 0.5, churnedBelowPAlive: 0.2 },
  cohortMonths: 24,
  explanations: true,
};

export function resolveOptions(input: AnalysisOptionsInput): AnalysisOptions {
  const options: AnalysisOptions = {
    ...DEFAULT_OPTIONS,
    ...input,
    lifecycle: { ...DEFAULT_OPTIONS.lifecycle, ...input.lifecycle },
  };
  const asOf = typeof options.asOf === "number" ? options.asOf : options.asOf.getTime();
  if (!Number.isFinite(asOf)) throw new RangeError("asOf must be a valid date");
  if (!(options.kMin >= 2 && options.kMax >= options.kMin)) throw new RangeError("need 2 ≤ kMin ≤ kMax");
  if (!(options.clvHorizonMonths > 0)) throw new RangeError("clvHorizonMonths must be positive");
  if (!(options.monthlyDiscountRate >= 0)) throw new RangeError("monthlyDiscountRate must be ≥ 0");
  if (!(options.predictionHorizonDays > 0)) throw new RangeError("predictionHorizonDays must be positive");
  if (!(options.churnRiskHighFrom > 0 && options.churnRiskHighFrom <= 1))
    throw new RangeError("churnRiskHighFrom must be in (0, 1]");
  const { atRiskBelowPAlive, churnedBelowPAlive } = options.lifecycle;
  if (!(churnedBelowPAlive <= atRiskBelowPAlive))
    throw new RangeError("churnedBelowPAlive must be ≤ atRiskBelowPAlive");
  return options;
}

export function periodDays(unit: AnalysisOptions["periodUnit"]): number {
  return unit === "week" ? 7 : 1;
}
