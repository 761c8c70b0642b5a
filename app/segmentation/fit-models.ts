// Fitting BG/NBD and Gamma-Gamma with the decision of when not to trust them. A missing
// model is never an error: predictions fall back and the reason is reported.
import { fitBgNbd, type SummaryRows } from "./bgnbd";
import { fitGammaGamma, type SpendRows } from "./gamma-gamma";
import type { BgNbdParameters, GammaGammaParameters } from "./types";

export interface FitOutcome<P> {
  params: P | null;
  /** null when the fit was not attempted. */
  converged: boolean | null;
  /** Why `params` is null. */
  reason: string | null;
}

export function fitPurchaseModel(summaries: SummaryRows, repeatCustomers: number, minRepeatCustomers: number): FitOutcome<BgNbdParameters> {
  if (repeatCustomers < minRepeatCustomers) {
    return {
      params: null,
      converged: null,
      reason: `only ${repeatCustomers} repeat customers (need ${minRepeatCustomers}) to fit BG/NBD; predictions use the recency/frequency heuristic`,
    };
  }
  const { converged, ...params } = fitBgNbd(summaries);
  if (!converged || !Object.values(params).every(Number.isFinite)) {
    return { params: null, converged, reason: "BG/NBD fit did not converge; predictions use the recency/frequency heuristic" };
  }
  return { params, converged, reason: null };
}

export function fitSpendModel(spend: SpendRows, minCustomers: number): FitOutcome<GammaGammaParameters> {
  if (spend.count < minCustomers) {
    return { params: null, converged: null, reason: `only ${spend.count} customers with repeat spend to fit Gamma-Gamma; order values use shrunk averages` };
  }
  const { converged, ...params } = fitGammaGamma(spend);
  // q ≤ 1 means the model's mean spend is infinite: useless for CLV.
  if (!converged || !(params.q > 1) || !Object.values(params).every(Number.isFinite)) {
    return { params: null, converged, reason: "Gamma-Gamma fit did not converge or has no finite mean (q ≤ 1); order values use shrunk averages" };
  }
  return { params, converged, reason: null };
}
