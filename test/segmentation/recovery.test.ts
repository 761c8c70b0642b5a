// Parameter recovery: shops simulated from known BG/NBD and Gamma-Gamma parameters must be
// fitted back within sampling error (±3.5 standard errors from the observed information).
import { describe, expect, it } from "vitest";
import { analyzeShop } from "~/segmentation";
import { bgnbdLogLikelihood, compressSummaries } from "~/segmentation/bgnbd";
import { gammaGammaLogLikelihood, spendRows } from "~/segmentation/gamma-gamma";
import { syntheticShop } from "../bench/synthetic-shop";

const TRUE_BGNBD = { r: 0.8, alpha: 40, a: 0.7, b: 2.5 };
const TRUE_GG = { p: 5, q: 4, gamma: 60 };

/** Standard errors of log-parameters: sqrt(diag((−∇²ℓ)⁻¹)), Hessian by central differences of the analytic gradient. */
function logScaleStandardErrors(logParams: number[], gradientAt: (theta: number[]) => Float64Array): number[] {
  const n = logParams.length;
  const h = 1e-5;
  const information: number[][] = [];
  for (let j = 0; j < n; j++) {
    const up = logParams.slice();
    const down = logParams.slice();
    up[j] += h;
    down[j] -= h;
    const gUp = gradientAt(up);
    const gDown = gradientAt(down);
    information.push(Array.from({ length: n }, (_, i) => -(gUp[i] - gDown[i]) / (2 * h)));
  }
  return invert(information).map((row, i) => Math.sqrt(row[i]));
}

function invert(matrix: number[][]): number[][] {
  const n = matrix.length;
  const a = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) pivot = row;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const divisor = a[col][col];
    for (let k = 0; k < 2 * n; k++) a[col][k] /= divisor;
    for (let row = 0; row < n; row++) {
      if (row === col) continue;
      const factor = a[row][col];
      for (let k = 0; k < 2 * n; k++) a[row][k] -= factor * a[col][k];
    }
  }
  return a.map((row) => row.slice(n));
}

describe("parameter recovery from a simulated shop (15,000 customers, daily periods)", () => {
  const transactions = syntheticShop({
    customers: 15_000,
    bgnbd: TRUE_BGNBD,
    gammaGamma: TRUE_GG,
    acquisitionDays: 730,
    historyDays: 730,
    end: new Date("2025-12-31T00:00:00Z"),
    seed: 11,
  });
  const analysis = analyzeShop(transactions, { asOf: new Date("2025-12-31T00:00:00Z"), explanations: false });
  const f = analysis.customers.features;

  it("recovers r, α, a, b", () => {
    const fitted = analysis.model.bgnbd!;
    const spanDays = Int32Array.from(f.recency);
    const ageDays = Int32Array.from(f.age);
    const { rows } = compressSummaries(f.frequency, spanDays, ageDays, 1);
    const estimate = [fitted.r, fitted.alpha, fitted.a, fitted.b].map(Math.log);
    const errors = logScaleStandardErrors(estimate, (theta) => {
      const gradient = new Float64Array(4);
      const [r, alpha, a, b] = theta.map(Math.exp);
      bgnbdLogLikelihood({ r, alpha, a, b }, rows, gradient);
      return gradient;
    });
    const truth = [TRUE_BGNBD.r, TRUE_BGNBD.alpha, TRUE_BGNBD.a, TRUE_BGNBD.b].map(Math.log);
    truth.forEach((value, i) => {
      expect(errors[i]).toBeLessThan(0.3); // the test has power: errors are a few percent
      expect(Math.abs(estimate[i] - value)).toBeLessThan(3.5 * errors[i]);
    });
  });

  it("recovers p, q, γ from the repeat buyers", () => {
    const fitted = analysis.model.gammaGamma!;
    const rows = spendRows(f.frequency, f.repeatSpend);
    const estimate = [fitted.p, fitted.q, fitted.gamma].map(Math.log);
    const errors = logScaleStandardErrors(estimate, (theta) => {
      const gradient = new Float64Array(3);
      const [p, q, gamma] = theta.map(Math.exp);
      gammaGammaLogLikelihood({ p, q, gamma }, rows, gradient);
      return gradient;
    });
    const truth = [TRUE_GG.p, TRUE_GG.q, TRUE_GG.gamma].map(Math.log);
    truth.forEach((value, i) => {
      expect(errors[i]).toBeLessThan(0.3);
      expect(Math.abs(estimate[i] - value)).toBeLessThan(3.5 * errors[i]);
    });
  });

  it("predicts about as many future orders as the simulated population places", () => {
    // Hold-out check on the same process: calibrate on the first year, predict the second.
    const calibration = analyzeShop(transactions, {
      asOf: new Date("2024-12-31T00:00:00Z"),
      predictionHorizonDays: 365,
      explanations: false,
    });
    let predicted = 0;
    for (let c = 0; c < calibration.customers.count; c++) predicted += calibration.customers.features.expectedOrders[c];
    const calibrationCustomers = new Set(calibration.customers.sourceIndex);
    const end = new Date("2025-12-31T00:00:00Z").getTime();
    const start = new Date("2025-01-01T00:00:00Z").getTime();
    // Actual repeat purchase days in the hold-out year of the calibration customers.
    const days = new Set<string>();
    for (let row = 0; row < transactions.customer.length; row++) {
      const t = transactions.time[row];
      if (t >= start && t < end + 86_400_000 && calibrationCustomers.has(transactions.customer[row])) {
        days.add(`${transactions.customer[row]}:${Math.floor(t / 86_400_000)}`);
      }
    }
    expect(predicted / days.size).toBeGreaterThan(0.9);
    expect(predicted / days.size).toBeLessThan(1.1);
  });
});
