import db from "~/db.server";
import { utcOffsetMinutes } from "~/compute/load-transactions.server";

const DAY = 86_400_000;

/**
 * The backtest window recounted from the stored orders in SQL, independently of the engine:
 * shop-local purchase days (the run's fixed UTC offset at `asOf`), cutoff = as-of day − horizon.
 * Customers with a purchase day on or before the cutoff form the cohort; their distinct purchase
 * days in (cutoff, as-of] are the window's purchases.
 */
export async function recountWindow(shopId: number, asOf: Date, horizonDays: number) {
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
  const offset = utcOffsetMinutes(shop.timezone, asOf);
  const asOfDay = new Date(asOf.getTime() + offset * 60_000).toISOString().slice(0, 10);
  const cutoffDay = new Date(Date.parse(asOfDay) - horizonDays * DAY).toISOString().slice(0, 10);
  const [row] = await db.$queryRaw<
    { calibration: bigint; repeaters: bigint; purchases: bigint; buying: bigint; newcomers: bigint }[]
  >`
    WITH days AS (
      SELECT DISTINCT c."id" AS customer, (o."processedAt" + ${offset} * interval '1 minute')::date AS day
      FROM "Order" o JOIN "Customer" c ON c."shopId" = o."shopId" AND c."shopifyId" = o."customerShopifyId"
      WHERE o."shopId" = ${shopId} AND NOT o."test" AND o."deletedAt" IS NULL AND o."cancelledAt" IS NULL AND c."deletedAt" IS NULL
    ),
    cal AS (SELECT customer, count(*) AS n FROM days WHERE day <= ${cutoffDay}::date GROUP BY customer),
    win AS (SELECT customer, count(*) AS n FROM days WHERE day > ${cutoffDay}::date AND day <= ${asOfDay}::date GROUP BY customer)
    SELECT (SELECT count(*) FROM cal) AS calibration,
           (SELECT count(*) FROM cal WHERE n > 1) AS repeaters,
           (SELECT COALESCE(sum(win.n), 0) FROM win JOIN cal USING (customer))::bigint AS purchases,
           (SELECT count(*) FROM win JOIN cal USING (customer)) AS buying,
           (SELECT count(*) FROM win WHERE customer NOT IN (SELECT customer FROM cal)) AS newcomers`;
  return {
    asOfDay,
    cutoffDay,
    calibration: Number(row.calibration),
    repeatCustomers: Number(row.repeaters),
    repeatPurchases: Number(row.purchases),
    customersBuying: Number(row.buying),
    newCustomers: Number(row.newcomers),
  };
}
