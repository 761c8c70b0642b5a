import { openCustomerRow } from "~/privacy/personal-data.server";
import type { MemberRecord } from "./members.server";
import { jobDataDb } from "./job-data-db.server";
import type { ShopContext } from "./admin-shop.server";

// Segment members as CSV, streamed in batches (keyset on customer id): a million-member segment
// never sits in memory at once.

const BATCH = 2_000;

export const MEMBER_CSV_COLUMNS = [
  "shopify_customer_id",
  "email",
  "first_name",
  "last_name",
  "control_group",
  "member_since",
  "orders",
  "total_spent",
  "predicted_clv",
  "p_alive",
  "last_order_at",
  "rfm_segment",
] as const;

interface ExportRow extends MemberRecord {
  rfmSegment: string | null;
}

/** One CSV field: quoted when needed, and defused if a spreadsheet would read it as a formula. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(row: ExportRow): string {
  return [
    row.shopifyId.toString(),
    row.email,
    row.firstName,
    row.lastName,
    row.control,
    row.since.toISOString(),
    row.orderCount ?? 0,
    row.totalSpent?.toFixed(2) ?? "0.00",
    row.clv === null ? null : row.clv.toFixed(2),
    row.pAlive === null ? null : row.pAlive.toFixed(4),
    row.lastOrderAt?.toISOString() ?? null,
    row.rfmSegment,
  ]
    .map(csvField)
    .join(",");
}

export function memberCsvStream(shop: ShopContext, segmentKey: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let afterId: bigint = -1n;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(`${MEMBER_CSV_COLUMNS.join(",")}\r\n`));
      }
      const rows = await jobDataDb().$queryRaw<ExportRow[]>`
        SELECT c."id", c."shopifyId", c."email", c."firstName", c."lastName", m."control", m."since",
          s."orderCount", s."totalSpent", s."clv", s."pAlive", s."lastOrderAt", s."rfmSegment"
        FROM "Membership" m
        JOIN "Customer" c ON c."id" = m."customerId" AND c."shopId" = m."shopId"
        LEFT JOIN "CustomerScore" s ON s."shopId" = m."shopId" AND s."customerId" = m."customerId"
        WHERE m."shopId" = ${shop.id} AND m."segmentKey" = ${segmentKey} AND m."customerId" > ${afterId}
        ORDER BY m."customerId"
        LIMIT ${BATCH}`;
      if (rows.length > 0) {
        controller.enqueue(encoder.encode(rows.map((row) => `${csvLine(openCustomerRow(shop.id, row))}\r\n`).join("")));
        afterId = rows[rows.length - 1].id;
      }
      if (rows.length < BATCH) controller.close();
    },
  });
}
