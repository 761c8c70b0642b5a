import { dayStart } from "./calendar";
import type { TransactionColumns } from "./types";

/** Per-customer feature columns that rules, models and the UI read by name. */
export interface BaseFeatureColumns {
  firstOrderAt: Float64Array;
  lastOrderAt: Float64Array;
  /** Order rows (amount ≥ 0) up to the as-of day. */
  orders: Float64Array;
  repeatOrders: Float64Array;
  /** Distinct purchase days: same-day orders are one transaction. */
  purchaseDays: Float64Array;
  recencyDays: Float64Array;
  tenureDays: Float64Array;
  /** Net of refunds. */
  totalSpend: Float64Array;
  averageOrderValue: Float64Array;
  /** Mean days between purchase days; 0 with a single purchase day. */
  interPurchaseDays: Float64Array;
  /** Days between the last two purchase days; 0 with a single purchase day. */
  lastGapDays: Float64Array;
  /** BG/NBD x: repeat purchase days. */
  frequency: Float64Array;
  /** BG/NBD t_x: first to last purchase, in periods. */
  recency: Float64Array;
  /** BG/NBD T: first purchase to the as-of day, in periods. */
  age: Float64Array;
  /** Mean net spend per repeat purchase day (Gamma-Gamma input); 0 when x = 0. */
  repeatSpend: Float64Array;
}

export interface CustomerFeatures {
  count: number;
  /** Position of each customer in the input's `customerIds`. */
  sourceIndex: Int32Array;
  firstDay: Int32Array;
  lastDay: Int32Array;
  columns: BaseFeatureColumns;
  /** Input rows grouped by customer and sorted by time: rows[offsets[c] .. offsets[c+1]). */
  history: { offsets: Int32Array; rows: Int32Array; day: Int32Array };
  /** Rows dated after the as-of day, ignored. */
  rowsAfterAsOf: number;
  /** Rows of customers with refunds but no order, ignored. */
  rowsWithoutOrder: number;
}

export function buildCustomerFeatures(
  tx: TransactionColumns,
  asOfDay: number,
  utcOffsetMinutes: number,
  periodDays: number,
): CustomerFeatures {
  const rowCount = tx.customer.length;
  const sourceCount = tx.customerIds.length;
  const offsetMs = utcOffsetMinutes * 60_000;

  // Pass 1: day of each row, and which customers have at least one order in range.
  const rowDay = new Int32Array(rowCount);
  const rowsPerSource = new Int32Array(sourceCount);
  const hasOrder = new Uint8Array(sourceCount);
  let rowsAfterAsOf = 0;
  for (let row = 0; row < rowCount; row++) {
    const day = Math.floor((tx.time[row] + offsetMs) / 86_400_000);
    rowDay[row] = day;
    if (day > asOfDay) {
      rowsAfterAsOf++;
      continue;
    }
    const source = tx.customer[row];
    rowsPerSource[source]++;
    if (tx.amount[row] >= 0) hasOrder[source] = 1;
  }

  const resultIndex = new Int32Array(sourceCount).fill(-1);
  let count = 0;
  let rowsWithoutOrder = 0;
  for (let s = 0; s < sourceCount; s++) {
    if (hasOrder[s]) resultIndex[s] = count++;
    else rowsWithoutOrder += rowsPerSource[s];
  }
  const sourceIndex = new Int32Array(count);
  const offsets = new Int32Array(count + 1);
  for (let s = 0; s < sourceCount; s++) {
    const c = resultIndex[s];
    if (c >= 0) {
      sourceIndex[c] = s;
      offsets[c + 1] = rowsPerSource[s];
    }
  }
  for (let c = 0; c < count; c++) offsets[c + 1] += offsets[c];

  // Pass 2: counting sort of rows by customer (stable, so time-ordered input stays ordered).
  const rows = new Int32Array(offsets[count]);
  const cursor = offsets.slice(0, count);
  for (let row = 0; row < rowCount; row++) {
    if (rowDay[row] > asOfDay) continue;
    const c = resultIndex[tx.customer[row]];
    if (c >= 0) rows[cursor[c]++] = row;
  }

  const columns = allocateColumns(count);
  const firstDay = new Int32Array(count);
  const lastDay = new Int32Array(count);
  const { time, amount } = tx;

  for (let c = 0; c < count; c++) {
    const start = offsets[c];
    const end = offsets[c + 1];
    sortSliceByTime(rows, start, end, time);

    let orders = 0;
    let purchaseDays = 0;
    let total = 0;
    let first = 0;
    let last = 0;
    let previousPurchaseDay = 0;
    for (let i = start; i < end; i++) {
      const row = rows[i];
      const value = amount[row];
      total += value;
      if (value < 0) continue;
      const day = rowDay[row];
      orders++;
      if (purchaseDays === 0) {
        first = day;
        last = day;
        purchaseDays = 1;
      } else if (day !== last) {
        previousPurchaseDay = last;
        last = day;
        purchaseDays++;
      }
    }
    // Spend after the first purchase day, refunds included: the Gamma-Gamma input.
    let repeatTotal = 0;
    for (let i = start; i < end; i++) if (rowDay[rows[i]] > first) repeatTotal += amount[rows[i]];

    const x = purchaseDays - 1;
    firstDay[c] = first;
    lastDay[c] = last;
    columns.firstOrderAt[c] = dayStart(first, utcOffsetMinutes);
    columns.lastOrderAt[c] = dayStart(last, utcOffsetMinutes);
    columns.orders[c] = orders;
    columns.repeatOrders[c] = orders - 1;
    columns.purchaseDays[c] = purchaseDays;
    columns.recencyDays[c] = asOfDay - last;
    columns.tenureDays[c] = asOfDay - first;
    columns.totalSpend[c] = total;
    columns.averageOrderValue[c] = total / orders;
    columns.interPurchaseDays[c] = x > 0 ? (last - first) / x : 0;
    columns.lastGapDays[c] = x > 0 ? last - previousPurchaseDay : 0;
    columns.frequency[c] = x;
    columns.recency[c] = (last - first) / periodDays;
    columns.age[c] = (asOfDay - first) / periodDays;
    columns.repeatSpend[c] = x > 0 ? Math.max(0, repeatTotal) / x : 0;
  }

  return {
    count,
    sourceIndex,
    firstDay,
    lastDay,
    columns,
    history: { offsets, rows, day: rowDay },
    rowsAfterAsOf,
    rowsWithoutOrder,
  };
}

function allocateColumns(count: number): BaseFeatureColumns {
  const column = () => new Float64Array(count);
  return {
    firstOrderAt: column(),
    lastOrderAt: column(),
    orders: column(),
    repeatOrders: column(),
    purchaseDays: column(),
    recencyDays: column(),
    tenureDays: column(),
    totalSpend: column(),
    averageOrderValue: column(),
    interPurchaseDays: column(),
    lastGapDays: column(),
    frequency: column(),
    recency: column(),
    age: column(),
    repeatSpend: column(),
  };
}

/** Insertion sort: customers have few rows, usually already in time order. */
function sortSliceByTime(rows: Int32Array, start: number, end: number, time: Float64Array): void {
  if (end - start > 64) {
    rows.subarray(start, end).sort((a, b) => time[a] - time[b] || a - b);
    return;
  }
  for (let i = start + 1; i < end; i++) {
    const row = rows[i];
    const t = time[row];
    let j = i - 1;
    while (j >= start && time[rows[j]] > t) {
      rows[j + 1] = rows[j];
      j--;
    }
    rows[j + 1] = row;
  }
}
