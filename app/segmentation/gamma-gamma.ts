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
  /** log m̄ and log x, constant during a fit. */
  logSpend: Float64Array;
  logX: Float64Array;
  maxX: number;
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
  return withLogs(x, spend);
}

export function withLogs(x: Float64Array, spend: Float64Array): SpendRows {
  let maxX = 0;
  for (let i = 0; i < x.length; i++) maxX = Math.max(maxX, x[i]);
  return { count: x.length, x, spend, logSpend: spend.map(Math.log), logX: x.map(Math.log), maxX };
}

/**
 * Σ log f(m̄ | p, q, γ, x) with f = Γ(px+q)/(Γ(px)Γ(q)) · γ^q m̄^(px−1) x^(px) / (γ + x m̄)^(px+q),
 * plus the gradient with respect to log(p, q, γ).
 */
export function gammaGammaLogLikelihood(
  params: { p: number; q: number; gamma: number },
  rows: SpendRows,
  gradient?: Float64Array,
): number {
  const { p, q, gamma } = params;
  const { x, spend, logSpend, logX, count, maxX } = rows;
  // Gamma-function terms depend on x only: once per distinct x, not per customer.
  const logGammaQ = logGamma(q);
  const gammaTerms = new Float64Array(maxX + 1);
  const psiDifference = new Float64Array(maxX + 1);
  const psiPxq = new Float64Array(maxX + 1);
  const seen = new Uint8Array(maxX + 1);
  for (let i = 0; i < count; i++) seen[x[i]] = 1;
  for (let k = 1; k <= maxX; k++) {
    if (!seen[k]) continue;
    gammaTerms[k] = logGamma(p * k + q) - logGamma(p * k) - logGammaQ;
    psiPxq[k] = digamma(p * k + q);
    psiDifference[k] = psiPxq[k] - digamma(p * k);
  }
  const psiQ = digamma(q);
  const logG = Math.log(gamma);
  let ll = 0;
  let dp = 0;
  let dq = 0;
  let dGamma = 0;
  for (let i = 0; i < count; i++) {
    const xi = x[i];
    const logM = logSpend[i];
    const denominator = gamma + xi * spend[i];
    const logDenominator = Math.log(denominator);
    const px = p * xi;
    ll += gammaTerms[xi] + q * logG + (px - 1) * logM + px * logX[i] - (px + q) * logDenominator;
    dp += xi * (psiDifference[xi] + logM + logX[i] - logDenominator);
    dq += psiPxq[xi] - psiQ + logG - logDenominator;
    dGamma += q / gamma - (px + q) / denominator;
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
