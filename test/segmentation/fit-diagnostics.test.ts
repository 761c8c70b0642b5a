// Standard errors and degenerate-fit warnings: CDNOW against lifetimes' published BG/NBD
// standard errors, and simulated shops whose truth is known — one without any drop-out (must
// be flagged), one from BG/NBD itself (must not be, and must be recovered within its SEs).
import { execFile } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { analyzeShop } from "~/segmentation";
import { compressSummaries, fitBgNbd, type SummaryRows } from "~/segmentation/bgnbd";
import { diagnoseBgNbd, diagnoseParetoNbd, fitPurchaseModel } from "~/segmentation/fit-models";
import { fitParetoNbd } from "~/segmentation/pareto-nbd";
import { betaDeviate, gammaDeviate, seededRandom } from "~/segmentation/random";
import type { TransactionColumns } from "~/segmentation/types";
import { cdnowRows } from "./cdnow-rows";

const DAY = 86_400_000;
const TICKS_PER_DAY = 24; // purchase times kept to the hour, periods are days

interface Truth {
  r: number;
  alpha: number;
  /** Beta drop-out after each purchase; absent = nobody ever drops out. */
  dropout?: { a: number; b: number };
}

/** Purchase times (days since the first purchase, which is at 0) of one simulated customer. */
function simulateCustomer(truth: Truth, ageDays: number, random: () => number): number[] {
  const lambda = gammaDeviate(truth.r, random) / truth.alpha;
  const p = truth.dropout ? betaDeviate(truth.dropout.a, truth.dropout.b, random) : 0;
  const times: number[] = [];
  let t = 0;
  for (;;) {
    t += -Math.log(1 - random()) / lambda;
    if (t > ageDays) return times;
    times.push(t);
    if (random() < p) return times;
  }
}

function simulateRows(truth: Truth, customers: number, seed: number): SummaryRows {
  const random = seededRandom(seed);
  const x = new Float64Array(customers);
  const span = new Int32Array(customers);
  const age = new Int32Array(customers);
  for (let c = 0; c < customers; c++) {
    const ageDays = 30 + Math.floor(random() * 700);
    const times = simulateCustomer(truth, ageDays, random);
    x[c] = times.length;
    span[c] = times.length ? Math.floor(times[times.length - 1] * TICKS_PER_DAY) : 0;
    age[c] = ageDays * TICKS_PER_DAY;
  }
  return compressSummaries(x, span, age, TICKS_PER_DAY).rows;
}

/** The same kind of shop as transactions, for the end-to-end analysis. */
function simulateTransactions(truth: Truth, customers: number, seed: number, end: number): TransactionColumns {
  const random = seededRandom(seed);
  const customer: number[] = [];
  const time: number[] = [];
  const amount: number[] = [];
  for (let c = 0; c < customers; c++) {
    const ageDays = 30 + Math.floor(random() * 700);
    const first = end - ageDays * DAY;
    for (const t of [0, ...simulateCustomer(truth, ageDays, random)]) {
      customer.push(c);
      time.push(first + t * DAY);
      amount.push(20 + 60 * random());
    }
  }
  return {
    customerIds: Array.from({ length: customers }, (_, c) => `c${c}`),
    customer: Int32Array.from(customer),
    time: Float64Array.from(time),
    amount: Float64Array.from(amount),
  };
}

describe("standard errors on CDNOW", () => {
  const rows = cdnowRows();

  it("BG/NBD: match lifetimes' published standard errors (r 0.0126, α 0.378, a 0.186, b 0.705) and raise no warning", () => {
    const { converged, ...params } = fitBgNbd(rows);
    const diagnosis = diagnoseBgNbd(params, converged, rows);
    expect(diagnosis.standardErrors.r).toBeCloseTo(0.0126, 3);
    expect(diagnosis.standardErrors.alpha).toBeCloseTo(0.378, 2);
    expect(diagnosis.standardErrors.a).toBeCloseTo(0.186, 2);
    expect(diagnosis.standardErrors.b).toBeCloseTo(0.705, 2);
    expect(diagnosis.warnings).toEqual([]);
  });

  it("Pareto/NBD: finite standard errors below the estimates and no warning", () => {
    const { converged, r, alpha, s, beta, logLikelihood } = fitParetoNbd(rows);
    const diagnosis = diagnoseParetoNbd({ r, alpha, s, beta, logLikelihood }, converged, rows);
    for (const [name, value] of Object.entries({ r, alpha, s, beta })) {
      expect(diagnosis.standardErrors[name]).toBeGreaterThan(0);
      expect(diagnosis.standardErrors[name]).toBeLessThan(value);
    }
    expect(diagnosis.warnings).toEqual([]);
  });
});

describe("the analyze CLI's JSON", () => {
  it("carries the standard errors and the fit warnings", async () => {
    const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
    const { stdout } = await promisify(execFile)(
      resolve(repoRoot, "node_modules/.bin/tsx"),
      [
        "app/cli/analyze.ts",
        "--input",
        resolve(repoRoot, "../shared/data/cdnow/CDNOW_sample.txt"),
        "--as-of",
        "1997-09-30",
        "--period",
        "week",
        "--json",
      ],
      { cwd: repoRoot },
    );
    const summary = JSON.parse(stdout);
    expect(summary.standardErrors.bgnbd.r).toBeCloseTo(0.0126, 3);
    expect(summary.standardErrors.bgnbd.b).toBeCloseTo(0.705, 2);
    expect(Object.keys(summary.standardErrors.gammaGamma).sort()).toEqual(["gamma", "p", "q"]);
    expect(summary.diagnostics.warnings).toEqual([]);
    expect(summary.diagnostics.fits.map((fit: { model: string }) => fit.model)).toEqual(["BG/NBD", "Gamma-Gamma"]);
  });
});

describe("a simulated shop where nobody ever drops out (Poisson purchases, gamma rates)", () => {
  const rows = simulateRows({ r: 0.8, alpha: 40 }, 20_000, 101);

  it("has its BG/NBD fit flagged: drop-out parameter at its bound, P(alive) = 1", () => {
    const { converged, ...params } = fitBgNbd(rows);
    const diagnosis = diagnoseBgNbd(params, converged, rows);
    const atBound = diagnosis.warnings.filter((w) => w.code === "parameter-at-bound");
    expect(atBound.length).toBeGreaterThan(0);
    expect(atBound.every((w) => w.severity === "unusable" && (w.parameter === "a" || w.parameter === "b"))).toBe(true);
    expect(atBound[0].message).toMatch(/no measurable drop-out/);
  });

  it("is not silently used: the purchase model says why and predictions fall back", () => {
    const outcome = fitPurchaseModel(rows, 10_000, 100);
    expect(outcome.params).toBeNull();
    expect(outcome.estimate).not.toBeNull();
    expect(outcome.reason).toMatch(/no measurable drop-out/);
    // Pareto/NBD finds no drop-out either: its own bound warning, and the heuristic takes over.
    expect(outcome.paretoNbd?.params).toBeNull();
    expect(outcome.paretoNbd?.warnings.some((w) => w.code === "parameter-at-bound")).toBe(true);
    expect(outcome.reason).toMatch(/recency\/frequency heuristic/);
  });

  it("shows up in analyzeShop's diagnostics and fallback reason", () => {
    const end = Date.UTC(2025, 11, 31);
    const analysis = analyzeShop(simulateTransactions({ r: 0.8, alpha: 40 }, 4_000, 7, end), {
      asOf: end,
      explanations: false,
    });
    expect(analysis.model.bgnbd).toBeNull();
    expect(analysis.model.fallbackReason).toMatch(/no measurable drop-out/);
    expect(
      analysis.diagnostics.modelWarnings.some((w) => w.model === "BG/NBD" && w.code === "parameter-at-bound"),
    ).toBe(true);
    const bgnbd = analysis.diagnostics.modelFits.find((fit) => fit.model === "BG/NBD")!;
    expect(bgnbd.used).toBe(false);
    expect(bgnbd.estimate.a).toBeLessThan(1e-5);
    // The heuristic's P(alive) still separates recent from long-silent customers.
    const pAlive = analysis.customers.features.pAlive;
    expect(Math.min(...pAlive)).toBeLessThan(0.5);
  });
});

describe("a simulated BG/NBD shop with drop-out (r 0.8, α 40 days, a 0.7, b 2.5)", () => {
  const truth = { r: 0.8, alpha: 40, a: 0.7, b: 2.5 };
  const rows = simulateRows({ r: truth.r, alpha: truth.alpha, dropout: { a: truth.a, b: truth.b } }, 20_000, 202);
  const { converged, ...params } = fitBgNbd(rows);
  const diagnosis = diagnoseBgNbd(params, converged, rows);

  it("is not flagged", () => {
    expect(converged).toBe(true);
    expect(diagnosis.warnings).toEqual([]);
  });

  it("recovers every parameter within 3 standard errors, with standard errors of a few percent", () => {
    for (const name of ["r", "alpha", "a", "b"] as const) {
      const se = diagnosis.standardErrors[name];
      expect(se / truth[name]).toBeLessThan(0.1);
      expect(Math.abs(params[name] - truth[name])).toBeLessThan(3 * se);
    }
  });
});
