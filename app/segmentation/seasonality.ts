// Seasonal adjustment from the shop's own yearly pattern. BG/NBD and Pareto/NBD assume a
// purchase rate that does not change with the calendar; a shop with a busy December then gets
// the same forecast for December as for February. With at least 13 months of history the
// repeat purchase rate per known customer is regressed, month by month, on a log-linear trend
// and one effect per calendar month (13 months is the least that separates the two); the
// forecast of a base model is then scaled by the seasonal level of the coming horizon relative
// to the level the base model was fitted on.
import {
  fitOnce,
  rowPredictions,
  type CalibrationContext,
  type FittedCandidate,
  type PurchaseModelCandidate,
} from "./backtest";
import { monthOf, seasonalFactor } from "./seasonal-factor";

export { seasonalFactor, type SeasonalEffects } from "./seasonal-factor";

/** Fewer shop-local days of history than this (13 months) and no adjustment is made. */
export const SEASONAL_MIN_HISTORY_DAYS = 396;

export interface SeasonalIndex {
  /** exp(effect) per calendar month 0..11, geometric mean 1. */
  monthly: Float64Array;
  /** Log-linear trend per year of the repeat rate per customer, for reports. */
  trendPerYear: number;
  /** Mean monthly multiplier over the exposure the base model was fitted on (customer-days). */
  fittedLevel: number;
  historyDays: number;
}

const DAY_MS = 86_400_000;
const monthIndexOf = (day: number) => {
  const date = new Date(day * DAY_MS);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
};

/**
 * The shop's monthly pattern from the calibration rows, or null with fewer than 13 months of
 * history (or a calendar month without any exposure).
 */
export function seasonalIndex(context: Pick<CalibrationContext, "features" | "cutoffDay">): SeasonalIndex | null {
  const { features, cutoffDay } = context;
  let firstDay = Infinity;
  for (let c = 0; c < features.count; c++) firstDay = Math.min(firstDay, features.firstDay[c]);
  const historyDays = cutoffDay - firstDay + 1;
  if (!(historyDays >= SEASONAL_MIN_HISTORY_DAYS)) return null;

  // Repeat purchase days and newly known customers per day, from the time-sorted history
  // (a day with only a refund counts as a purchase day here: rare, and the index is a ratio).
  const days = historyDays;
  const repeats = new Float64Array(days);
  const arrivals = new Float64Array(days);
  const { offsets, rows, day } = features.history;
  for (let c = 0; c < features.count; c++) {
    arrivals[features.firstDay[c] - firstDay]++;
    let last = features.firstDay[c];
    for (let i = offsets[c]; i < offsets[c + 1]; i++) {
      const d = day[rows[i]];
      if (d <= last) continue;
      repeats[d - firstDay]++;
      last = d;
    }
  }
  // Exposure on day d: customers whose first purchase came before d.
  const firstMonth = monthIndexOf(firstDay);
  const months = monthIndexOf(cutoffDay) - firstMonth + 1;
  const monthRepeats = new Float64Array(months);
  const monthExposure = new Float64Array(months);
  const exposure = new Float64Array(days);
  let known = 0;
  for (let d = 0; d < days; d++) {
    exposure[d] = known;
    known += arrivals[d];
    const m = monthIndexOf(firstDay + d) - firstMonth;
    monthRepeats[m] += repeats[d];
    monthExposure[m] += exposure[d];
  }

  // Weighted least squares: log rate = a + b·years + effect(calendar month), effects summing to 0.
  const P = 13;
  const normal = new Float64Array(P * P);
  const rhs = new Float64Array(P);
  const design = new Float64Array(P);
  let usedMonths = 0;
  const seen = new Uint8Array(12);
  for (let m = 0; m < months; m++) {
    if (monthExposure[m] <= 0) continue;
    usedMonths++;
    const calendar = (firstMonth + m) % 12;
    seen[calendar] = 1;
    const y = Math.log((monthRepeats[m] + 0.5) / monthExposure[m]);
    const w = monthRepeats[m] + 0.5;
    design.fill(0);
    design[0] = 1;
    design[1] = m / 12;
    if (calendar < 11) design[2 + calendar] = 1;
    else for (let k = 0; k < 11; k++) design[2 + k] = -1;
    for (let i = 0; i < P; i++) {
      rhs[i] += w * design[i] * y;
      for (let j = 0; j < P; j++) normal[i * P + j] += w * design[i] * design[j];
    }
  }
  if (usedMonths < P || seen.some((s) => s === 0)) return null;
  const solution = solve(normal, rhs, P);
  if (!solution) return null;
  const monthly = new Float64Array(12);
  let lastEffect = 0;
  for (let k = 0; k < 11; k++) {
    monthly[k] = Math.exp(solution[2 + k]);
    lastEffect -= solution[2 + k];
  }
  monthly[11] = Math.exp(lastEffect);

  let weighted = 0;
  let totalExposure = 0;
  for (let d = 0; d < days; d++) {
    weighted += exposure[d] * monthly[monthOf(firstDay + d)];
    totalExposure += exposure[d];
  }
  return {
    monthly,
    trendPerYear: solution[1],
    fittedLevel: totalExposure > 0 ? weighted / totalExposure : 1,
    historyDays,
  };
}

/** Gaussian elimination with partial pivoting; null when (numerically) singular. */
function solve(matrix: Float64Array, rhs: Float64Array, n: number): Float64Array | null {
  const a = Float64Array.from(matrix);
  const b = Float64Array.from(rhs);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) pivot = r;
    if (Math.abs(a[pivot * n + col]) < 1e-12) return null;
    if (pivot !== col) {
      for (let k = 0; k < n; k++) [a[col * n + k], a[pivot * n + k]] = [a[pivot * n + k], a[col * n + k]];
      [b[col], b[pivot]] = [b[pivot], b[col]];
    }
    for (let r = col + 1; r < n; r++) {
      const factor = a[r * n + col] / a[col * n + col];
      if (factor === 0) continue;
      for (let k = col; k < n; k++) a[r * n + k] -= factor * a[col * n + k];
      b[r] -= factor * b[col];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let sum = b[r];
    for (let k = r + 1; k < n; k++) sum -= a[r * n + k] * x[k];
    x[r] = sum / a[r * n + r];
  }
  return x;
}

/**
 * `base` scaled by the seasonal level of the horizon. Without 13 months of history the
 * predictions are the base model's, unchanged (params.applied = 0).
 */
export function seasonalCandidate(base: PurchaseModelCandidate): PurchaseModelCandidate {
  return {
    name: `${base.name}+seasonal`,
    label: `${base.label}, seasonally adjusted`,
    fit(summaries, context): FittedCandidate | null {
      const baseFit = fitOnce(base, summaries, context);
      if (!baseFit) return null;
      const index = seasonalIndex(context);
      if (!index) return { ...baseFit, params: { ...baseFit.params, applied: 0, horizonFactor: 1, trendPerYear: 0 } };
      const factors = new Map<number, number>();
      const factorFor = (t: number) => {
        let factor = factors.get(t);
        if (factor === undefined)
          factors.set(t, (factor = seasonalFactor(index, context.cutoffDay, Math.round(t * context.periodDays))));
        return factor;
      };
      const horizonFactor = factorFor(context.horizonDays / context.periodDays);
      return {
        params: { ...baseFit.params, applied: 1, horizonFactor, trendPerYear: index.trendPerYear },
        pAlive: baseFit.pAlive,
        expected: (x, tx, T, t) => baseFit.expected(x, tx, T, t) * factorFor(t),
        // Scaling the purchase rate by k turns P(none) into P(none)^k.
        pAny: (x, tx, T, t) => 1 - Math.pow(1 - baseFit.pAny(x, tx, T, t), factorFor(t)),
        // The same per customer, from the base model's row predictions (shared with the backtest).
        predictCustomers(t) {
          const rows = rowPredictions(baseFit, summaries, t);
          const factor = factorFor(t);
          const { rowOf } = context;
          const expected = Float64Array.from(rowOf, (row) => rows.expected[row] * factor);
          const pAny = Float64Array.from(rowOf, (row) => 1 - Math.pow(1 - rows.pAny[row], factor));
          return { expected, pAny };
        },
      };
    },
  };
}
