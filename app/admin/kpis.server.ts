import { appNow } from "~/clock.server";
import {
  KPI_PERIOD_COUNT,
  periodKpis,
  type KpiPeriod,
  type PeriodCounts,
  type PeriodKpi,
} from "~/segmentation/period-kpis";
import { withinBudget, type PlannerSwitch } from "./cohorts.server";
import { csvField } from "./export.server";
import type { SegmentKind } from "~/generated/prisma/client";
import { db, type ShopContext } from "./admin-shop.server";

// Period KPIs of a segment (revenue, orders, AOV, repeat rate, retention per week or month) and
// each segment's revenue in the last complete period (Results page), from the orders.
//
// Whose orders: the segment's members now, control holdouts included. The trend therefore shows
// how today's members bought over the last months — before they joined too — not what the
// segment's membership at the time bought (that history exists only from the first runs on, and
// a segment's members turn over; how belonging changed buying is the Lift card's job). Control
// holdouts are a random share of the members, so including them moves no ratio, and the
// figures do not depend on the control share.
//
// Periods are calendar weeks (Monday) or months in the shop's time zone; only complete periods
// are shown, the newest ending where the current one begins. An order counts in the period it
// was placed, net of everything refunded on it so far (refund dates are not stored).
//
// Plans: the reads walk indexes from the few rows they start from — the segment's members, or
// the last period's orders — with nested loops fenced by OFFSET 0 laterals, and sequential
// scans, hash and merge joins off, so a planner whose statistics predate the shop's rows cannot
// choose a scan of every order. Their cost grows with the members' orders (or the period's
// orders), and PostgreSQL cancels them past the budget: the page then says so.

/** Longest a KPI read may take before the page gives up on it. */
const BUDGET_MS = 3_000;
const INDEX_WALK: readonly PlannerSwitch[] = ["enable_seqscan", "enable_hashjoin", "enable_mergejoin"];

/** The order filter the engine scores on (app/compute/load-transactions.server.ts). */
const LIVE_ORDER = `NOT o."test" AND o."deletedAt" IS NULL AND o."cancelledAt" IS NULL`;

export interface SegmentKpisView {
  period: KpiPeriod;
  timezone: string;
  /** Current members, treated and control. */
  members: number;
  /** Oldest first; null when the read ran over its budget. */
  periods: PeriodKpi[] | null;
}

export function shopTimezone(shop: ShopContext): string {
  return shop.settings.timezone ?? shop.timezone;
}

/** The segment's KPIs for the last KPI_PERIOD_COUNT complete periods (null past `budgetMs`). */
export async function segmentPeriodKpis(
  shop: ShopContext,
  segmentKey: string,
  period: KpiPeriod,
  now = appNow(),
  budgetMs = BUDGET_MS,
): Promise<SegmentKpisView> {
  const tz = shopTimezone(shop);
  const count = KPI_PERIOD_COUNT[period];
  const result = await withinBudget(
    budgetMs,
    async (tx) => {
      const [{ members }] = await tx.$queryRaw<{ members: bigint }[]>`
        SELECT count(*) AS "members" FROM "Membership" WHERE "shopId" = ${shop.id} AND "segmentKey" = ${segmentKey}`;
      // One period more than shown: its buyers are the base of the first period's retention.
      const rows = await tx.$queryRawUnsafe<PeriodCounts[]>(
        `WITH w AS (
           SELECT cur, step, cur - ($5::int + 1) * step AS first, (cur AT TIME ZONE $4) AT TIME ZONE 'UTC' AS cur_utc
           FROM (SELECT date_trunc($3, ($6::timestamp AT TIME ZONE 'UTC') AT TIME ZONE $4) AS cur,
                   ('1 ' || $3)::interval AS step) b
         ), member_orders AS (
           SELECT m."customerId", date_trunc($3, (x."processedAt" AT TIME ZONE 'UTC') AT TIME ZONE $4) AS period, x.net
           FROM "Membership" m
           CROSS JOIN w
           CROSS JOIN LATERAL (
             SELECT c."shopifyId" FROM "Customer" c
             WHERE c."shopId" = $1 AND c."id" = m."customerId" AND c."deletedAt" IS NULL OFFSET 0) c
           CROSS JOIN LATERAL (
             SELECT o."processedAt", GREATEST(0, o."totalPrice" - o."totalRefunded") AS net FROM "Order" o
             WHERE o."shopId" = $1 AND o."customerShopifyId" = c."shopifyId" AND o."processedAt" < w.cur_utc AND ${LIVE_ORDER}
             OFFSET 0) x
           WHERE m."shopId" = $1 AND m."segmentKey" = $2
         ), buyer_periods AS (
           SELECT "customerId", period, count(*) AS orders, sum(net) AS revenue,
             period > min(period) OVER (PARTITION BY "customerId") AS returning,
             lag(period) OVER (PARTITION BY "customerId" ORDER BY period) AS previous
           FROM member_orders
           GROUP BY 1, 2
         )
         SELECT to_char(g, 'YYYY-MM-DD') AS "start",
           COALESCE(sum(b.revenue), 0)::float8 AS "revenue",
           COALESCE(sum(b.orders), 0)::int AS "orders",
           count(b."customerId")::int AS "buyers",
           count(*) FILTER (WHERE b.returning)::int AS "returning",
           count(*) FILTER (WHERE b.previous = g - w.step)::int AS "retained"
         FROM w CROSS JOIN generate_series(w.first, w.cur - w.step, w.step) g
         LEFT JOIN buyer_periods b ON b.period = g
         GROUP BY g
         ORDER BY g`,
        shop.id,
        segmentKey,
        period,
        tz,
        count,
        now,
      );
      return { members: Number(members), rows };
    },
    INDEX_WALK,
  );
  return {
    period,
    timezone: tz,
    members: result?.members ?? 0,
    periods: result ? periodKpis(result.rows) : null,
  };
}

export interface PeriodRevenueView {
  period: KpiPeriod;
  /** Shop-local first day of the last complete period, YYYY-MM-DD. */
  start: string;
  /** Revenue and orders of each segment's current members in it; null past the budget. */
  bySegment: Map<string, { revenue: number; orders: number }> | null;
}

/** Every segment's revenue in the last complete period, from that period's orders (one read). */
export async function lastPeriodRevenue(
  shop: ShopContext,
  period: KpiPeriod,
  now = appNow(),
  budgetMs = BUDGET_MS,
): Promise<PeriodRevenueView> {
  const tz = shopTimezone(shop);
  const rows = await withinBudget(
    budgetMs,
    (tx) =>
      tx.$queryRawUnsafe<{ segmentKey: string | null; start: string; revenue: number; orders: number }[]>(
        `WITH w AS (
           SELECT to_char(cur - step, 'YYYY-MM-DD') AS start,
             ((cur - step) AT TIME ZONE $3) AT TIME ZONE 'UTC' AS from_utc, (cur AT TIME ZONE $3) AT TIME ZONE 'UTC' AS to_utc
           FROM (SELECT date_trunc($2, ($4::timestamp AT TIME ZONE 'UTC') AT TIME ZONE $3) AS cur,
                   ('1 ' || $2)::interval AS step) b
         )
         SELECT ms."segmentKey", w.start, sum(GREATEST(0, o."totalPrice" - o."totalRefunded"))::float8 AS "revenue",
           count(*)::int AS "orders"
         FROM w
         CROSS JOIN LATERAL (
           SELECT o.* FROM "Order" o
           WHERE o."shopId" = $1 AND o."processedAt" >= w.from_utc AND o."processedAt" < w.to_utc AND ${LIVE_ORDER}
           OFFSET 0) o
         CROSS JOIN LATERAL (
           SELECT c."id" FROM "Customer" c
           WHERE c."shopId" = $1 AND c."shopifyId" = o."customerShopifyId" AND c."deletedAt" IS NULL OFFSET 0) c
         CROSS JOIN LATERAL (
           SELECT m."segmentKey" FROM "Membership" m WHERE m."shopId" = $1 AND m."customerId" = c."id" OFFSET 0) ms
         GROUP BY 1, 2
         UNION ALL
         SELECT NULL, w.start, 0, 0 FROM w`,
        shop.id,
        period,
        tz,
        now,
      ),
    INDEX_WALK,
  );
  const start = rows?.find((row) => row.segmentKey === null)?.start ?? "";
  return {
    period,
    start,
    bySegment: rows
      ? new Map(
          rows.flatMap((row) =>
            row.segmentKey === null
              ? []
              : [[row.segmentKey, { revenue: Math.round(row.revenue * 100) / 100, orders: row.orders }] as const],
          ),
        )
      : null,
  };
}

export const KPI_CSV_COLUMNS = [
  "period_start",
  "revenue",
  "orders",
  "buyers",
  "average_order_value",
  "repeat_rate",
  "retention",
] as const;

/** The KPIs as CSV (one line per period, oldest first); ratios as fractions. */
export function kpiCsv(periods: PeriodKpi[]): string {
  const ratio = (x: number | null) => (x === null ? null : x.toFixed(4));
  const lines = periods.map((p) =>
    [
      p.start,
      p.revenue.toFixed(2),
      p.orders,
      p.buyers,
      p.aov?.toFixed(2) ?? null,
      ratio(p.repeatRate),
      ratio(p.retention),
    ]
      .map(csvField)
      .join(","),
  );
  return [KPI_CSV_COLUMNS.join(","), ...lines].map((line) => `${line}\r\n`).join("");
}

export interface RevenueRankingRow {
  key: string;
  name: string;
  kind: SegmentKind;
  revenue: number;
  orders: number;
  aov: number | null;
}

export interface RevenueRankingView {
  period: KpiPeriod;
  /** "Oct 2026", "week of Oct 19, 2026". */
  label: string;
  /** False when the read ran over its budget (then `segments` is empty). */
  computed: boolean;
  /** Enabled segments, highest revenue in the period first. */
  segments: RevenueRankingRow[];
}

/** "Oct 2026" for a month, "week of Oct 19, 2026" for a week (a shop-local date, printed as is). */
export function periodName(start: string, period: KpiPeriod): string {
  if (!start) return period === "month" ? "last month" : "last week";
  const date = new Date(`${start}T00:00:00Z`);
  return period === "month"
    ? date.toLocaleDateString("en-US", { month: "short", year: "numeric", timeZone: "UTC" })
    : `week of ${date.toLocaleDateString("en-US", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" })}`;
}

/** The Results page's ranking: every enabled segment by its members' revenue in the last complete period. */
export async function periodRevenueRanking(
  shop: ShopContext,
  period: KpiPeriod,
  now = appNow(),
  budgetMs = BUDGET_MS,
): Promise<RevenueRankingView> {
  const [last, segments] = await Promise.all([
    lastPeriodRevenue(shop, period, now, budgetMs),
    db.segment.findMany({
      where: { shopId: shop.id, enabled: true },
      select: { key: true, name: true, kind: true },
      take: 250,
    }),
  ]);
  const bySegment = last.bySegment;
  return {
    period,
    label: periodName(last.start, period),
    computed: bySegment !== null,
    segments: bySegment
      ? segments
          .map((s) => {
            const figures = bySegment.get(s.key) ?? { revenue: 0, orders: 0 };
            return {
              ...s,
              ...figures,
              aov: figures.orders > 0 ? Math.round((figures.revenue / figures.orders) * 100) / 100 : null,
            };
          })
          .sort((a, b) => b.revenue - a.revenue || b.orders - a.orders || a.key.localeCompare(b.key))
      : [],
  };
}
