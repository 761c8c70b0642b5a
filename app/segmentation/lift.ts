// Measured lift of a segment against its control group (issue 16). Pure statistics: the compute
// loads who entered the segment, when, in which arm, and their orders; this module knows nothing
// of the database.
//
// Intention to treat: every customer counts from the first time they entered the segment, in the
// arm they were assigned then, whatever happened after (left again, moved on, share changed). A
// customer counts for a window only once it has fully elapsed (entry + window ≤ as-of), so a
// recent entrant never dilutes a window with days that have not happened yet. Orders count when
// placed strictly after the entry: the order that moved a customer in is not an outcome of being in.

import type { TransactionColumns } from "./types";

const DAY_MS = 86_400_000;

/** Windows measured from each customer's entry, days. */
export const LIFT_WINDOWS = [30, 60, 90] as const;

/**
 * Below these, a window reports "not enough data yet" and no intervals: 30 customers per arm is
 * where the normal and Welch approximations behave for skewed order data, and 5 buyers per arm
 * keeps the conversion interval (np ≥ 5) and the log-ratio for relative lift defined.
 */
export const MIN_CUSTOMERS_PER_ARM = 30;
export const MIN_BUYERS_PER_ARM = 5;

/** Two-sided 95 %: the only level reported. */
const Z_975 = 1.959963984540054;

/** Each customer's orders, sorted by time: customer c's orders are [start[c], start[c + 1]). */
export interface LiftOrders {
  start: Int32Array;
  at: Float64Array;
  amount: Float64Array;
}

/** The customers who ever entered one segment (one row each, their first entry). */
export interface LiftCohort {
  /** Index into `LiftOrders`. */
  customer: Int32Array;
  /** Epoch ms of the first entry. */
  entryAt: Float64Array;
  /** 1 = held out as control at entry. */
  control: Uint8Array;
}

export interface ArmStats {
  customers: number;
  /** Customers with at least one order in the window. */
  buyers: number;
  orders: number;
  revenue: number;
  conversion: number;
  ordersPerCustomer: number;
  revenuePerCustomer: number;
  /** Revenue per order; null without orders. */
  aov: number | null;
}

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

export interface MetricLift {
  /** Members minus control, in the metric's unit (share, orders, money). */
  absolute: Interval;
  /** Members ÷ control − 1; null when the control's value is 0 (no ratio). */
  relative: Interval | null;
}

export type LiftMetric = "conversion" | "ordersPerCustomer" | "revenuePerCustomer" | "aov";

export interface WindowLift {
  windowDays: number;
  treated: ArmStats;
  control: ArmStats;
  sufficient: boolean;
  /** What is missing before the window can be measured (all 0 when sufficient). */
  needs: { treatedCustomers: number; controlCustomers: number; treatedBuyers: number; controlBuyers: number };
  /** Per metric; null when insufficient (AOV also when an arm has no orders). */
  lift: Record<LiftMetric, MetricLift | null>;
  /** The result in plain words. */
  sentence: string;
}

/** Builds `LiftOrders` from per-customer lists (any order), for callers that are not hot. */
export function liftOrdersFrom(perCustomer: readonly { at: number; amount: number }[][]): LiftOrders {
  const start = new Int32Array(perCustomer.length + 1);
  for (let c = 0; c < perCustomer.length; c++) start[c + 1] = start[c] + perCustomer[c].length;
  const at = new Float64Array(start[perCustomer.length]);
  const amount = new Float64Array(at.length);
  perCustomer.forEach((orders, c) => {
    const sorted = [...orders].sort((a, b) => a.at - b.at);
    sorted.forEach((o, i) => {
      at[start[c] + i] = o.at;
      amount[start[c] + i] = o.amount;
    });
  });
  return { start, at, amount };
}

/**
 * The engine's order columns as `LiftOrders`, indexed like `columns.customerIds`, plus one empty
 * customer at index `customerIds.length` (members without orders). Orders after `asOf` are left
 * out, and so are fully refunded ones (net amount 0): a returned order is not a purchase.
 */
export function liftOrdersFromColumns(columns: TransactionColumns, asOf: number): LiftOrders {
  const customers = columns.customerIds.length + 1;
  const start = new Int32Array(customers + 1);
  const rows = columns.customer.length;
  const keep = (row: number) => columns.amount[row] > 0 && columns.time[row] <= asOf;
  for (let row = 0; row < rows; row++) if (keep(row)) start[columns.customer[row] + 1]++;
  for (let c = 0; c < customers; c++) start[c + 1] += start[c];
  const fill = start.slice(0, customers);
  const at = new Float64Array(start[customers]);
  const amount = new Float64Array(at.length);
  for (let row = 0; row < rows; row++) {
    if (!keep(row)) continue;
    const i = fill[columns.customer[row]]++;
    at[i] = columns.time[row];
    amount[i] = columns.amount[row];
  }
  // Rows come in order-id order, nearly but not always by time: sort each customer's few by time.
  for (let c = 0; c < customers; c++) {
    const from = start[c];
    const to = start[c + 1];
    for (let i = from + 1; i < to; i++) {
      const t = at[i];
      const a = amount[i];
      let j = i - 1;
      for (; j >= from && at[j] > t; j--) {
        at[j + 1] = at[j];
        amount[j + 1] = amount[j];
      }
      at[j + 1] = t;
      amount[j + 1] = a;
    }
  }
  return { start, at, amount };
}

/** Sums per arm (0 = treated, 1 = control) over the customers whose window has elapsed. */
class ArmSums {
  n = 0;
  buyers = 0;
  orders = 0;
  orders2 = 0;
  revenue = 0;
  revenue2 = 0;
  cross = 0;

  add(k: number, r: number) {
    this.n++;
    if (k > 0) this.buyers++;
    this.orders += k;
    this.orders2 += k * k;
    this.revenue += r;
    this.revenue2 += r * r;
    this.cross += k * r;
  }

  stats(): ArmStats {
    const n = this.n;
    return {
      customers: n,
      buyers: this.buyers,
      orders: this.orders,
      revenue: this.revenue,
      conversion: n > 0 ? this.buyers / n : 0,
      ordersPerCustomer: n > 0 ? this.orders / n : 0,
      revenuePerCustomer: n > 0 ? this.revenue / n : 0,
      aov: this.orders > 0 ? this.revenue / this.orders : null,
    };
  }

  /** Sample variance of the per-customer values from their sums. */
  variance(sum: number, sum2: number): number {
    if (this.n < 2) return 0;
    return Math.max(0, (sum2 - (sum * sum) / this.n) / (this.n - 1));
  }
}

/** Index of the first order of customer c placed after `t` (binary search in its sorted run). */
function firstAfter(orders: LiftOrders, c: number, t: number): number {
  let lo = orders.start[c];
  let hi = orders.start[c + 1];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (orders.at[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Lift for every window of `windows`, as of `asOf` (epoch ms). */
export function measureLift(
  orders: LiftOrders,
  cohort: LiftCohort,
  asOf: number,
  windows: readonly number[] = LIFT_WINDOWS,
): WindowLift[] {
  const n = cohort.customer.length;
  // The first post-entry order of each member, found once for all windows.
  const first = new Int32Array(n);
  for (let i = 0; i < n; i++) first[i] = firstAfter(orders, cohort.customer[i], cohort.entryAt[i]);
  return windows.map((windowDays) => {
    const arms = [new ArmSums(), new ArmSums()];
    const span = windowDays * DAY_MS;
    for (let i = 0; i < n; i++) {
      const entry = cohort.entryAt[i];
      const end = entry + span;
      if (end > asOf) continue;
      const stop = orders.start[cohort.customer[i] + 1];
      let k = 0;
      let r = 0;
      for (let j = first[i]; j < stop && orders.at[j] <= end; j++) {
        k++;
        r += orders.amount[j];
      }
      arms[cohort.control[i] ? 1 : 0].add(k, r);
    }
    return windowLift(windowDays, arms[0], arms[1]);
  });
}

function windowLift(windowDays: number, t: ArmSums, c: ArmSums): WindowLift {
  const treated = t.stats();
  const control = c.stats();
  const needs = {
    treatedCustomers: Math.max(0, MIN_CUSTOMERS_PER_ARM - t.n),
    controlCustomers: Math.max(0, MIN_CUSTOMERS_PER_ARM - c.n),
    treatedBuyers: Math.max(0, MIN_BUYERS_PER_ARM - t.buyers),
    controlBuyers: Math.max(0, MIN_BUYERS_PER_ARM - c.buyers),
  };
  const sufficient = Object.values(needs).every((v) => v === 0);
  const none = { conversion: null, ordersPerCustomer: null, revenuePerCustomer: null, aov: null };
  if (!sufficient) {
    return {
      windowDays,
      treated,
      control,
      sufficient,
      needs,
      lift: none,
      sentence: insufficientSentence(windowDays, needs),
    };
  }
  const lift: Record<LiftMetric, MetricLift | null> = {
    conversion: proportionLift(treated.conversion, t.n, control.conversion, c.n),
    ordersPerCustomer: welchLift(t, c, (a) => [a.orders, a.variance(a.orders, a.orders2)]),
    revenuePerCustomer: welchLift(t, c, (a) => [a.revenue, a.variance(a.revenue, a.revenue2)]),
    aov: aovLift(t, c),
  };
  return { windowDays, treated, control, sufficient, needs, lift, sentence: liftSentence(windowDays, lift) };
}

/** Two-proportion z interval on the difference; relative lift on the log of the risk ratio (delta method). */
function proportionLift(p1: number, n1: number, p0: number, n0: number): MetricLift {
  const v1 = (p1 * (1 - p1)) / n1;
  const v0 = (p0 * (1 - p0)) / n0;
  return {
    absolute: around(p1 - p0, Z_975 * Math.sqrt(v1 + v0)),
    relative: logRatio(p1, v1, p0, v0, Z_975),
  };
}

/** Welch t interval on the difference of per-customer means; relative lift on the log of their ratio. */
function welchLift(t: ArmSums, c: ArmSums, of: (a: ArmSums) => [sum: number, variance: number]): MetricLift {
  const [sum1, s1] = of(t);
  const [sum0, s0] = of(c);
  const m1 = sum1 / t.n;
  const m0 = sum0 / c.n;
  const v1 = s1 / t.n;
  const v0 = s0 / c.n;
  const q = studentT975(welchDf(v1, t.n, v0, c.n));
  return { absolute: around(m1 - m0, q * Math.sqrt(v1 + v0)), relative: logRatio(m1, v1, m0, v0, q) };
}

/** AOV is a ratio of two per-customer means (revenue ÷ orders): its variance by the delta method. */
function aovLift(t: ArmSums, c: ArmSums): MetricLift | null {
  const one = (a: ArmSums) => {
    const k = a.orders / a.n;
    const aov = a.revenue / a.orders;
    const cov = a.n > 1 ? (a.cross - (a.orders * a.revenue) / a.n) / (a.n - 1) : 0;
    const v =
      (a.variance(a.revenue, a.revenue2) - 2 * aov * cov + aov * aov * a.variance(a.orders, a.orders2)) / (a.n * k * k);
    return { aov, v: Math.max(0, v) };
  };
  if (t.orders === 0 || c.orders === 0) return null;
  const a1 = one(t);
  const a0 = one(c);
  return {
    absolute: around(a1.aov - a0.aov, Z_975 * Math.sqrt(a1.v + a0.v)),
    relative: logRatio(a1.aov, a1.v, a0.aov, a0.v, Z_975),
  };
}

function around(estimate: number, half: number): Interval {
  return { estimate, low: estimate - half, high: estimate + half };
}

/** x1/x0 − 1 with an interval from var(log x) ≈ var(x)/x² (delta method); null when either is 0. */
function logRatio(x1: number, v1: number, x0: number, v0: number, q: number): Interval | null {
  if (!(x1 > 0 && x0 > 0)) return null;
  const log = Math.log(x1 / x0);
  const se = Math.sqrt(v1 / (x1 * x1) + v0 / (x0 * x0));
  return { estimate: Math.exp(log) - 1, low: Math.exp(log - q * se) - 1, high: Math.exp(log + q * se) - 1 };
}

/** Welch–Satterthwaite degrees of freedom from the two means' variances. */
export function welchDf(v1: number, n1: number, v0: number, n0: number): number {
  const denominator = (v1 * v1) / (n1 - 1) + (v0 * v0) / (n0 - 1);
  if (!(denominator > 0)) return n1 + n0 - 2;
  return ((v1 + v0) * (v1 + v0)) / denominator;
}

/**
 * The 97.5 % quantile of Student's t with `df` degrees of freedom: the Cornish–Fisher expansion
 * around the normal quantile (Abramowitz & Stegun 26.7.5), within 1e-4 from df = 5, and the
 * minimum sample keeps Welch's df near 29 or more.
 */
export function studentT975(df: number): number {
  const z = Z_975;
  if (!Number.isFinite(df) || df > 1e7) return z;
  const z2 = z * z;
  const g1 = ((z2 + 1) * z) / 4;
  const g2 = (((5 * z2 + 16) * z2 + 3) * z) / 96;
  const g3 = ((((3 * z2 + 19) * z2 + 17) * z2 - 15) * z) / 384;
  const g4 = (((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

const percentOf = (x: number) => Math.round(x * 100);
const moreOrLess = (p: number) => (p >= 0 ? `${p} % more` : `${-p} % less`);

/**
 * "In the 90 days after joining, members spent 18 % more than the control group, ±6 %." The
 * relative interval is asymmetric (it comes from the log ratio): when its sides differ by more
 * than a point it is given as a range rather than a ± that would misstate one side.
 */
function liftSentence(windowDays: number, lift: Record<LiftMetric, MetricLift | null>): string {
  const lead = `In the ${windowDays} days after joining, members`;
  const revenue = lift.revenuePerCustomer!;
  const rel = revenue.relative;
  if (rel) {
    const [low, estimate, high] = [rel.low, rel.estimate, rel.high].map(percentOf);
    const spread =
      Math.abs(high - estimate - (estimate - low)) <= 1
        ? `, ±${Math.round((high - low) / 2)} %`
        : ` (95 % interval: ${moreOrLess(low)} to ${moreOrLess(high)})`;
    const base = `${lead} spent ${moreOrLess(estimate)} than the control group${spread}`;
    return rel.low <= 0 && rel.high >= 0 ? `${base}: not distinguishable from no difference yet.` : `${base}.`;
  }
  // The control group spent nothing (possible with buyers, if all refunded): only the difference.
  const abs = revenue.absolute;
  const amount = (x: number) => Math.abs(x).toFixed(2);
  return `${lead} spent ${amount(abs.estimate)} ${abs.estimate >= 0 ? "more" : "less"} per customer than the control group, ±${amount((abs.high - abs.low) / 2)}.`;
}

function insufficientSentence(windowDays: number, needs: WindowLift["needs"]): string {
  const parts: string[] = [];
  if (needs.controlCustomers > 0) parts.push(`${needs.controlCustomers} more customers in the control group`);
  if (needs.treatedCustomers > 0) parts.push(`${needs.treatedCustomers} more members`);
  if (needs.controlBuyers > 0) parts.push(`${needs.controlBuyers} more buyers in the control group`);
  if (needs.treatedBuyers > 0) parts.push(`${needs.treatedBuyers} more buying members`);
  return `Not enough data yet for ${windowDays} days: needs ${parts.join(", ")} whose ${windowDays} days since joining have passed.`;
}
