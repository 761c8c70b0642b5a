// Period KPIs of a group of customers (a segment's members): per calendar week or month, what
// they bought in it. The admin's SQL counts per period; this turns the counts into the ratios,
// so the definitions live in one place:
//   revenue     sum of order totals less refunds (never below 0 per order), in the period
//   orders      orders placed in the period (live, not test, not cancelled)
//   AOV         revenue / orders
//   repeat rate share of the period's buyers who had bought in an earlier period
//   retention   share of the previous period's buyers who bought again in this one

export type KpiPeriod = "week" | "month";

/** Complete periods shown and exported, newest last. */
export const KPI_PERIOD_COUNT: Record<KpiPeriod, number> = { week: 26, month: 12 };

export function kpiPeriodOf(value: string | null | undefined): KpiPeriod {
  return value === "week" ? "week" : "month";
}

/** What the SQL counts for one period (the first row is the period before the first shown). */
export interface PeriodCounts {
  /** Shop-local date the period starts on, YYYY-MM-DD. */
  start: string;
  revenue: number;
  orders: number;
  /** Distinct customers who ordered in the period. */
  buyers: number;
  /** Of those, who had bought in an earlier period. */
  returning: number;
  /** Of those, who had also bought in the period just before. */
  retained: number;
}

export interface PeriodKpi {
  start: string;
  revenue: number;
  orders: number;
  buyers: number;
  /** Null without orders. */
  aov: number | null;
  /** Null without buyers. */
  repeatRate: number | null;
  /** Null when nobody bought in the previous period. */
  retention: number | null;
}

const cents = (x: number) => Math.round(x * 100) / 100;

/**
 * The KPIs of each period after the first row, which only serves as the previous period of the
 * second (its buyers are the base of the second's retention).
 */
export function periodKpis(counts: readonly PeriodCounts[]): PeriodKpi[] {
  const kpis: PeriodKpi[] = [];
  for (let i = 1; i < counts.length; i++) {
    const row = counts[i];
    const before = counts[i - 1];
    kpis.push({
      start: row.start,
      revenue: cents(row.revenue),
      orders: row.orders,
      buyers: row.buyers,
      aov: row.orders > 0 ? cents(row.revenue / row.orders) : null,
      repeatRate: row.buyers > 0 ? row.returning / row.buyers : null,
      retention: before.buyers > 0 ? row.retained / before.buyers : null,
    });
  }
  return kpis;
}
