// Pareto/NBD (Schmittlein, Morrison & Colombo 1987; likelihood as in Fader & Hardie's notes):
// while alive a customer buys at a Poisson rate λ ~ gamma(r, α) and dies at an exponential
// time with rate μ ~ gamma(s, β), at any moment rather than only after a purchase (BG/NBD).
//
// Integrating over the death time τ ∈ (t_x, T] gives the likelihood of (x, t_x, T)
//   L = Γ(r+x) α^r β^s / Γ(r) · [ h(T) + s ∫_{t_x}^T (α+y)^−(r+x) (β+y)^−(s+1) dy ],
//   h(t) = (α+t)^−(r+x) (β+t)^−s.
// The integral is a difference of two tails ∫_t^∞, each in closed form through a Gauss
// hypergeometric function (see `logTailBySeries`): written on the larger of α, β so that the
// argument z = |α−β| / (max(α,β) + t) lies in [0, 1), and Euler-transformed to 2F1(A, 1; C; z)
// with A < C, whose terms fall monotonically by at least z per step. The same sum yields the
// analytic gradient: ∂/∂A, ∂/∂C and ∂/∂z of 2F1 accumulate alongside its terms. Where z > 1/2
// (α and β far apart) the series is slow and Gauss–Legendre quadrature takes over (`logIntegral`).
import type { SummaryRows } from "./bgnbd";
import { minimize } from "./optimize";
import { digamma, logGamma } from "./special-functions";
import type { ParetoNbdParameters } from "./types";

export type { ParetoNbdParameters };

const LOG_BOUND = Math.log(1e6);

/** log ∫ (m+y)^−pm (k+y)^−pk dy over some range and its partial derivatives, for m ≥ k > 0, pm + pk > 1. */
export interface LogIntegral {
  value: number;
  dPm: number;
  dPk: number;
  dM: number;
  dK: number;
}

const SERIES_MAX_TERMS = 20_000;

/**
 * ∫_t^∞ (m+y)^−pm (k+y)^−pk dy = (m+t)^−pm (k+t)^(1−pk) · 2F1(pm, 1; P+1; z) / P with
 * P = pm + pk − 1, z = (m−k)/(m+t). Expanding (k+y)^−pk = (m+y)^−pk (1 − (m−k)/(m+y))^−pk in
 * powers of (m−k)/(m+y) and integrating term by term gives 2F1(pk, P; P+1; z)(m+t)^−P / P;
 * Euler's transformation turns it into the form above. Used only where z ≤ 1/2 (see logIntegral).
 */
function logTailBySeries(m: number, pm: number, k: number, pk: number, t: number, out: LogIntegral): LogIntegral {
  const P = pm + pk - 1;
  const C = P + 1;
  const mt = m + t;
  const kt = k + t;
  const z = (m - k) / mt;
  // Σ_n term_n with term_n = Π_{j<n} (pm+j)/(C+j) · zⁿ, and the term-weighted sums for the
  // derivatives: ∂ log term_n/∂pm = Σ 1/(pm+j), ∂/∂C = −Σ 1/(C+j), ∂/∂z = n/z.
  let sum = 1;
  let sumA = 0;
  let sumC = 0;
  let sumN = 0;
  let dZ: number;
  if (z > 0) {
    let term = 1;
    let harmonicA = 0;
    let harmonicC = 0;
    for (let n = 1; n <= SERIES_MAX_TERMS; n++) {
      harmonicA += 1 / (pm + n - 1);
      harmonicC += 1 / (C + n - 1);
      term *= ((pm + n - 1) / (C + n - 1)) * z;
      sum += term;
      sumA += term * harmonicA;
      sumC -= term * harmonicC;
      sumN += term * n;
      // Terms shrink at least geometrically (ratio < z): what is left is below term·n/(1−z).
      if (term * (n + harmonicA + harmonicC) < 1e-16 * sum * (1 - z)) break;
    }
    dZ = sumN / z / sum;
  } else {
    dZ = pm / C;
  }
  const gA = sumA / sum;
  const gC = sumC / sum;
  out.value = -pm * Math.log(mt) - (pk - 1) * Math.log(kt) - Math.log(P) + Math.log(sum);
  out.dPm = -Math.log(mt) - 1 / P + gA + gC;
  out.dPk = -Math.log(kt) - 1 / P + gC;
  out.dM = -pm / mt + (dZ * kt) / (mt * mt);
  out.dK = -(pk - 1) / kt - dZ / mt;
  return out;
}

const GAUSS_NODES = 16;
/** The most the log-integrand may change across one quadrature panel. */
const PANEL_CHANGE = 8;
const { nodes: GL_NODES, weights: GL_WEIGHTS } = gaussLegendre(GAUSS_NODES);

/** Nodes and weights on [0, 1] (Newton on the Legendre polynomial from Chebyshev guesses). */
function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p0 = 1;
      let p1 = x;
      for (let j = 2; j <= n; j++) {
        const p2 = ((2 * j - 1) * x * p1 - (j - 1) * p0) / j;
        p0 = p1;
        p1 = p2;
      }
      derivative = (n * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / derivative;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    nodes[i] = 0.5 * (1 - x);
    weights[i] = 1 / ((1 - x * x) * derivative * derivative);
  }
  return { nodes, weights };
}

/**
 * ∫_lo^hi (m+y)^−pm (k+y)^−pk dy for k + hi ≤ m − k by Gauss–Legendre in u = log((k+y)/(k+lo)).
 * The log-integrand is concave in u, its slope (1−pk) − pm·(k+y)/(m+y) falling monotonically, so
 * on any panel the slope is steepest at one of its ends; each panel is made as wide as keeps the
 * log-integrand's change on it within 8, which carries a 16-point rule to full precision. Panel
 * widths follow the local slope, not the steepest anywhere: with a large pm (a line search may
 * try r = α = 10⁶ at the box's corner) a uniform width would take millions of panels per customer,
 * and one evaluation of the likelihood minutes. Once the integrand decreases and a panel adds
 * less than 1e−18 of the sum, the rest cannot matter.
 */
function logIntegralByQuadrature(
  m: number,
  pm: number,
  k: number,
  pk: number,
  lo: number,
  hi: number,
  out: LogIntegral,
): LogIntegral {
  const kt = k + lo;
  const uEnd = Math.log((k + hi) / kt);
  const logIntegrand = (u: number) => {
    const ky = kt * Math.exp(u);
    return (1 - pk) * Math.log(ky) - pm * Math.log(m - k + ky);
  };
  const slope = (u: number) => {
    const ky = kt * Math.exp(u);
    return 1 - pk - (pm * ky) / (m - k + ky);
  };
  const reference = Math.max(logIntegrand(0), logIntegrand(uEnd));
  let sum = 0;
  let sumPm = 0;
  let sumPk = 0;
  let sumM = 0;
  let sumK = 0;
  for (let start = 0; start < uEnd;) {
    let width = Math.min(uEnd - start, PANEL_CHANGE / Math.max(1, Math.abs(slope(start))));
    const steepestAtEnd = Math.abs(slope(start + width));
    if (steepestAtEnd * width > PANEL_CHANGE) width = PANEL_CHANGE / steepestAtEnd;
    let panelSum = 0;
    for (let i = 0; i < GAUSS_NODES; i++) {
      const u = start + width * GL_NODES[i];
      const ky = kt * Math.exp(u);
      const my = m - k + ky;
      const logKy = Math.log(ky);
      const logMy = Math.log(my);
      const value = width * GL_WEIGHTS[i] * Math.exp((1 - pk) * logKy - pm * logMy - reference);
      panelSum += value;
      sumPm -= value * logMy;
      sumPk -= value * logKy;
      sumM -= (value * pm) / my;
      sumK -= (value * pk) / ky;
    }
    sum += panelSum;
    start = width === uEnd - start ? uEnd : start + width;
    if (slope(start) < 0 && panelSum < 1e-18 * sum) break;
  }
  out.value = reference + Math.log(sum);
  out.dPm = sumPm / sum;
  out.dPk = sumPk / sum;
  out.dM = sumM / sum;
  out.dK = sumK / sum;
  return out;
}

/**
 * log ∫_lo^hi (m+y)^−pm (k+y)^−pk dy (lo < hi) with its derivatives. The tail series needs
 * ~35/(1−z) terms, hopeless when m ≫ k + lo (a drop-out rate near zero drives β to its bound),
 * so the range is split where z = 1/2, at y = m − 2k: below it by quadrature, above it as a
 * difference of two series tails.
 */
export function logIntegral(
  m: number,
  pm: number,
  k: number,
  pk: number,
  lo: number,
  hi: number,
  out: LogIntegral,
): LogIntegral {
  const half = m - 2 * k;
  if (hi <= half) return logIntegralByQuadrature(m, pm, k, pk, lo, hi, out);
  const start = Math.max(lo, half);
  logTailDifference(m, pm, k, pk, start, hi, out);
  if (lo < half) logAddInPlace(out, logIntegralByQuadrature(m, pm, k, pk, lo, half, SCRATCH));
  return out;
}

const newIntegral = (): LogIntegral => ({ value: 0, dPm: 0, dPk: 0, dM: 0, dK: 0 });
const SCRATCH = newIntegral();
const SCRATCH_TAIL = newIntegral();

/** tail(lo) − tail(hi) for lo < hi with z(lo) ≤ 1/2, in logs. */
function logTailDifference(
  m: number,
  pm: number,
  k: number,
  pk: number,
  lo: number,
  hi: number,
  out: LogIntegral,
): LogIntegral {
  logTailBySeries(m, pm, k, pk, lo, out);
  if (hi === Infinity) return out;
  const far = logTailBySeries(m, pm, k, pk, hi, SCRATCH_TAIL);
  const ratio = Math.exp(far.value - out.value);
  // d log(A − B) = (dA·A − dB·B)/(A − B) with B/A = ratio.
  const scale = 1 / (1 - ratio);
  out.value += Math.log(-Math.expm1(far.value - out.value));
  out.dPm = scale * (out.dPm - ratio * far.dPm);
  out.dPk = scale * (out.dPk - ratio * far.dPk);
  out.dM = scale * (out.dM - ratio * far.dM);
  out.dK = scale * (out.dK - ratio * far.dK);
  return out;
}

/** out ← log(e^out + e^other), derivatives weighted by each part's share. */
function logAddInPlace(out: LogIntegral, other: LogIntegral): void {
  const high = Math.max(out.value, other.value);
  const a = Math.exp(out.value - high);
  const b = Math.exp(other.value - high);
  const total = a + b;
  out.value = high + Math.log(total);
  out.dPm = (a * out.dPm + b * other.dPm) / total;
  out.dPk = (a * out.dPk + b * other.dPk) / total;
  out.dM = (a * out.dM + b * other.dM) / total;
  out.dK = (a * out.dK + b * other.dK) / total;
}

/** log ∫_lo^hi (α+y)^−pa (β+y)^−pb dy and its derivatives by (pa, pb, α, β), expanded on whichever of α, β is larger. */
interface OrientedIntegral {
  value: number;
  dPa: number;
  dPb: number;
  dAlpha: number;
  dBeta: number;
}

function orientedLogIntegral(
  alpha: number,
  pa: number,
  beta: number,
  pb: number,
  lo: number,
  hi: number,
  out: OrientedIntegral,
): OrientedIntegral {
  const scratch = ORIENTED_SCRATCH;
  if (alpha >= beta) {
    logIntegral(alpha, pa, beta, pb, lo, hi, scratch);
    out.dPa = scratch.dPm;
    out.dPb = scratch.dPk;
    out.dAlpha = scratch.dM;
    out.dBeta = scratch.dK;
  } else {
    logIntegral(beta, pb, alpha, pa, lo, hi, scratch);
    out.dPa = scratch.dPk;
    out.dPb = scratch.dPm;
    out.dAlpha = scratch.dK;
    out.dBeta = scratch.dM;
  }
  out.value = scratch.value;
  return out;
}

const ORIENTED_SCRATCH = newIntegral();
const newOriented = (): OrientedIntegral => ({ value: 0, dPa: 0, dPb: 0, dAlpha: 0, dBeta: 0 });

/**
 * Log-likelihood of the summaries and its analytic gradient with respect to log(r, α, s, β).
 * Time is in the rows' periods (t_x, T as in BG/NBD).
 */
export function paretoNbdLogLikelihood(
  params: { r: number; alpha: number; s: number; beta: number },
  rows: SummaryRows,
  gradient?: Float64Array,
): number {
  const { r, alpha, s, beta } = params;
  const { x, tx, T, weight, count } = rows;
  let maxX = 0;
  for (let i = 0; i < count; i++) if (x[i] > maxX) maxX = x[i];
  const weightByX = new Float64Array(maxX + 1);
  for (let i = 0; i < count; i++) weightByX[x[i]] += weight[i];

  // ln Γ(r+x)/Γ(r) + r ln α + s ln β, once per distinct x.
  let ll = 0;
  let dr = 0;
  let dAlpha = 0;
  let ds = 0;
  let dBeta = 0;
  const logAlpha = Math.log(alpha);
  const logBeta = Math.log(beta);
  const logGammaR = logGamma(r);
  const psiR = digamma(r);
  for (let k = 0; k <= maxX; k++) {
    const w = weightByX[k];
    if (w === 0) continue;
    ll += w * (logGamma(r + k) - logGammaR + r * logAlpha + s * logBeta);
    dr += w * (digamma(r + k) - psiR + logAlpha);
    dAlpha += (w * r) / alpha;
    ds += w * logBeta;
    dBeta += (w * s) / beta;
  }

  const died = newOriented();
  const logS = Math.log(s);
  for (let i = 0; i < count; i++) {
    const w = weight[i];
    const px = r + x[i];
    const ageT = T[i];
    const logAlphaT = Math.log(alpha + ageT);
    const logBetaT = Math.log(beta + ageT);
    const logAliveTerm = -px * logAlphaT - s * logBetaT;
    if (!(ageT > tx[i])) {
      // Last purchase on the as-of day: no room to have died unobserved.
      ll += w * logAliveTerm;
      dr -= w * logAlphaT;
      dAlpha -= (w * px) / (alpha + ageT);
      ds -= w * logBetaT;
      dBeta -= (w * s) / (beta + ageT);
      continue;
    }
    orientedLogIntegral(alpha, px, beta, s + 1, tx[i], ageT, died);
    // log(h(T) + s · ∫_{t_x}^T …)
    const logDiedTerm = logS + died.value;
    const high = Math.max(logAliveTerm, logDiedTerm);
    const logTotal = high + Math.log(Math.exp(logAliveTerm - high) + Math.exp(logDiedTerm - high));
    ll += w * logTotal;
    if (!gradient) continue;
    const alive = Math.exp(logAliveTerm - logTotal);
    const dead = 1 - alive;
    dr += w * (-alive * logAlphaT + dead * died.dPa);
    dAlpha += w * ((-alive * px) / (alpha + ageT) + dead * died.dAlpha);
    ds += w * (-alive * logBetaT + dead * (1 / s + died.dPb));
    dBeta += w * ((-alive * s) / (beta + ageT) + dead * died.dBeta);
  }
  if (gradient) {
    gradient[0] = dr * r;
    gradient[1] = dAlpha * alpha;
    gradient[2] = ds * s;
    gradient[3] = dBeta * beta;
  }
  return ll;
}

export interface ParetoNbdFit extends ParetoNbdParameters {
  converged: boolean;
  iterations: number;
  /** Optimiser coordinates log(r, α, s, β) at the optimum. */
  logParams: Float64Array;
}

/** Maximum-likelihood fit: quasi-Newton on log-parameters with the analytic gradient, each parameter in [1e-6, 1e6]. */
export function fitParetoNbd(rows: SummaryRows): ParetoNbdFit {
  let totalWeight = 0;
  let meanT = 0;
  for (let i = 0; i < rows.count; i++) {
    totalWeight += rows.weight[i];
    meanT += rows.weight[i] * rows.T[i];
  }
  meanT /= totalWeight;
  const scratch = new Float64Array(4);
  const objective = (theta: Float64Array, gradient: Float64Array) => {
    const ll = paretoNbdLogLikelihood(unpackParetoNbd(theta), rows, scratch);
    for (let i = 0; i < 4; i++) gradient[i] = -scratch[i] / totalWeight;
    return -ll / totalWeight;
  };
  const logMeanT = Math.log(Math.max(meanT, 1e-3));
  const result = minimize(objective, [0, logMeanT, 0, logMeanT], {
    lower: [-LOG_BOUND, -LOG_BOUND, -LOG_BOUND, -LOG_BOUND],
    upper: [LOG_BOUND, LOG_BOUND, LOG_BOUND, LOG_BOUND],
    maxIterations: 500,
    gradientTolerance: 1e-10,
  });
  return {
    ...unpackParetoNbd(result.x),
    logLikelihood: -result.value * totalWeight,
    converged: result.converged,
    iterations: result.iterations,
    logParams: result.x,
  };
}

export function unpackParetoNbd(theta: ArrayLike<number>) {
  return { r: Math.exp(theta[0]), alpha: Math.exp(theta[1]), s: Math.exp(theta[2]), beta: Math.exp(theta[3]) };
}

/** log of the odds "died in (t_x, T]" : "alive at T". */
function logDeathOdds(p: Omit<ParetoNbdParameters, "logLikelihood">, x: number, tx: number, T: number): number {
  if (!(T > tx)) return -Infinity;
  const died = orientedLogIntegral(p.alpha, p.r + x, p.beta, p.s + 1, tx, T, newOriented());
  const logAlive = -(p.r + x) * Math.log(p.alpha + T) - p.s * Math.log(p.beta + T);
  return Math.log(p.s) + died.value - logAlive;
}

/** P(alive at T | x, t_x, T). */
export function paretoNbdProbabilityAlive(
  p: Omit<ParetoNbdParameters, "logLikelihood">,
  x: number,
  tx: number,
  T: number,
): number {
  const odds = logDeathOdds(p, x, tx, T);
  return odds > 700 ? 0 : 1 / (1 + Math.exp(odds));
}

/**
 * E[purchases in (T, T+t] | alive at T]: the posterior is λ ~ gamma(r+x, α+T), μ ~ gamma(s, β+T),
 * and E[λ/μ (1 − e^(−μt))] = (r+x)/(α+T) · (β+T)/(s−1) · (1 − ((β+T)/(β+T+t))^(s−1)).
 */
export function paretoNbdExpectedPurchasesIfAlive(
  p: Omit<ParetoNbdParameters, "logLikelihood">,
  t: number,
  x: number,
  T: number,
): number {
  if (t <= 0) return 0;
  const base = p.beta + T;
  const logRatio = Math.log1p(t / base); // ln((β+T+t)/(β+T))
  const sMinusOne = p.s - 1;
  // (1 − e^(−(s−1)L))/(s−1) → L as s → 1; expm1 keeps it accurate on both sides.
  const factor = Math.abs(sMinusOne * logRatio) < 1e-12 ? logRatio : -Math.expm1(-sMinusOne * logRatio) / sMinusOne;
  return ((p.r + x) / (p.alpha + T)) * base * factor;
}

export function paretoNbdExpectedPurchases(
  p: Omit<ParetoNbdParameters, "logLikelihood">,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  return paretoNbdProbabilityAlive(p, x, tx, T) * paretoNbdExpectedPurchasesIfAlive(p, t, x, T);
}

/**
 * P(at least one purchase in (T, T+t] | x, t_x, T). Alive at T, the next purchase comes before
 * death and before T+t with probability E[λ/(λ+μ)(1 − e^(−(λ+μ)t))] = ∫_0^t E[λe^(−λu)] E[e^(−μu)] du
 * = (r+x)(α+T)^(r+x)(β+T)^s ∫_T^(T+t) (α+y)^−(r+x+1) (β+y)^−s dy.
 */
export function paretoNbdProbabilityOfPurchase(
  p: Omit<ParetoNbdParameters, "logLikelihood">,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  if (t <= 0) return 0;
  return paretoNbdProbabilityAlive(p, x, tx, T) * paretoNbdProbabilityOfPurchaseIfAlive(p, t, x, T);
}

/** P(at least one purchase in (T, T+t] | alive at T, x, T). */
export function paretoNbdProbabilityOfPurchaseIfAlive(
  p: Omit<ParetoNbdParameters, "logLikelihood">,
  t: number,
  x: number,
  T: number,
): number {
  if (t <= 0) return 0;
  const pa = p.r + x + 1;
  const integral = orientedLogIntegral(p.alpha, pa, p.beta, p.s, T, T + t, newOriented());
  const logScale = Math.log(p.r + x) + (p.r + x) * Math.log(p.alpha + T) + p.s * Math.log(p.beta + T);
  return Math.min(1, Math.exp(logScale + integral.value));
}

/** Median wait (in periods) until the next purchase of a customer who stays alive: rate λ ~ gamma(r+x, α+T). */
export function paretoNbdMedianTimeToNextPurchase(
  p: Omit<ParetoNbdParameters, "logLikelihood">,
  x: number,
  T: number,
): number {
  return (p.alpha + T) * (Math.pow(2, 1 / (p.r + x)) - 1);
}
