// Monthly acquisition cohorts × months since the first order: retained customers and revenue.
import { monthLabel, monthNumber } from "./calendar";
import type { CustomerFeatures } from "./features";
import type { CohortTable } from "./types";

export function buildCohorts(
  features: CustomerFeatures,
  amount: Float64Array,
  asOfDay: number,
  months: number,
): CohortTable {
  const { count, firstDay, history } = features;
  if (count === 0) return { months, rows: [] };

  // Month numbers through a day → month lookup table: one Date per calendar day, not per row.
  // Refund rows may predate the first order; every row is on or before the as-of day.
  let minDay = asOfDay;
  for (let i = 0; i < history.rows.length; i++) minDay = Math.min(minDay, history.day[history.rows[i]]);
  const maxDay = asOfDay;
  const monthOfDay = new Int32Array(maxDay - minDay + 1);
  for (let day = minDay; day <= maxDay; day++) monthOfDay[day - minDay] = monthNumber(day);

  let firstMonth = Infinity;
  for (let c = 0; c < count; c++) firstMonth = Math.min(firstMonth, monthOfDay[firstDay[c] - minDay]);
  const cohortCount = monthOfDay[maxDay - minDay] - firstMonth + 1;
  const width = months + 1;
  const size = new Float64Array(cohortCount);
  const retained = new Float64Array(cohortCount * width);
  const revenue = new Float64Array(cohortCount * width);

  for (let c = 0; c < count; c++) {
    const cohort = monthOfDay[firstDay[c] - minDay] - firstMonth;
    size[cohort]++;
    let lastCounted = -1;
    // Rows are time-ordered per customer, so month offsets never decrease.
    for (let i = history.offsets[c]; i < history.offsets[c + 1]; i++) {
      const row = history.rows[i];
      const offset = monthOfDay[history.day[row] - minDay] - firstMonth - cohort;
      if (offset < 0 || offset > months) continue; // refunds before the first order; beyond the table
      revenue[cohort * width + offset] += amount[row];
      if (amount[row] >= 0 && offset !== lastCounted) {
        retained[cohort * width + offset]++;
        lastCounted = offset;
      }
    }
  }

  const rows: CohortTable["rows"] = [];
  for (let cohort = 0; cohort < cohortCount; cohort++) {
    if (size[cohort] === 0) continue;
    // Only the months that have already happened for this cohort.
    const observed = Math.min(width, cohortCount - cohort);
    rows.push({
      month: monthLabel(firstMonth + cohort),
      customers: size[cohort],
      retained: Array.from(retained.subarray(cohort * width, cohort * width + observed)),
      revenue: Array.from(
        revenue.subarray(cohort * width, cohort * width + observed),
        (v) => Math.round(v * 100) / 100,
      ),
    });
  }
  return { months, rows };
}
