// Special functions for the likelihoods and predictions. Written for positive real arguments,
// which is all the models ever pass.

// Lanczos approximation (g = 7, 9 terms): relative error below 1e-15 for x > 0.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

export function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection keeps the series in its accurate range.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ψ(x) = d/dx log Γ(x): recurrence up to x ≥ 10, then the asymptotic series. */
export function digamma(x: number): number {
  let result = 0;
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  return (
    result +
    Math.log(x) -
    0.5 * inv -
    inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))))
  );
}

/**
 * Gauss hypergeometric series 2F1(a, b; c; z) for 0 ≤ z < 1. Callers transform their
 * arguments so that the terms shrink quickly (see bgnbd.ts); the cap only guards z → 1.
 */
export function hypergeometric2F1(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 10_000; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    sum += term;
    if (Math.abs(term) <= 1e-14 * Math.abs(sum)) break;
  }
  return sum;
}
