// Pareto/NBD: the published CDNOW estimates, and likelihood and posterior predictions checked
// against a brute-force integration over the individual rates (λ, μ) — a route to the same
// numbers that shares nothing with the closed forms in pareto-nbd.ts.
import { describe, expect, it } from "vitest";
import { compressSummaries, type SummaryRows } from "~/segmentation/bgnbd";
import {
  fitParetoNbd,
  logIntegral,
  paretoNbdExpectedPurchases,
  paretoNbdExpectedPurchasesIfAlive,
  paretoNbdLogLikelihood,
  paretoNbdProbabilityAlive,
  paretoNbdProbabilityOfPurchase,
} from "~/segmentation/pareto-nbd";
import { logGamma } from "~/segmentation/special-functions";
import { cdnowRows } from "./cdnow-rows";

type Params = { r: number; alpha: number; s: number; beta: number };

/**
 * ∫∫ f(λ, μ) gamma(λ; r, α) gamma(μ; s, β) dλ dμ by the trapezoidal rule in (log λ, log μ),
 * which converges geometrically for smooth integrands decaying at both ends.
 */
function overRates(p: Params, f: (lambda: number, mu: number) => number): number {
  const steps = 700;
  const grid = (shape: number, rate: number) => {
    const lo = Math.log(1e-16 / rate) - 10 / shape;
    const hi = Math.log(60 / rate + (shape + 60) / rate);
    const h = (hi - lo) / steps;
    const values: number[] = [];
    const weights: number[] = [];
    for (let i = 0; i <= steps; i++) {
      const u = lo + i * h;
      values.push(Math.exp(u));
      // Gamma density of e^u times the Jacobian e^u.
      weights.push(h * Math.exp(shape * Math.log(rate) - logGamma(shape) + shape * u - rate * Math.exp(u)));
    }
    return { values, weights };
  };
  const lambdas = grid(p.r, p.alpha);
  const mus = grid(p.s, p.beta);
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    for (let j = 0; j <= steps; j++) sum += lambdas.weights[i] * mus.weights[j] * f(lambdas.values[i], mus.values[j]);
  }
  return sum;
}

/** Individual likelihood: alive throughout, or died at some τ ∈ (t_x, T]. */
const individual = (x: number, tx: number, T: number) => (lambda: number, mu: number) =>
  Math.pow(lambda, x) *
  (Math.exp(-(lambda + mu) * T) +
    (mu / (lambda + mu)) * (Math.exp(-(lambda + mu) * tx) - Math.exp(-(lambda + mu) * T)));
const aliveAtT = (x: number, T: number) => (lambda: number, mu: number) =>
  Math.pow(lambda, x) * Math.exp(-(lambda + mu) * T);

const PARAMETER_SETS: Params[] = [
  { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 }, // CDNOW, α ≈ β
  { r: 0.8, alpha: 40, s: 0.5, beta: 4000 }, // β ≫ α: the quadrature branch
  { r: 2, alpha: 300, s: 1.3, beta: 5 }, // α ≫ β
  { r: 0.9, alpha: 20, s: 1, beta: 20 }, // α = β exactly, s = 1
];
const HISTORIES = [
  { x: 0, tx: 0, T: 39 },
  { x: 2, tx: 30, T: 39 },
  { x: 7, tx: 90, T: 300 },
];

function singleRow(x: number, tx: number, T: number): SummaryRows {
  return compressSummaries(Float64Array.of(x), Int32Array.of(tx), Int32Array.of(T), 1).rows;
}

describe("Pareto/NBD on CDNOW (39-week calibration, weekly periods)", () => {
  it("reproduces the published estimates r=0.553 α=10.578 s=0.606 β=11.669, LL −9595.0", () => {
    const fit = fitParetoNbd(cdnowRows());
    expect(fit.converged).toBe(true);
    expect(fit.r.toPrecision(3)).toBe("0.553");
    expect(fit.alpha.toPrecision(3)).toBe("10.6");
    expect(fit.s.toPrecision(3)).toBe("0.606");
    expect(fit.beta.toPrecision(3)).toBe("11.7");
    expect(fit.logLikelihood).toBeCloseTo(-9595.0, 1);
  });
});

describe("Pareto/NBD likelihood and predictions against integration over (λ, μ)", () => {
  for (const p of PARAMETER_SETS) {
    for (const { x, tx, T } of HISTORIES) {
      it(`agree for r=${p.r} α=${p.alpha} s=${p.s} β=${p.beta}, (x, t_x, T) = (${x}, ${tx}, ${T})`, () => {
        const evidence = overRates(p, individual(x, tx, T));
        expect(paretoNbdLogLikelihood(p, singleRow(x, tx, T))).toBeCloseTo(Math.log(evidence), 6);
        const pAlive = overRates(p, aliveAtT(x, T)) / evidence;
        expect(paretoNbdProbabilityAlive(p, x, tx, T)).toBeCloseTo(pAlive, 7);
        for (const t of [13, 200]) {
          const expected = overRates(p, (l, m) => aliveAtT(x, T)(l, m) * (l / m) * -Math.expm1(-m * t)) / evidence;
          expect(paretoNbdExpectedPurchases(p, t, x, tx, T) / expected).toBeCloseTo(1, 6);
          const purchase =
            overRates(p, (l, m) => aliveAtT(x, T)(l, m) * (l / (l + m)) * -Math.expm1(-(l + m) * t)) / evidence;
          expect(paretoNbdProbabilityOfPurchase(p, t, x, tx, T)).toBeCloseTo(purchase, 7);
        }
      });
    }
  }

  it("has the analytic gradient of its log-likelihood (central differences in log-parameters)", () => {
    const rows = cdnowRows();
    for (const p of PARAMETER_SETS) {
      const gradient = new Float64Array(4);
      paretoNbdLogLikelihood(p, rows, gradient);
      const theta = [p.r, p.alpha, p.s, p.beta].map(Math.log);
      for (let j = 0; j < 4; j++) {
        const at = (shift: number) => {
          const v = theta.map((value, i) => Math.exp(i === j ? value + shift : value));
          return paretoNbdLogLikelihood({ r: v[0], alpha: v[1], s: v[2], beta: v[3] }, rows);
        };
        const numeric = (at(1e-6) - at(-1e-6)) / 2e-6;
        expect(Math.abs(gradient[j] - numeric)).toBeLessThan(1e-5 * Math.max(1, Math.abs(numeric)));
      }
    }
  });

  // A line search can step to the box's corner (r = α = 10⁶, s = β = 10⁻⁶); with quadrature
  // panels sized by the integrand's asymptotic slope, one likelihood there took minutes a
  // customer and a compute hung (clean-clone CI, lift test). Both now end at once, and agree with
  // Simpson's rule on a grid 10⁴ times finer than the panels need.
  it("integrates at the parameter box's corners, in bounded work and to full precision", () => {
    const simpson = (m: number, pm: number, k: number, pk: number, lo: number, hi: number) => {
      const steps = 2_000_000;
      const a = Math.log(k + lo);
      const h = (Math.log(k + hi) - a) / steps;
      const logF = (u: number) => (1 - pk) * u - pm * Math.log(m - k + Math.exp(u)); // dy = e^u du
      let top = -Infinity;
      for (let i = 0; i <= steps; i += 1000) top = Math.max(top, logF(a + i * h));
      let sum = 0;
      for (let i = 0; i <= steps; i++)
        sum += (i === 0 || i === steps ? 1 : i % 2 ? 4 : 2) * Math.exp(logF(a + i * h) - top);
      return top + Math.log((sum * h) / 3);
    };
    const out = { value: 0, dPm: 0, dPk: 0, dM: 0, dK: 0 };
    for (const [m, pm, k, pk, lo, hi] of [
      [1e6, 1e6 + 3, 1e-6, 1 + 1e-6, 100, 328],
      [1e6, 1e6, 1e-6, 1 + 1e-6, 0, 328],
      [1e6, 1e6, 1e-6, 1e-6, 0, 39],
      [50, 1e6, 1e-6, 2, 0, 24],
    ]) {
      expect(logIntegral(m, pm, k, pk, lo, hi, out).value).toBeCloseTo(simpson(m, pm, k, pk, lo, hi), 8);
    }
    const corner = paretoNbdLogLikelihood({ r: 1e6, alpha: 1e6, s: 1e-6, beta: 1e-6 }, cdnowRows());
    expect(corner).toBeLessThan(-9595);
    expect(Number.isFinite(corner)).toBe(true);
  });

  it("expected purchases if alive are continuous through s = 1", () => {
    const base = { r: 0.9, alpha: 20, beta: 30 };
    const at = (s: number) => paretoNbdExpectedPurchasesIfAlive({ ...base, s }, 52, 3, 40);
    expect(at(1)).toBeCloseTo(at(1 + 1e-9), 8);
    expect(at(1)).toBeCloseTo(at(1 - 1e-9), 8);
    expect(at(1)).toBeCloseTo(((0.9 + 3) / 60) * 70 * Math.log(122 / 70), 10);
  });
});
