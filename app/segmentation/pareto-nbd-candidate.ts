// Pareto/NBD as a backtest candidate. Its likelihood needs an integral per distinct
// (x, t_x, T) row, ~20× the cost of BG/NBD's closed form, and large shops have nearly as many
// distinct rows as customers; so beyond PARETO_NBD_SAMPLE customers it is fitted on a seeded
// uniform sample of them. Four parameters from 10,000 customers carry a sampling error far
// below the model's own misfit; predictions still cover every customer.
import type { CalibrationContext, FittedCandidate, PurchaseModelCandidate } from "./backtest";
import type { SummaryRows } from "./bgnbd";
import {
  fitParetoNbd,
  paretoNbdExpectedPurchasesIfAlive,
  paretoNbdProbabilityAlive,
  paretoNbdProbabilityOfPurchaseIfAlive,
} from "./pareto-nbd";
import { sampleIndices, seededRandom } from "./random";

export const PARETO_NBD_SAMPLE = 10_000;

export const PARETO_NBD_CANDIDATE: PurchaseModelCandidate = {
  name: "pareto-nbd",
  label: "Pareto/NBD",
  fit(summaries: SummaryRows, context: CalibrationContext): FittedCandidate | null {
    const rows = sampleSummaryRows(summaries, PARETO_NBD_SAMPLE, context.seed);
    const { converged, r, alpha, s, beta, logLikelihood } = fitParetoNbd(rows);
    const p = { r, alpha, s, beta };
    if (!converged || !Object.values(p).every(Number.isFinite)) return null;
    let customers = 0;
    for (let i = 0; i < rows.count; i++) customers += rows.weight[i];
    // The backtest asks for expected purchases and P(purchase) of the same row in turn; both
    // need P(alive), whose integral is the costly part: keep the last one.
    let last = { x: NaN, tx: NaN, T: NaN, pAlive: 0 };
    const pAlive = (x: number, tx: number, T: number) => {
      if (x !== last.x || tx !== last.tx || T !== last.T)
        last = { x, tx, T, pAlive: paretoNbdProbabilityAlive(p, x, tx, T) };
      return last.pAlive;
    };
    return {
      params: { ...p, logLikelihood, fittedCustomers: customers },
      pAlive,
      expected: (x, tx, T, t) => pAlive(x, tx, T) * paretoNbdExpectedPurchasesIfAlive(p, t, x, T),
      pAny: (x, tx, T, t) => pAlive(x, tx, T) * paretoNbdProbabilityOfPurchaseIfAlive(p, t, x, T),
    };
  },
};

/** A seeded uniform sample of `size` customers from weighted rows (all of them when fewer). */
export function sampleSummaryRows(rows: SummaryRows, size: number, seed: number): SummaryRows {
  let total = 0;
  for (let i = 0; i < rows.count; i++) total += rows.weight[i];
  if (total <= size) return rows;
  const cumulative = new Float64Array(rows.count);
  let running = 0;
  for (let i = 0; i < rows.count; i++) cumulative[i] = running += rows.weight[i];
  const picked = sampleIndices(total, size, seededRandom(seed));
  const weight = new Float64Array(rows.count);
  // Picked customer indices ascend, so one forward walk over the rows finds each one's row.
  let row = 0;
  for (let k = 0; k < picked.length; k++) {
    while (cumulative[row] <= picked[k]) row++;
    weight[row]++;
  }
  const keep: number[] = [];
  for (let i = 0; i < rows.count; i++) if (weight[i] > 0) keep.push(i);
  const take = <A extends Float64Array | Int32Array>(column: A, make: (n: number) => A): A => {
    const out = make(keep.length);
    keep.forEach((i, k) => (out[k] = column[i]));
    return out;
  };
  return {
    count: keep.length,
    x: take(rows.x, (n) => new Float64Array(n)),
    tx: take(rows.tx, (n) => new Float64Array(n)),
    T: take(rows.T, (n) => new Float64Array(n)),
    weight: take(weight, (n) => new Float64Array(n)),
    spanDays: take(rows.spanDays, (n) => new Int32Array(n)),
    ageDays: take(rows.ageDays, (n) => new Int32Array(n)),
    periodDays: rows.periodDays,
  };
}
