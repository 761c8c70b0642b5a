import { appNow } from "~/clock.server";
import { db, type ShopContext } from "./shop.server";

// Retention by acquisition month: customers grouped by the month of their first order, and for
// each later month how many ordered again and what they spent. Each compute run stores the
// engine's cohort table (shop time zone) with its model, so the page reads that; before the
// first run it falls back to one GROUP BY over the orders. Bounded to the last `months`
// cohorts × `months` offsets.

export interface CohortRow {
  month: string;
  customers: number;
  /** Index = months since the first order (0 = acquisition month). */
  retained: number[];
  revenue: number[];
}

export async function cohortTable(shop: ShopContext, months = 12, now = appNow()): Promise<CohortRow[]> {
  const stored = await db.shopModel.findUnique({ where: { shopId: shop.id }, select: { params: true } });
  const computed = (stored?.params as { cohorts?: { rows: CohortRow[] } } | undefined)?.cohorts;
  if (computed) {
    return computed.rows.slice(-months).map((row) => ({
      month: row.month,
      customers: row.customers,
      retained: row.retained.slice(0, months),
      revenue: row.revenue.slice(0, months).map((value) => Math.round(value * 100) / 100),
    }));
  }
  return cohortsFromOrders(shop, months, now);
}

async function cohortsFromOrders(shop: ShopContext, months: number, now: Date): Promise<CohortRow[]> {
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (months - 1), 1));
  const [sizes, cells] = await Promise.all([
    db.$queryRaw<{ month: string; customers: bigint }[]>`
      SELECT to_char(date_trunc('month', "firstOrderAt"), 'YYYY-MM') AS "month", count(*) AS "customers"
      FROM "CustomerScore"
      WHERE "shopId" = ${shop.id} AND "firstOrderAt" >= ${since}
      GROUP BY 1 ORDER BY 1`,
    db.$queryRaw<{ month: string; offset: number; customers: bigint; revenue: number }[]>`
      WITH firsts AS (
        SELECT c."shopifyId", date_trunc('month', s."firstOrderAt") AS "cohort"
        FROM "CustomerScore" s
        JOIN "Customer" c ON c."id" = s."customerId"
        WHERE s."shopId" = ${shop.id} AND s."firstOrderAt" >= ${since}
      ), cells AS (
        SELECT f."cohort", o."customerShopifyId", o."totalPrice" - o."totalRefunded" AS "net",
          ((date_part('year', o."processedAt") - date_part('year', f."cohort")) * 12
            + date_part('month', o."processedAt") - date_part('month', f."cohort"))::int AS "offset"
        FROM firsts f
        JOIN "Order" o ON o."shopId" = ${shop.id} AND o."customerShopifyId" = f."shopifyId"
        WHERE NOT o."test" AND o."deletedAt" IS NULL AND o."cancelledAt" IS NULL
      )
      SELECT to_char("cohort", 'YYYY-MM') AS "month", "offset",
        count(DISTINCT "customerShopifyId") AS "customers", sum("net")::float8 AS "revenue"
      FROM cells
      WHERE "offset" BETWEEN 0 AND ${months - 1}
      GROUP BY 1, 2`,
  ]);

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
