import type { Db } from "~/db.server";
import { TransactionColumnsBuilder } from "~/segmentation/transactions";
import type { TransactionColumns } from "~/segmentation/types";

// Reads a shop's orders into the engine's columnar input, in keyset-paginated chunks so a
// shop with millions of orders never materialises them as objects all at once.

const CHUNK = 50_000;

export interface ShopTransactions {
  columns: TransactionColumns;
  /** Customer.id (as string) per engine customer index — the same as columns.customerIds. */
  orderCount: number;
}

/** Net order value (total less refunds) of every live, non-test, non-cancelled order with a customer. */
export async function loadTransactions(db: Db, shopId: number, customerIds?: bigint[]): Promise<ShopTransactions> {
  const builder = new TransactionColumnsBuilder();
  let after = 0n;
  for (;;) {
    const rows = await db.$queryRaw<{ id: bigint; customer: bigint; at: number; amount: number }[]>`
      SELECT o."id", c."id" AS customer,
             (EXTRACT(EPOCH FROM o."processedAt") * 1000)::float8 AS at,
             GREATEST(0, o."totalPrice" - o."totalRefunded")::float8 AS amount
      FROM "Order" o
      JOIN "Customer" c ON c."shopId" = o."shopId" AND c."shopifyId" = o."customerShopifyId"
      WHERE o."shopId" = ${shopId} AND o."id" > ${after} AND NOT o."test" AND o."deletedAt" IS NULL
        AND o."cancelledAt" IS NULL AND c."deletedAt" IS NULL
        AND (${customerIds ?? null}::bigint[] IS NULL OR c."id" = ANY(${customerIds ?? null}::bigint[]))
      ORDER BY o."id"
      LIMIT ${CHUNK}`;
    for (const row of rows) builder.add(row.customer.toString(), row.at, row.amount);
    if (rows.length < CHUNK) break;
    after = rows[rows.length - 1].id;
  }
  return { columns: builder.build(), orderCount: builder.rowCount };
}

/** Minutes east of UTC for a shop's time zone now (what "today" means for the shop). */
export function utcOffsetMinutes(timezone: string, at = new Date()): number {
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: timezone, timeZoneName: "longOffset" }).formatToParts(at);
    const zone = parts.find((p) => p.type === "timeZoneName")?.value ?? "GMT";
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(zone);
    if (!match) return 0;
    return (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
  } catch {
    return 0;
  }
}
