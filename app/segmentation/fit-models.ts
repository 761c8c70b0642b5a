// Fitting BG/NBD and Gamma-Gamma with the decision of when not to trust them. A missing
// model is never an error: predictions fall back and the reason is reported.
//
// A BG/NBD fit with an unusable diagnosis (a parameter on the optimiser's box, typically
// "no drop-out": P(alive) = 1 for everyone) is not used. Pareto/NBD is fitted on the same rows
// instead: it lets customers die at any time, so long-silent one-time buyers — whom BG/NBD
// can only explain by slow purchase rates — count as evidence of drop-out. If Pareto/NBD
// fits cleanly it drives the purchase predictions; otherwise the recency/frequency heuristic does.
import { bgnbdLogLikelihood, fitBgNbd, type SummaryRows } from "./bgnbd";
import {
  BGNBD_DESCRIPTION,
  diagnoseFit,
  GAMMA_GAMMA_DESCRIPTION,
  isUnusable,
  PARETO_NBD_DESCRIPTION,
  type FitDiagnosis,
  type FitWarning,
} from "./fit-diagnostics";
import { fitGammaGamma, gammaGammaLogLikelihood, type SpendRows } from "./gamma-gamma";
import { fitParetoNbd, paretoNbdLogLikelihood } from "./pareto-nbd";
import type { BgNbdParameters, GammaGammaParameters, ParetoNbdParameters } from "./types";

export interface FitOutcome<P> {
  params: P | null;
  /** null when the fit was not attempted. */
  converged: boolean | null;
  /** Why `params` is null. */
  reason: string | null;
  /** What the fit found, also when it was set aside; null when not attempted. */
  estimate: P | null;
  /** Natural-scale standard errors of `estimate` by parameter name (NaN where undefined). */
  standardErrors: Record<string, number> | null;
  /** Diagnosis of the fit: machine codes with plain-language messages. */
  warnings: FitWarning[];
}

export interface PurchaseModelOutcome extends FitOutcome<BgNbdParameters> {
  /** Fitted only when BG/NBD was unusable; its `params`, when not null, drive the predictions. */
  paretoNbd: FitOutcome<ParetoNbdParameters> | null;
}

const HEURISTIC = "predictions use the recency/frequency heuristic";

export function fitPurchaseModel(
  summaries: SummaryRows,
  repeatCustomers: number,
  minRepeatCustomers: number,
): PurchaseModelOutcome {
  if (repeatCustomers < minRepeatCustomers) {
    return {
      ...notAttempted(
        `only ${repeatCustomers} repeat customers (need ${minRepeatCustomers}) to fit BG/NBD; ${HEURISTIC}`,
      ),
      paretoNbd: null,
    };
  }
  const { converged, ...params } = fitBgNbd(summaries);
  if (!converged || !Object.values(params).every(Number.isFinite)) {
    const pareto = fitUsableParetoNbd(summaries);
    const fallback = pareto.params ? "predictions use Pareto/NBD instead" : HEURISTIC;
    return {
      params: null,
      converged,
      reason: `BG/NBD fit did not converge; ${fallback}`,
      estimate: params,
      standardErrors: null,
      warnings: [],
      paretoNbd: pareto,
    };
  }
  const diagnosis = diagnoseBgNbd(params, converged, summaries);
  const bgnbd = { converged, estimate: params, standardErrors: diagnosis.standardErrors, warnings: diagnosis.warnings };
  if (!isUnusable(diagnosis.warnings)) return { ...bgnbd, params, reason: null, paretoNbd: null };

  const problem = diagnosis.warnings.find((w) => w.severity === "unusable")!.message;
  const pareto = fitUsableParetoNbd(summaries);
  const reason = pareto.params
    ? `${problem}; predictions use Pareto/NBD instead, which fits this history without that problem`
    : `${problem}; Pareto/NBD was no better (${pareto.reason}), so ${HEURISTIC}`;
  return { ...bgnbd, params: null, reason, paretoNbd: pareto };
}

function fitUsableParetoNbd(summaries: SummaryRows): FitOutcome<ParetoNbdParameters> {
  const { converged, r, alpha, s, beta, logLikelihood } = fitParetoNbd(summaries);
  const params = { r, alpha, s, beta, logLikelihood };
  if (!Object.values(params).every(Number.isFinite)) {
    return {
      params: null,
      converged,
      reason: "the Pareto/NBD fit is not finite",
      estimate: params,
      standardErrors: null,
      warnings: [],
    };
  }
  const diagnosis = diagnoseParetoNbd(params, converged, summaries);
  const unusable = diagnosis.warnings.find((w) => w.severity === "unusable");
  return {
    params: unusable ? null : params,
    converged,
    reason: unusable ? unusable.message : null,
    estimate: params,
    standardErrors: diagnosis.standardErrors,
    warnings: diagnosis.warnings,
  };
}

export function fitSpendModel(spend: SpendRows, minCustomers: number): FitOutcome<GammaGammaParameters> {
  if (spend.count < minCustomers) {
    return notAttempted(
      `only ${spend.count} customers with repeat spend to fit Gamma-Gamma; order values use shrunk averages`,
    );
  }
  const { converged, ...params } = fitGammaGamma(spend);
  // q ≤ 1 means the model's mean spend is infinite: useless for CLV.
  if (!converged || !(params.q > 1) || !Object.values(params).every(Number.isFinite)) {
    return {
      params: null,
      converged,
      reason: "Gamma-Gamma fit did not converge or has no finite mean (q ≤ 1); order values use shrunk averages",
      estimate: params,
      standardErrors: null,
      warnings: [],
    };
  }
  const diagnosis = diagnoseGammaGamma(params, converged, spend);
  const unusable = diagnosis.warnings.find((w) => w.severity === "unusable");
  return {
    params: unusable ? null : params,
    converged,
    reason: unusable ? `${unusable.message}; order values use shrunk averages` : null,
    estimate: params,
    standardErrors: diagnosis.standardErrors,
    warnings: diagnosis.warnings,
  };
}

function notAttempted<P>(reason: string): FitOutcome<P> {
  return { params: null, converged: null, reason, estimate: null, standardErrors: null, warnings: [] };
}

export function diagnoseBgNbd(params: BgNbdParameters, converged: boolean, rows: SummaryRows): FitDiagnosis {
  return diagnoseFit({
    description: BGNBD_DESCRIPTION,
    values: [params.r, params.alpha, params.a, params.b],
    converged,
    logLikelihoodAt: (theta, gradient) => {
      const [r, alpha, a, b] = Array.from(theta, Math.exp);
      return bgnbdLogLikelihood({ r, alpha, a, b }, rows, gradient);
    },
  });
}

export function diagnoseParetoNbd(params: ParetoNbdParameters, converged: boolean, rows: SummaryRows): FitDiagnosis {
  return diagnoseFit({
    description: PARETO_NBD_DESCRIPTION,
    values: [params.r, params.alpha, params.s, params.beta],
    converged,
    logLikelihoodAt: (theta, gradient) => {
      const [r, alpha, s, beta] = Array.from(theta, Math.exp);
      return paretoNbdLogLikelihood({ r, alpha, s, beta }, rows, gradient);
    },
  });
}

export function diagnoseGammaGamma(params: GammaGammaParameters, converged: boolean, rows: SpendRows): FitDiagnosis {
  return diagnoseFit({
    description: GAMMA_GAMMA_DESCRIPTION,
    values: [params.p, params.q, params.gamma],
    converged,
    logLikelihoodAt: (theta, gradient) => {
      const [p, q, gamma] = Array.from(theta, Math.exp);
      return gammaGammaLogLikelihood({ p, q, gamma }, rows, gradient);
    },
  });
}
