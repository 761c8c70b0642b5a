import { appNow } from "~/clock.server";
import type { Prisma } from "~/generated/prisma/client";
import { jobDataDb } from "./job-data-db.server";
import type { ShopContext } from "./admin-shop.server";

// Retention by acquisition month: customers grouped by the month of their first order, and for
// each later month how many ordered again and what they spent. Each compute run stores the
// engine's cohort table (shop time zone) with its model, so the page reads that (milliseconds
// at any size). Only a shop with scores but no stored table (a run that failed between writing
// scores and storing its model) falls back to one GROUP BY over the orders of the last `months`
// cohorts; that scan grows with the shop (seconds at 1M customers), so PostgreSQL cancels it
// after FALLBACK_BUDGET_MS and the page shows the table after the next run instead.
// Bounded to the last `months` cohorts × `months` offsets.

/** Longest the fallback over the orders may take before the page gives up on it. */
const FALLBACK_BUDGET_MS = 1_500;

export interface CohortRow {
  month: string;
  customers: number;
  /** Index = months since the first order (0 = acquisition month). */
  retained: number[];
  revenue: number[];
}

export async function cohortTable(shop: ShopContext, months = 12, now = appNow()): Promise<CohortRow[]> {
  const stored = await jobDataDb().shopModel.findUnique({ where: { shopId: shop.id }, select: { params: true } });
  const computed = (stored?.params as { cohorts?: { rows: CohortRow[] } } | undefined)?.cohorts;
  if (computed) {
    return computed.rows.slice(-months).map((row) => ({
      month: row.month,
      customers: row.customers,
      retained: row.retained.slice(0, months),
      revenue: row.revenue.slice(0, months).map((value) => Math.round(value * 100) / 100),
    }));
  }
  return (await cohortsFromOrders(shop, months, now)) ?? [];
}

/** The cohort table from the orders, or null when it took longer than `budgetMs`. */
export async function cohortsFromOrders(
  shop: ShopContext,
  months: number,
  now: Date,
  budgetMs = FALLBACK_BUDGET_MS,
): Promise<CohortRow[] | null> {
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (months - 1), 1));
  // Two statements in parallel, each with the budget. Orders before `since` cannot be in a
  // cohort since then, so the order scan stays within the window.
  const [sizes, cells] = await Promise.all([
    withinBudget(
      budgetMs,
      (tx) =>
        tx.$queryRaw<{ month: string; customers: bigint }[]>`
        SELECT to_char(date_trunc('month', "firstOrderAt"), 'YYYY-MM') AS "month", count(*) AS "customers"
        FROM "CustomerScore"
        WHERE "shopId" = ${shop.id} AND "firstOrderAt" >= ${since}
        GROUP BY 1 ORDER BY 1`,
    ),
    withinBudget(
      budgetMs,
      (tx) =>
        tx.$queryRaw<{ month: string; offset: number; customers: bigint; revenue: number }[]>`
        WITH firsts AS (
          SELECT c."shopifyId", date_trunc('month', s."firstOrderAt") AS "cohort"
          FROM "CustomerScore" s
          JOIN "Customer" c ON c."shopId" = s."shopId" AND c."id" = s."customerId"
          WHERE s."shopId" = ${shop.id} AND s."firstOrderAt" >= ${since}
        ), cells AS (
          SELECT f."cohort", o."customerShopifyId", o."totalPrice" - o."totalRefunded" AS "net",
            ((date_part('year', o."processedAt") - date_part('year', f."cohort")) * 12
              + date_part('month', o."processedAt") - date_part('month', f."cohort"))::int AS "offset"
          FROM firsts f
          JOIN "Order" o ON o."shopId" = ${shop.id} AND o."customerShopifyId" = f."shopifyId"
          WHERE o."processedAt" >= ${since} AND NOT o."test" AND o."deletedAt" IS NULL AND o."cancelledAt" IS NULL
        )
        SELECT to_char("cohort", 'YYYY-MM') AS "month", "offset",
          count(DISTINCT "customerShopifyId") AS "customers", sum("net")::float8 AS "revenue"
        FROM cells
        WHERE "offset" BETWEEN 0 AND ${months - 1}
        GROUP BY 1, 2`,
    ),
  ]);
  if (!sizes || !cells) return null;

  const rows = new Map<string, CohortRow>();
  const currentMonth = now.getUTCFullYear() * 12 + now.getUTCMonth();
  for (const size of sizes) {
    const [year, month] = size.month.split("-").map(Number);
    // Only the months that have already happened for this cohort.
    const observed = Math.min(months, currentMonth - (year * 12 + month - 1) + 1);
    rows.set(size.month, {
      month: size.month,
      customers: Number(size.customers),
      retained: new Array<number>(observed).fill(0),
      revenue: new Array<number>(observed).fill(0),
    });
  }
  for (const cell of cells) {
    const row = rows.get(cell.month);
    if (!row || cell.offset >= row.retained.length) continue;
    row.retained[cell.offset] = Number(cell.customers);
    row.revenue[cell.offset] = Math.round(cell.revenue * 100) / 100;
  }
  return [...rows.values()];
}

/** Planner switches a read may turn off for its own transaction (see withinBudget). */
export type PlannerSwitch =
  "enable_seqscan" | "enable_hashjoin" | "enable_mergejoin" | "enable_hashagg" | "enable_nestloop";

/**
 * Runs `query` in a transaction whose statements PostgreSQL cancels after `ms`; null if it did.
 * `off` turns planner methods off for that transaction only, so a read's plan follows its shape
 * rather than statistics that may predate the shop's rows.
 */
export async function withinBudget<T>(
  ms: number,
  query: (tx: Prisma.TransactionClient) => Promise<T>,
  off: readonly PlannerSwitch[] = [],
): Promise<T | null> {
  try {
    return await jobDataDb().$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(ms))}`);
        for (const name of off) await tx.$executeRawUnsafe(`SET LOCAL ${name} = off`);
        return query(tx);
      },
      { timeout: ms + 5_000 },
    );
  } catch (error) {
    if (isStatementTimeout(error)) return null;
    throw error;
  }
}

/** SQLSTATE 57014 (query_canceled: here the statement timeout), as Prisma's pg driver adapter reports it. */
function isStatementTimeout(error: unknown): boolean {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { code?: unknown } } } } | null)?.meta;
  return meta?.driverAdapterError?.cause?.code === "57014";
}
