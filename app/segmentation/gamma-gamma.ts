// Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005; Fader & Hardie 2013):
// each transaction value is gamma(p, ν) with ν ~ gamma(q, γ) across customers. Fitted on
// customers with repeat purchases, using their mean repeat spend m̄ over x transactions.
import { minimize } from "./optimize";
import { digamma, logGamma } from "./special-functions";
import type { GammaGammaParameters } from "./types";

const LOG_BOUND = Math.log(1e6);

export interface SpendRows {
  count: number;
  /** Repeat transactions x > 0. */
  x: Float64Array;
  /** Mean repeat spend m̄ > 0. */
  spend: Float64Array;
}

/** Customers with x > 0 and positive mean repeat spend: the only ones the model describes. */
export function spendRows(frequency: Float64Array, repeatSpend: Float64Array): SpendRows {
  let count = 0;
  for (let c = 0; c < frequency.length; c++) if (frequency[c] > 0 && repeatSpend[c] > 0) count++;
  const x = new Float64Array(count);
  const spend = new Float64Array(count);
  let i = 0;
  for (let c = 0; c < frequency.length; c++) {
    if (frequency[c] > 0 && repeatSpend[c] > 0) {
      x[i] = frequency[c];
      spend[i++] = repeatSpend[c];
    }
  }
  return { count, x, spend };
}

/**
 * Σ log f(m̄ | p, q, γ, x) with f = Γ(px+q)/(Γ(px)Γ(q)) · γ^q m̄^(px−1) x^(px) / (γ + x m̄)^(px+q),
 * plus the gradient with respect to log(p, q, γ).
 */
export function gammaGammaLogLikelihood(params: { p: number; q: number; gamma: number }, rows: SpendRows, gradient?: Float64Array): number {
  const { p, q, gamma } = params;
  const { x, spend, count } = rows;
  const logGammaQ = logGamma(q);
  const psiQ = digamma(q);
  const logG = Math.log(gamma);
  let ll = 0;
  let dp = 0;
  let dq = 0;
  let dGamma = 0;
  // Gamma-function terms depend on x only; cache the last one (rows cluster on small x).
  let cachedX = -1;
  let gammaTerms = 0;
  let psiPxq = 0;
  let psiPx = 0;
  for (let i = 0; i < count; i++) {
    const xi = x[i];
    if (xi !== cachedX) {
      cachedX = xi;
      gammaTerms = logGamma(p * xi + q) - logGamma(p * xi) - logGammaQ;
      psiPxq = digamma(p * xi + q);
      psiPx = digamma(p * xi);
    }
    const m = spend[i];
    const logM = Math.log(m);
    const logX = Math.log(xi);
    const logDenominator = Math.log(gamma + xi * m);
    ll += gammaTerms + q * logG + (p * xi - 1) * logM + p * xi * logX - (p * xi + q) * logDenominator;
    dp += xi * (psiPxq - psiPx + logM + logX - logDenominator);
    dq += psiPxq - psiQ + logG - logDenominator;
    dGamma += q / gamma - (p * xi + q) / (gamma + xi * m);
  }
  if (gradient) {
    gradient[0] = dp * p;
    gradient[1] = dq * q;
    gradient[2] = dGamma * gamma;
  }
  return ll;
}

export function fitGammaGamma(rows: SpendRows): GammaGammaParameters & { converged: boolean } {
  let meanSpend = 0;
  for (let i = 0; i < rows.count; i++) meanSpend += rows.spend[i];
  meanSpend /= rows.count;
  const scratch = new Float64Array(3);
  const objective = (theta: Float64Array, gradient: Float64Array) => {
    const ll = gammaGammaLogLikelihood(unpack(theta), rows, scratch);
    for (let i = 0; i < 3; i++) gradient[i] = -scratch[i] / rows.count;
    return -ll / rows.count;
  };
  // Start at p = 1, q = 2 with γ matching the observed mean spend (E[M] = pγ/(q−1)).
  const start = [0, Math.log(2), Math.log(Math.max(meanSpend, 1e-3))];
  const result = minimize(objective, start, {
    lower: [-LOG_BOUND, -LOG_BOUND, -LOG_BOUND],
    upper: [LOG_BOUND, LOG_BOUND, LOG_BOUND],
    maxIterations: 500,
    gradientTolerance: 1e-10,
  });
  return { ...unpack(result.x), logLikelihood: -result.value * rows.count, converged: result.converged };
}

function unpack(theta: Float64Array) {
  return { p: Math.exp(theta[0]), q: Math.exp(theta[1]), gamma: Math.exp(theta[2]) };
}

/** E[M | p, q, γ, m̄, x]: a credibility-weighted mix of the population mean and m̄. */
export function expectedAverageSpend(params: GammaGammaParameters, x: number, meanSpend: number): number {
  const { p, q, gamma } = params;
  return (p * (gamma + x * meanSpend)) / (p * x + q - 1);
}
