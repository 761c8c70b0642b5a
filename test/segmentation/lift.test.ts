import { describe, expect, it } from "vitest";
import {
  liftOrdersFrom,
  liftOrdersFromColumns,
  measureLift,
  studentT975,
  welchDf,
  MIN_CUSTOMERS_PER_ARM,
  type LiftCohort,
  type WindowLift,
} from "~/segmentation/lift";
import { treatmentOrders, type TreatmentCustomer } from "../shopify-emulator/generator";
import { Random, hashSeed } from "../shopify-emulator/random";

const DAY = 86_400_000;
const T0 = Date.parse("2026-06-01T00:00:00Z");

function cohortOf(rows: { customer: number; entryAt: number; control: boolean }[]): LiftCohort {
  return {
    customer: Int32Array.from(rows, (r) => r.customer),
    entryAt: Float64Array.from(rows, (r) => r.entryAt),
    control: Uint8Array.from(rows, (r) => (r.control ? 1 : 0)),
  };
}

describe("lift statistics", () => {
  it("counts orders strictly after entry, within each window, and only customers whose window has elapsed", () => {
    // 40 treated customers (0..39) and 40 control (40..79), all entering at T0.
    const orders = Array.from({ length: 80 }, (_, c) => {
      const list = [
        { at: T0, amount: 500 }, // the order that moved them in: not an outcome
        { at: T0 - DAY, amount: 500 }, // before entry
      ];
      // Every second treated customer orders 100 on day 10 and 50 on day 45; every fourth control customer 100 on day 10.
      if (c < 40 && c % 2 === 0) list.push({ at: T0 + 10 * DAY, amount: 100 }, { at: T0 + 45 * DAY, amount: 50 });
      if (c >= 40 && c % 4 === 0) list.push({ at: T0 + 10 * DAY, amount: 100 });
      return list;
    });
    const cohort = cohortOf(orders.map((_, c) => ({ customer: c, entryAt: T0, control: c >= 40 })));
    const [w30, w60, w90] = measureLift(liftOrdersFrom(orders), cohort, T0 + 61 * DAY);

    expect(w30.treated).toEqual({
      customers: 40,
      buyers: 20,
      orders: 20,
      revenue: 2000,
      conversion: 0.5,
      ordersPerCustomer: 0.5,
      revenuePerCustomer: 50,
      aov: 100,
    });
    expect(w30.control).toMatchObject({ customers: 40, buyers: 10, orders: 10, revenue: 1000, conversion: 0.25 });
    expect(w30.sufficient).toBe(true);
    expect(w30.lift.conversion!.absolute.estimate).toBeCloseTo(0.25, 12);
    expect(w30.lift.conversion!.relative!.estimate).toBeCloseTo(1, 12);
    // Two-proportion z interval: 0.25 ± 1.96 × √(0.25/40 + 0.1875/40).
    const half = 1.959963984540054 * Math.sqrt(0.25 / 40 + 0.1875 / 40);
    expect(w30.lift.conversion!.absolute.low).toBeCloseTo(0.25 - half, 12);
    expect(w30.lift.conversion!.absolute.high).toBeCloseTo(0.25 + half, 12);
    expect(w30.lift.revenuePerCustomer!.relative!.estimate).toBeCloseTo(1, 12);
    expect(w30.lift.aov!.absolute.estimate).toBeCloseTo(0, 12);
    // 20 of 40 buying 100 against 10 of 40: the log-ratio interval is lopsided, so it reads as a range.
    const revenue = w30.lift.revenuePerCustomer!.relative!;
    expect(revenue.low).toBeGreaterThan(0);
    expect(w30.sentence).toBe(
      `In the 30 days after joining, members spent 100 % more than the control group (95 % interval: ${Math.round(revenue.low * 100)} % more to ${Math.round(revenue.high * 100)} % more).`,
    );

    // Day 45 falls in the 60-day window for treated only.
    expect(w60.treated).toMatchObject({ orders: 40, revenue: 3000, aov: 75 });
    expect(w60.control).toMatchObject({ orders: 10, revenue: 1000 });
    // 90 days have not passed for anyone: nobody counts, nothing is claimed.
    expect(w90.treated.customers).toBe(0);
    expect(w90.sufficient).toBe(false);
    expect(w90.lift.revenuePerCustomer).toBeNull();
    expect(w90.needs.controlCustomers).toBe(MIN_CUSTOMERS_PER_ARM);
  });

  it("says what is missing below the minimum sample", () => {
    const orders = Array.from({ length: 60 }, () => [{ at: T0 + DAY, amount: 20 }]);
    // 50 members, 10 control customers; 3 of the control buy.
    const rows = orders.map((_, c) => ({ customer: c, entryAt: T0, control: c >= 50 }));
    const [w30] = measureLift(
      liftOrdersFrom(orders.map((o, c) => (c >= 53 ? [] : o))),
      cohortOf(rows),
      T0 + 30 * DAY,
      [30],
    );
    expect(w30.sufficient).toBe(false);
    expect(w30.needs).toEqual({ treatedCustomers: 0, controlCustomers: 20, treatedBuyers: 0, controlBuyers: 2 });
    expect(w30.sentence).toBe(
      "Not enough data yet for 30 days: needs 20 more customers in the control group, 2 more buyers in the control group whose 30 days since joining have passed.",
    );
  });

  it("reads the engine's order columns: per customer by time, refunded-in-full and later orders left out, an empty customer last", () => {
    const orders = liftOrdersFromColumns(
      {
        customerIds: ["7", "9"],
        customer: Int32Array.of(1, 0, 1, 1, 0),
        time: Float64Array.of(T0 + 3 * DAY, T0 + DAY, T0 + DAY, T0 + 2 * DAY, T0 + 9 * DAY),
        amount: Float64Array.of(30, 10, 0, 20, 50),
      },
      T0 + 5 * DAY,
    );
    expect(Array.from(orders.start)).toEqual([0, 1, 3, 3]);
    expect(Array.from(orders.at)).toEqual([T0 + DAY, T0 + 2 * DAY, T0 + 3 * DAY]);
    expect(Array.from(orders.amount)).toEqual([10, 20, 30]);
  });

  it("Student t quantile and Welch degrees of freedom", () => {
    // Tabulated 97.5 % quantiles.
    expect(studentT975(5)).toBeCloseTo(2.5706, 2);
    expect(studentT975(10)).toBeCloseTo(2.2281, 3);
    expect(studentT975(30)).toBeCloseTo(2.0423, 4);
    expect(studentT975(120)).toBeCloseTo(1.9799, 4);
    expect(studentT975(Infinity)).toBeCloseTo(1.96, 3);
    // Equal variances and sizes: n1 + n0 − 2.
    expect(welchDf(1 / 50, 50, 1 / 50, 50)).toBeCloseTo(98, 9);
  });
});

/** One simulated experiment: a segment's cohort with staggered entries and a known effect. */
function simulate(seed: number, lift: number): WindowLift[] {
  const random = new Random(hashSeed(`entries-${seed}`));
  const asOf = T0 + 150 * DAY;
  const customers: TreatmentCustomer[] = Array.from({ length: 3000 }, (_, i) => ({
    customerId: i + 1,
    // A 20 % control share, as the hash of customer and segment assigns it.
    treated: !random.chance(0.2),
    from: T0 + random.int(0, 50) * DAY,
  }));
  const planned = treatmentOrders({ seed: `lift-${seed}`, customers, until: asOf, lift, productCount: 48 });
  const prices = Array.from({ length: 48 }, (_, i) => 8 + i * 2.5);
  const perCustomer = customers.map(() => [] as { at: number; amount: number }[]);
  for (const o of planned)
    perCustomer[o.customerId - 1].push({
      at: o.processedAt,
      amount: o.lineItems.reduce((sum, li) => sum + li.quantity * prices[li.productIndex], 0),
    });
  const cohort = cohortOf(customers.map((c, i) => ({ customer: i, entryAt: c.from, control: !c.treated })));
  return measureLift(liftOrdersFrom(perCustomer), cohort, asOf);
}

describe("lift recovers an injected treatment effect", () => {
  // 1,000 seeds: with 200, one window of seeds 0–199 covered 179 (89.5 %) against 94–96 % over 1,000.
  const SEEDS = 1000;
  const coverage = (lift: number) => {
    const hits = { orders: [0, 0, 0], revenue: [0, 0, 0], conversion: [0, 0, 0] };
    for (let seed = 0; seed < SEEDS; seed++) {
      simulate(seed, lift).forEach((w, i) => {
        expect(w.sufficient).toBe(true);
        const contains = (interval: { low: number; high: number } | null | undefined, x: number) =>
          interval != null && interval.low <= x && x <= interval.high;
        if (contains(w.lift.ordersPerCustomer!.relative, lift)) hits.orders[i]++;
        if (contains(w.lift.revenuePerCustomer!.relative, lift)) hits.revenue[i]++;
        if (contains(w.lift.conversion!.absolute, 0)) hits.conversion[i]++;
      });
    }
    return hits;
  };

  it(`the 95 % interval of relative lift contains X = 20 % in ≥ 90 % of ${SEEDS} seeds, every window`, () => {
    const hits = coverage(0.2);
    console.log(`X = 0.2, ${SEEDS} seeds, windows 30/60/90: intervals containing X`, hits);
    for (const metric of ["orders", "revenue"] as const)
      for (const h of hits[metric]) expect(h, metric).toBeGreaterThanOrEqual(0.9 * SEEDS);
  });

  it(`with X = 0 the intervals contain 0 in ≥ 90 % of ${SEEDS} seeds (conversion too)`, () => {
    const hits = coverage(0);
    console.log(`X = 0, ${SEEDS} seeds, windows 30/60/90: intervals containing 0`, hits);
    for (const metric of ["orders", "revenue", "conversion"] as const)
      for (const h of hits[metric]) expect(h, metric).toBeGreaterThanOrEqual(0.9 * SEEDS);
  });

  it("a 20 % effect on 3,000 customers is detected at 90 days in most seeds, and named in the sentence", () => {
    let detected = 0;
    for (let seed = 0; seed < 50; seed++) {
      const w90 = simulate(seed, 0.2)[2];
      if (w90.lift.revenuePerCustomer!.relative!.low > 0) detected++;
      expect(w90.sentence).toMatch(
        /^In the 90 days after joining, members spent \d+ % (more|less) than the control group(, ±\d+ %| \(95 % interval: \d+ % (more|less) to \d+ % (more|less)\))(\.|: not distinguishable from no difference yet\.)$/,
      );
    }
    expect(detected).toBeGreaterThan(25);
  });
});
