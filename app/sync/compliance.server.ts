import type { Db } from "~/db.server";
import type { Prisma } from "~/generated/prisma/client";
import { deleteCustomer } from "~/sync/write-records.server";
import { shopifyId } from "~/sync/parse-payload";

// Shopify's mandatory privacy webhooks. Each request is recorded with what was done.

type Json = Record<string, unknown>;
type StoredJson = Prisma.InputJsonObject;

/** customers/data_request: gather everything we hold about the customer for the merchant. */
export async function handleDataRequest(db: Db, shopDomain: string, payload: Json) {
  const customerId = shopifyId((payload.customer as Json | undefined)?.id, "customer.id");
  const shop = await db.shop.findUnique({ where: { domain: shopDomain } });
  const stored = shop
    ? await db.customer.findUnique({
        where: { shopId_shopifyId: { shopId: shop.id, shopifyId: customerId } },
        include: { score: true, pushedTags: true },
      })
    : null;
  const customer = stored && {
    ...stored,
    memberships: await db.membership.findMany({ where: { shopId: stored.shopId, customerId: stored.id } }),
  };
  const orders = shop
    ? await db.order.findMany({
        where: { shopId: shop.id, customerShopifyId: customerId, deletedAt: null },
        select: {
          shopifyId: true,
          name: true,
          processedAt: true,
          totalPrice: true,
          totalRefunded: true,
          cancelledAt: true,
          discountCodes: true,
          totalDiscounts: true,
          channel: true,
        },
      })
    : [];
  // The customer's row as stored: personal fields stay sealed, no plaintext copy is kept.
  const result = toJson({ customer, orders });
  await db.complianceRequest.create({
    data: {
      shopDomain,
      topic: "customers/data_request",
      customerShopifyId: customerId,
      // Minimised: Shopify's request also names the customer's email and phone, which we do not keep.
      payload: {
        customer: { id: customerId.toString() },
        orders_requested: Array.isArray(payload.orders_requested) ? payload.orders_requested.map(String) : [],
        data_request: { id: String((payload.data_request as Json | undefined)?.id ?? "") },
      },
      result,
      completedAt: new Date(),
    },
  });
  return result;
}

/** customers/redact: erase the customer's personal data and unlink their orders. */
export async function handleCustomerRedact(db: Db, shopDomain: string, payload: Json) {
  const customerId = shopifyId((payload.customer as Json | undefined)?.id, "customer.id");
  const shop = await db.shop.findUnique({ where: { domain: shopDomain } });
  if (shop) await deleteCustomer(db, shop.id, customerId, "redacted");
  await db.complianceRequest.create({
    data: {
      shopDomain,
      topic: "customers/redact",
      customerShopifyId: customerId,
      payload: {
        customer: { id: customerId.toString() },
        orders_to_redact: (payload.orders_to_redact as unknown) ?? [],
      },
      result: { redacted: Boolean(shop) },
      completedAt: new Date(),
    },
  });
}

/** shop/redact (48 h after uninstall): erase everything we hold for the shop. */
export async function handleShopRedact(db: Db, shopDomain: string) {
  await eraseShopData(db, shopDomain);
  await db.complianceRequest.create({
    data: {
      shopDomain,
      topic: "shop/redact",
      payload: { shop_domain: shopDomain },
      result: { erased: true },
      completedAt: new Date(),
    },
  });
}

/** Rows deleted per statement when a shop's data is erased: short locks, whatever the shop's size. */
export const ERASE_BATCH_ROWS = 5_000;

// The shop's tables, largest first and children before their parents, erased in batches; what is
// left (segments, the model, pushed segments and recommendations: a few rows per segment) goes
// with the Shop row's cascade. test/sync/retention.test.ts checks that every shop-owned table of
// schema.prisma ends empty for the shop.
const BY_SHOP_ID = [
  "AccessLogEntry",
  "FlowTriggerSend",
  "MembershipEvent",
  "Membership",
  "PushedTag",
  "PushedMetafields",
  "CustomerScore",
  "SegmentSnapshot",
  "SegmentLift",
  "PredictionCheck",
  "Order",
  "Customer",
  "Product",
  "ProductCollection",
  "Collection",
  "Run",
] as const;

/**
 * Deletes `table`'s rows of one shop `batchSize` at a time (each statement its own short
 * transaction); how many it deleted.
 */
async function deleteInBatches(
  db: Db,
  table: string,
  column: "shopId" | "shopDomain",
  shop: number | string,
  batchSize: number,
  extra = "",
): Promise<number> {
  let deleted = 0;
  for (;;) {
    // The table comes from the fixed lists above, never from input.
    const count = await db.$executeRawUnsafe(
      `DELETE FROM "${table}" WHERE "${column}" = $1${extra} AND ctid = ANY(ARRAY(
         SELECT ctid FROM "${table}" WHERE "${column}" = $1${extra} LIMIT $2))`,
      shop,
      batchSize,
    );
    deleted += count;
    if (count < batchSize) return deleted;
  }
}

export interface EraseOptions {
  batchSize?: number;
  /** Asked before each table: false stops the erasure (e.g. the shop was reinstalled meanwhile). */
  stillErasing?: () => Promise<boolean>;
}

/**
 * Erases everything we hold for a shop (its rows in every shop-owned table, its sessions, its
 * inbox and compliance rows but the shop/redact records), in batches so that a large shop never
 * holds long locks; the Shop row goes last. Safe to run again after a crash: it continues. Used
 * by shop/redact and by the retention of uninstalled shops (app/sync/retention.server.ts).
 * Returns false if `stillErasing` stopped it before the Shop row was deleted.
 */
export async function eraseShopData(db: Db, shopDomain: string, options: EraseOptions = {}): Promise<boolean> {
  const batchSize = options.batchSize ?? ERASE_BATCH_ROWS;
  const go = options.stillErasing ?? (async () => true);
  const shop = await db.shop.findUnique({ where: { domain: shopDomain }, select: { id: true } });
  if (shop) {
    for (const table of BY_SHOP_ID) {
      if (!(await go())) return false;
      await deleteInBatches(db, table, "shopId", shop.id, batchSize);
    }
  }
  for (const table of ["WebhookEvent", "ComplianceRequest"]) {
    if (!(await go())) return false;
    const extra = table === "ComplianceRequest" ? ` AND "topic" NOT IN ('shop/redact', 'retention/shop')` : "";
    await deleteInBatches(db, table, "shopDomain", shopDomain, batchSize, extra);
  }
  if (!(await go())) return false;
  await db.$transaction([
    db.shop.deleteMany({ where: { domain: shopDomain } }), // cascades to the few rows left
    db.session.deleteMany({ where: { shop: shopDomain } }),
  ]);
  return true;
}

// BigInt and Decimal values as strings, so the export is plain JSON.
function toJson(value: unknown): StoredJson {
  return JSON.parse(JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
}
