// BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): purchases
// follow a Poisson process with a gamma(r, α)-distributed rate while the customer is alive;
// after each purchase the customer drops out with a beta(a, b)-distributed probability.
import { minimize } from "./optimize";
import { digamma, hypergeometric2F1, logGamma } from "./special-functions";
import type { BgNbdParameters } from "./types";

/** Per-customer summaries (x, t_x, T) with identical rows merged into weights. */
export interface SummaryRows {
  count: number;
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
  /** t_x and T in whole days: the likelihood looks their logarithms up per distinct day count. */
  spanDays: Int32Array;
  ageDays: Int32Array;
  periodDays: number;
}

const LOG_BOUND = Math.log(1e6);

/**
 * Merges identical (x, span, age) triples. Spans and ages are whole days, so the key packs
 * into one exact double: x · 2³² + spanDays · 2¹⁶ + ageDays.
 */
export function compressSummaries(
  frequency: Float64Array,
  spanDays: Int32Array,
  ageDays: Int32Array,
  periodDays: number,
): { rows: SummaryRows; rowOf: Int32Array } {
  const n = frequency.length;
  const rowOf = new Int32Array(n);
  const indexByKey = new Map<number, number>();
  const x: number[] = [];
  const tx: number[] = [];
  const T: number[] = [];
  const weight: number[] = [];
  for (let c = 0; c < n; c++) {
    const age = ageDays[c];
    if (age >= 65_536 || frequency[c] >= 2 ** 20)
      throw new RangeError("customer history longer than 179 years or 1M purchase days");
    const key = frequency[c] * 4_294_967_296 + spanDays[c] * 65_536 + age;
    let index = indexByKey.get(key);
    if (index === undefined) {
      index = x.length;
      indexByKey.set(key, index);
      x.push(frequency[c]);
      tx.push(spanDays[c] / periodDays);
      T.push(age / periodDays);
      weight.push(0);
    }
    weight[index]++;
    rowOf[c] = index;
  }
  const rowsX = Float64Array.from(x);
  const rowsTx = Float64Array.from(tx);
  const rowsT = Float64Array.from(T);
  return {
    rows: {
      count: x.length,
      x: rowsX,
      tx: rowsTx,
      T: rowsT,
      weight: Float64Array.from(weight),
      spanDays: Int32Array.from(rowsTx, (v) => Math.round(v * periodDays)),
      ageDays: Int32Array.from(rowsT, (v) => Math.round(v * periodDays)),
      periodDays,
    },
    rowOf,
  };
}

/**
 * Log-likelihood of the summaries and its gradient with respect to log(r, α, a, b).
 * Terms that depend only on x are computed once per distinct x.
 */
export function bgnbdLogLikelihood(
  params: { r: number; alpha: number; a: number; b: number },
  rows: SummaryRows,
  gradient?: Float64Array,
): number {
  const { r, alpha, a, b } = params;
  const { x, weight, count } = rows;
  let maxX = 0;
  for (let i = 0; i < count; i++) if (x[i] > maxX) maxX = x[i];

  // Σ weight per distinct x, for the x-only terms.
  const weightByX = new Float64Array(maxX + 1);
  for (let i = 0; i < count; i++) weightByX[x[i]] += weight[i];

  let ll = 0;
  let dr = 0;
  let dAlpha = 0;
  let da = 0;
  let db = 0;
  const logAlpha = Math.log(alpha);
  const constantGammas = -logGamma(r) + logGamma(a + b) - logGamma(b);
  const psiR = digamma(r);
  const psiAB = digamma(a + b);
  const psiB = digamma(b);
  for (let k = 0; k <= maxX; k++) {
    const w = weightByX[k];
    if (w === 0) continue;
    // ln Γ(r+x)/Γ(r) + r ln α + ln B(a, b+x)/B(a, b)
    ll += w * (logGamma(r + k) + logGamma(b + k) - logGamma(a + b + k) + constantGammas + r * logAlpha);
    dr += w * (digamma(r + k) - psiR + logAlpha);
    dAlpha += w * (r / alpha);
    da += w * (psiAB - digamma(a + b + k));
    db += w * (psiAB + digamma(b + k) - psiB - digamma(a + b + k));
  }

  // log(α + t) for every day count present, and log(b + x − 1) per x: the row loop below
  // then needs one exp and one log1p per customer group.
  let maxDays = 0;
  for (let i = 0; i < count; i++) maxDays = Math.max(maxDays, rows.ageDays[i]);
  const logAlphaPlus = new Float64Array(maxDays + 1);
  const inverseAlphaPlus = new Float64Array(maxDays + 1);
  for (let d = 0; d <= maxDays; d++) {
    const value = alpha + d / rows.periodDays;
    logAlphaPlus[d] = Math.log(value);
    inverseAlphaPlus[d] = 1 / value;
  }
  const logBPlus = new Float64Array(maxX + 1);
  for (let k = 1; k <= maxX; k++) logBPlus[k] = Math.log(b + k - 1);

  const logA = Math.log(a);
  const { spanDays, ageDays } = rows;
  for (let i = 0; i < count; i++) {
    const w = weight[i];
    const xi = x[i];
    const logAT = logAlphaPlus[ageDays[i]];
    const l1 = -(r + xi) * logAT;
    if (xi === 0) {
      ll += w * l1;
      dr -= w * logAT;
      dAlpha -= w * r * inverseAlphaPlus[ageDays[i]];
      continue;
    }
    const logATx = logAlphaPlus[spanDays[i]];
    const l2 = logA - logBPlus[xi] - (r + xi) * logATx;
    // total = log(e^l1 + e^l2); p2 = e^(l2 − total), computed from one exponential.
    const difference = l2 - l1;
    const e = Math.exp(-Math.abs(difference));
    const total = Math.max(l1, l2) + Math.log1p(e);
    const p2 = difference > 0 ? 1 / (1 + e) : e / (1 + e);
    const p1 = 1 - p2;
    ll += w * total;
    dr -= w * (p1 * logAT + p2 * logATx);
    dAlpha -= w * (r + xi) * (p1 * inverseAlphaPlus[ageDays[i]] + p2 * inverseAlphaPlus[spanDays[i]]);
    da += (w * p2) / a;
    db -= (w * p2) / (b + xi - 1);
  }

  if (gradient) {
    gradient[0] = dr * r;
    gradient[1] = dAlpha * alpha;
    gradient[2] = da * a;
    gradient[3] = db * b;
  }
  return ll;
}

/** Maximum-likelihood fit (quasi-Newton on log-parameters, each kept in [1e-6, 1e6]). */
export function fitBgNbd(rows: SummaryRows): BgNbdParameters & { converged: boolean } {
  let totalWeight = 0;
  let meanT = 0;
  for (let i = 0; i < rows.count; i++) {
    totalWeight += rows.weight[i];
    meanT += rows.weight[i] * rows.T[i];
  }
  meanT /= totalWeight;
  const scratch = new Float64Array(4);
  // Minimise the mean negative log-likelihood so tolerances do not depend on shop size.
  const objective = (theta: Float64Array, gradient: Float64Array) => {
    const ll = bgnbdLogLikelihood(unpack(theta), rows, scratch);
    for (let i = 0; i < 4; i++) gradient[i] = -scratch[i] / totalWeight;
    return -ll / totalWeight;
  };
  const bounds = {
    lower: [-LOG_BOUND, -LOG_BOUND, -LOG_BOUND, -LOG_BOUND],
    upper: [LOG_BOUND, LOG_BOUND, LOG_BOUND, LOG_BOUND],
  };
  const start = [0, Math.log(Math.max(meanT, 1e-3)), 0, 0];
  const result = minimize(objective, start, { ...bounds, maxIterations: 500, gradientTolerance: 1e-10 });
  const params = unpack(result.x);
  return { ...params, logLikelihood: -result.value * totalWeight, converged: result.converged };
}

function unpack(theta: Float64Array) {
  return { r: Math.exp(theta[0]), alpha: Math.exp(theta[1]), a: Math.exp(theta[2]), b: Math.exp(theta[3]) };
}

/** log of the odds "dropped out after the last purchase" : "still alive". */
function logDeathOdds(p: BgNbdParameters, x: number, tx: number, T: number): number {
  if (x === 0) return -Infinity;
  return Math.log(p.a) - Math.log(p.b + x - 1) + (p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + tx));
}

/** P(alive | x, t_x, T). */
export function probabilityAlive(p: BgNbdParameters, x: number, tx: number, T: number): number {
  const odds = logDeathOdds(p, x, tx, T);
  return odds > 700 ? 0 : 1 / (1 + Math.exp(odds));
}

/**
 * E[purchases in (T, T + t] | x, t_x, T] — eq. (10) of the paper — is P(alive) times
 * this expectation for a customer known to be alive at T.
 */
export function expectedPurchasesIfAlive(p: BgNbdParameters, t: number, x: number, T: number): number {
  if (t <= 0) return 0;
  return p.a > SERIES_MAX_A
    ? expectedPurchasesIfAliveByQuadrature(p, t, x, T)
    : expectedPurchasesIfAliveBySeries(p, t, x, T);
}

/** Beyond this a, the hypergeometric series needs ~a·z/(1−z) terms and its terms overflow. */
const SERIES_MAX_A = 50;

export function expectedPurchasesIfAliveBySeries(p: BgNbdParameters, t: number, x: number, T: number): number {
  // The closed form divides by a − 1; step off the removable singularity.
  const a = Math.abs(p.a - 1) < 1e-7 ? 1 + 1e-7 : p.a;
  const z = t / (p.alpha + T + t);
  // 2F1(r+x, b+x; a+b+x−1; z) Euler-transformed to 2F1(a+b−1−r, a−1; a+b+x−1; z): its series
  // converges fast and never overflows for heavy buyers.
  const series = hypergeometric2F1(a + p.b - 1 - p.r, a - 1, a + p.b + x - 1, z);
  return Math.max(0, ((a + p.b + x - 1) / (a - 1)) * (1 - Math.pow(1 - z, a - 1) * series));
}

/**
 * The same expectation as an integral over the dropout probability: given λ and p,
 * E[Y(t)] = (1 − e^(−λpt))/p; averaging over λ ~ gamma(r+x, α+T) gives
 * (1 − ((α+T)/(α+T+pt))^(r+x))/p, then over p ~ beta(a, b+x) by Simpson's rule. Used when
 * a is large, where that beta is concentrated and nearly normal.
 */
export function expectedPurchasesIfAliveByQuadrature(p: BgNbdParameters, t: number, x: number, T: number): number {
  const shapeA = p.a;
  const shapeB = p.b + x;
  const mean = shapeA / (shapeA + shapeB);
  const sd = Math.sqrt((shapeA * shapeB) / ((shapeA + shapeB) ** 2 * (shapeA + shapeB + 1)));
  const lower = Math.max(1e-12, mean - 8 * sd);
  const upper = Math.min(1 - 1e-12, mean + 8 * sd);
  const intervals = 64;
  const h = (upper - lower) / intervals;
  const modeLogDensity = (shapeA - 1) * Math.log(mean) + (shapeB - 1) * Math.log1p(-mean);
  const base = p.alpha + T;
  let weightSum = 0;
  let sum = 0;
  for (let i = 0; i <= intervals; i++) {
    const q = lower + i * h;
    const simpson = i === 0 || i === intervals ? 1 : i % 2 === 1 ? 4 : 2;
    // Beta density up to a constant, scaled near its peak so it cannot underflow.
    const density = simpson * Math.exp((shapeA - 1) * Math.log(q) + (shapeB - 1) * Math.log1p(-q) - modeLogDensity);
    weightSum += density;
    sum += (density * -Math.expm1((p.r + x) * Math.log(base / (base + q * t)))) / q;
  }
  return sum / weightSum;
}

export function expectedPurchases(p: BgNbdParameters, t: number, x: number, tx: number, T: number): number {
  return probabilityAlive(p, x, tx, T) * expectedPurchasesIfAlive(p, t, x, T);
}

/**
 * P(at least one purchase in (T, T + t]). In BG/NBD a customer can only drop out right after a
 * purchase, so an alive customer buys next after an exponential wait with a gamma(r+x, α+T)
 * posterior rate.
 */
export function probabilityOfPurchase(p: BgNbdParameters, t: number, x: number, tx: number, T: number): number {
  const noPurchaseIfAlive = Math.pow((p.alpha + T) / (p.alpha + T + t), p.r + x);
  return probabilityAlive(p, x, tx, T) * (1 - noPurchaseIfAlive);
}

/** Median wait (in periods) until the next purchase, if the customer is alive. */
export function medianTimeToNextPurchase(p: BgNbdParameters, x: number, T: number): number {
  return (p.alpha + T) * (Math.pow(2, 1 / (p.r + x)) - 1);
}
