import type { Db } from "~/db.server";
import { Prisma } from "~/generated/prisma/client";
import type { CustomerRow, LineItemSummary, OrderRow } from "~/sync/records";

// The only writers of customers and orders, shared by the back-fill and the webhook appliers,
// so both follow the same rules: a later Shopify updated_at wins, refunds merge by refund id,
// tombstoned (deleted) and redacted rows are never brought back. Each call is one statement
// over arrays (unnest), so a batch of a thousand rows is one round trip.

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function upsertOrders(db: Db, shopId: number, rows: OrderRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  return db.$executeRaw`
    INSERT INTO "Order" ("shopId", "shopifyId", "customerShopifyId", "name", "processedAt", "shopifyCreatedAt",
      "shopifyUpdatedAt", "cancelledAt", "test", "financialStatus", "currency", "presentmentCurrency", "totalPrice",
      "subtotalPrice", "refunds", "totalRefunded", "lineItems", "updatedAt")
    SELECT ${shopId}, v.id, v.customer, v.name, v.processed, v.created, v.updated, v.cancelled, v.test, v.status,
      v.currency, v.presentment, v.total, v.subtotal, v.refunds,
      (SELECT COALESCE(SUM(value::numeric), 0) FROM jsonb_each_text(v.refunds)), v.items, now()
    FROM unnest(
      ${rows.map((r) => r.shopifyId.toString())}::bigint[],
      ${rows.map((r) => r.customerShopifyId?.toString() ?? null)}::bigint[],
      ${rows.map((r) => r.name)}::text[],
      ${rows.map((r) => iso(r.processedAt))}::timestamp(3)[],
      ${rows.map((r) => iso(r.shopifyCreatedAt))}::timestamp(3)[],
      ${rows.map((r) => iso(r.shopifyUpdatedAt))}::timestamp(3)[],
      ${rows.map((r) => iso(r.cancelledAt))}::timestamp(3)[],
      ${rows.map((r) => r.test)}::boolean[],
      ${rows.map((r) => r.financialStatus)}::text[],
      ${rows.map((r) => r.currency)}::text[],
      ${rows.map((r) => r.presentmentCurrency)}::text[],
      ${rows.map((r) => r.totalPrice)}::numeric[],
      ${rows.map((r) => r.subtotalPrice)}::numeric[],
      ${rows.map((r) => JSON.stringify(r.refunds))}::jsonb[],
      ${rows.map((r) => JSON.stringify(r.lineItems))}::jsonb[]
    ) AS v(id, customer, name, processed, created, updated, cancelled, test, status, currency, presentment, total,
           subtotal, refunds, items)
    ON CONFLICT ("shopId", "shopifyId") DO UPDATE SET
      "customerShopifyId" = EXCLUDED."customerShopifyId",
      "name" = EXCLUDED."name",
      "processedAt" = EXCLUDED."processedAt",
      "shopifyCreatedAt" = EXCLUDED."shopifyCreatedAt",
      "shopifyUpdatedAt" = EXCLUDED."shopifyUpdatedAt",
      "cancelledAt" = EXCLUDED."cancelledAt",
      "test" = EXCLUDED."test",
      "financialStatus" = EXCLUDED."financialStatus",
      "currency" = EXCLUDED."currency",
      "presentmentCurrency" = EXCLUDED."presentmentCurrency",
      "totalPrice" = EXCLUDED."totalPrice",
      "subtotalPrice" = EXCLUDED."subtotalPrice",
      "refunds" = "Order"."refunds" || EXCLUDED."refunds",
      "totalRefunded" = (SELECT COALESCE(SUM(value::numeric), 0) FROM jsonb_each_text("Order"."refunds" || EXCLUDED."refunds")),
      -- Bulk order lines carry no items (they follow as their own lines): keep what we have.
      "lineItems" = CASE WHEN jsonb_array_length(EXCLUDED."lineItems") > 0 THEN EXCLUDED."lineItems" ELSE "Order"."lineItems" END,
      "updatedAt" = now()
    WHERE "Order"."deletedAt" IS NULL AND EXCLUDED."shopifyUpdatedAt" >= "Order"."shopifyUpdatedAt"`;
}

/** Adds bulk line-item lines to their orders; re-adding the same item is a no-op. */
export async function addLineItems(db: Db, shopId: number, items: Map<bigint, LineItemSummary[]>): Promise<number> {
  if (items.size === 0) return 0;
  const ids = [...items.keys()].map(String);
  const lists = [...items.values()].map((list) => JSON.stringify(list));
  return db.$executeRaw`
    UPDATE "Order" o SET "lineItems" = (
      SELECT COALESCE(jsonb_agg(item ORDER BY item->>'id'), '[]'::jsonb) FROM (
        SELECT DISTINCT ON (e->>'id') e AS item FROM jsonb_array_elements(o."lineItems" || v.items) e ORDER BY e->>'id'
      ) merged)
    FROM unnest(${ids}::bigint[], ${lists}::jsonb[]) AS v(id, items)
    WHERE o."shopId" = ${shopId} AND o."shopifyId" = v.id AND o."deletedAt" IS NULL`;
}

/**
 * Records one refund (refunds/create) unless the order already lists it: the amount that
 * orders/updated reports (the order's own shop-currency figure) is the authoritative one.
 */
export async function mergeRefund(db: Db, shopId: number, orderId: bigint, refundId: bigint, amount: string) {
  const entry = JSON.stringify({ [refundId.toString()]: amount });
  return db.$executeRaw`
    UPDATE "Order" SET "refunds" = ${entry}::jsonb || "refunds",
      "totalRefunded" = (SELECT COALESCE(SUM(value::numeric), 0) FROM jsonb_each_text(${entry}::jsonb || "refunds")),
      "updatedAt" = now()
    WHERE "shopId" = ${shopId} AND "shopifyId" = ${orderId} AND "deletedAt" IS NULL`;
}

/**
 * Upserts customers; a later Shopify updated_at wins. Webhook payloads carry no tags (since API
 * 2025-01), so rows with `tags: null` keep the tags we have.
 */
export async function upsertCustomers(db: Db, shopId: number, rows: CustomerRow[]): Promise<number> {
  const withTags = rows.filter((r) => r.tags !== null);
  const withoutTags = rows.filter((r) => r.tags === null);
  return (await upsertCustomerBatch(db, shopId, withTags, true)) + (await upsertCustomerBatch(db, shopId, withoutTags, false));
}

async function upsertCustomerBatch(db: Db, shopId: number, rows: CustomerRow[], replaceTags: boolean) {
  if (rows.length === 0) return 0;
  const tagsUpdate = replaceTags ? Prisma.sql`EXCLUDED."tags"` : Prisma.sql`"Customer"."tags"`;
  return db.$executeRaw`
    INSERT INTO "Customer" ("shopId", "shopifyId", "email", "firstName", "lastName", "tags", "state",
      "shopifyCreatedAt", "shopifyUpdatedAt", "updatedAt")
    SELECT ${shopId}, v.id, v.email, v.first, v.last,
      ARRAY(SELECT jsonb_array_elements_text(v.tags)), v.state, v.created, v.updated, now()
    FROM unnest(
      ${rows.map((r) => r.shopifyId.toString())}::bigint[],
      ${rows.map((r) => r.email)}::text[],
      ${rows.map((r) => r.firstName)}::text[],
      ${rows.map((r) => r.lastName)}::text[],
      ${rows.map((r) => JSON.stringify(r.tags ?? []))}::jsonb[],
      ${rows.map((r) => r.state)}::text[],
      ${rows.map((r) => iso(r.shopifyCreatedAt))}::timestamp(3)[],
      ${rows.map((r) => iso(r.shopifyUpdatedAt))}::timestamp(3)[]
    ) AS v(id, email, first, last, tags, state, created, updated)
    ON CONFLICT ("shopId", "shopifyId") DO UPDATE SET
      "email" = EXCLUDED."email",
      "firstName" = EXCLUDED."firstName",
      "lastName" = EXCLUDED."lastName",
      "tags" = ${tagsUpdate},
      "state" = EXCLUDED."state",
      "shopifyCreatedAt" = EXCLUDED."shopifyCreatedAt",
      "shopifyUpdatedAt" = EXCLUDED."shopifyUpdatedAt",
      "updatedAt" = now()
    WHERE "Customer"."deletedAt" IS NULL AND "Customer"."redactedAt" IS NULL
      AND EXCLUDED."shopifyUpdatedAt" IS NOT NULL
      AND ("Customer"."shopifyUpdatedAt" IS NULL OR EXCLUDED."shopifyUpdatedAt" >= "Customer"."shopifyUpdatedAt")`;
}

/** Tombstones an order (orders/delete): its data goes, its id stays so late events are ignored. */
export async function deleteOrder(db: Db, shopId: number, orderId: bigint): Promise<void> {
  await db.$executeRaw`
    INSERT INTO "Order" ("shopId", "shopifyId", "processedAt", "shopifyUpdatedAt", "currency", "totalPrice", "deletedAt", "updatedAt")
    VALUES (${shopId}, ${orderId}, now(), now(), '', 0, now(), now())
    ON CONFLICT ("shopId", "shopifyId") DO UPDATE SET "deletedAt" = COALESCE("Order"."deletedAt", now()),
      "customerShopifyId" = NULL, "name" = NULL, "totalPrice" = 0, "subtotalPrice" = NULL, "refunds" = '{}',
      "totalRefunded" = 0, "lineItems" = '[]', "updatedAt" = now()`;
}

/**
 * Tombstones a customer (customers/delete) and erases their personal data and derived rows.
 * Their orders stay (they are the shop's revenue) but no longer point at them.
 */
export async function deleteCustomer(db: Db, shopId: number, customerId: bigint, mode: "deleted" | "redacted") {
  await db.$transaction(async (tx) => {
    const stamp = new Date();
    const existing = await tx.customer.upsert({
      where: { shopId_shopifyId: { shopId, shopifyId: customerId } },
      create: { shopId, shopifyId: customerId, ...(mode === "deleted" ? { deletedAt: stamp } : { redactedAt: stamp }) },
      update: {
        email: null,
        firstName: null,
        lastName: null,
        tags: [],
        ...(mode === "deleted" ? { deletedAt: stamp } : { redactedAt: stamp }),
      },
    });
    await tx.membership.deleteMany({ where: { shopId, customerId: existing.id } });
    await tx.customerScore.deleteMany({ where: { shopId, customerId: existing.id } });
    await tx.order.updateMany({ where: { shopId, customerShopifyId: customerId }, data: { customerShopifyId: null } });
  });
}
