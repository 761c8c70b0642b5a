// Synthetic shops drawn from the models themselves: BG/NBD purchase histories with
// Gamma-Gamma order values. Used by the benchmark and by the parameter-recovery tests.
import { betaDeviate, gammaDeviate, seededRandom } from "~/segmentation/random";
import type { TransactionColumns } from "~/segmentation";

const DAY = 86_400_000;

export interface SyntheticShopOptions {
  customers: number;
  /** BG/NBD parameters with time in days. */
  bgnbd: { r: number; alpha: number; a: number; b: number };
  gammaGamma: { p: number; q: number; gamma: number };
  /** First purchases are spread uniformly over this many days before the end. */
  acquisitionDays: number;
  /** Observation window: the shop's history covers `historyDays` days ending on `end`. */
  historyDays: number;
  end: Date;
  seed: number;
  /**
   * A yearly pattern: the purchase rate is multiplied by 1 + amplitude · cos(2π (day of year −
   * peakDayOfYear) / 365.25), by thinning a Poisson process at the peak rate.
   */
  seasonality?: { amplitude: number; peakDayOfYear: number };
}

export const BENCH_SHOP: Omit<SyntheticShopOptions, "customers"> = {
  // About five orders per customer over three years, like a healthy repeat-purchase shop.
  bgnbd: { r: 0.9, alpha: 70, a: 0.6, b: 3.5 },
  gammaGamma: { p: 4, q: 3, gamma: 30 },
  acquisitionDays: 1095,
  historyDays: 1095,
  end: new Date("2026-06-30T00:00:00Z"),
  seed: 7,
};

/**
 * Rows come out in global time order (as a shop's order table would), customer ids as
 * strings "c0", "c1", …
 */
export function syntheticShop(options: SyntheticShopOptions): TransactionColumns {
  const random = seededRandom(options.seed);
  const { r, alpha, a, b } = options.bgnbd;
  const gg = options.gammaGamma;
  const endMs = options.end.getTime();
  const startMs = endMs - options.historyDays * DAY;

  let capacity = options.customers * 8;
  let customer = new Int32Array(capacity);
  let time = new Float64Array(capacity);
  let amount = new Float64Array(capacity);
  let length = 0;
  const push = (c: number, t: number, value: number) => {
    if (length === capacity) {
      capacity *= 2;
      const grownCustomer = new Int32Array(capacity);
      grownCustomer.set(customer);
      const grownTime = new Float64Array(capacity);
      grownTime.set(time);
      const grownAmount = new Float64Array(capacity);
      grownAmount.set(amount);
      customer = grownCustomer;
      time = grownTime;
      amount = grownAmount;
    }
    customer[length] = c;
    time[length] = t;
    amount[length] = value;
    length++;
  };

  const season = options.seasonality;
  const seasonalLevel = (t: number) => {
    const date = new Date(t);
    const dayOfYear = (t - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY;
    return 1 + season!.amplitude * Math.cos((2 * Math.PI * (dayOfYear - season!.peakDayOfYear)) / 365.25);
  };
  for (let c = 0; c < options.customers; c++) {
    const rate = gammaDeviate(r, random) / alpha; // purchases per day while alive
    const dropout = betaDeviate(a, b, random);
    const spendRate = gammaDeviate(gg.q, random) / gg.gamma;
    let t = endMs - random() * options.acquisitionDays * DAY;
    for (let purchase = 0; ; purchase++) {
      push(c, t, Math.round((gammaDeviate(gg.p, random) / spendRate) * 100) / 100);
      // BG/NBD: the customer may drop out after each repeat purchase (not after the first).
      if (purchase > 0 && random() < dropout) break;
      if (season) {
        // Candidates at the peak rate, each kept with probability level / peak level.
        const peak = 1 + season.amplitude;
        do t += (-Math.log(1 - random()) / (rate * peak)) * DAY;
        while (t < endMs && random() * peak > seasonalLevel(t));
      } else {
        t += (-Math.log(1 - random()) / rate) * DAY;
      }
      if (t >= endMs) break;
    }
  }

  // Counting sort by day, then by time within the day: the order a shop would store them.
  const days = options.historyDays + 1;
  const perDay = new Int32Array(days + 1);
  const dayOf = (row: number) => Math.min(days - 1, Math.max(0, Math.floor((time[row] - startMs) / DAY)));
  for (let row = 0; row < length; row++) perDay[dayOf(row) + 1]++;
  for (let d = 0; d < days; d++) perDay[d + 1] += perDay[d];
  const order = new Int32Array(length);
  for (let row = 0; row < length; row++) order[perDay[dayOf(row)]++] = row;

  const ids = new Array<string>(options.customers);
  for (let c = 0; c < options.customers; c++) ids[c] = `c${c}`;
  return {
    customerIds: ids,
    customer: Int32Array.from(order, (row) => customer[row]),
    time: Float64Array.from(order, (row) => time[row]),
    amount: Float64Array.from(order, (row) => amount[row]),
  };
}
