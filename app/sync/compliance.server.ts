import type { Db } from "~/db.server";
import type { Prisma } from "~/generated/prisma/client";
import { deleteCustomer } from "~/sync/store.server";
import { shopifyId } from "~/sync/records";

// Shopify's mandatory privacy webhooks. Each request is recorded with what was done.

type Json = Record<string, unknown>;
type StoredJson = Prisma.InputJsonObject;

/** customers/data_request: gather everything we hold about the customer for the merchant. */
export async function handleDataRequest(db: Db, shopDomain: string, payload: Json) {
  const customerId = shopifyId((payload.customer as Json | undefined)?.id, "customer.id");
  const shop = await db.shop.findUnique({ where: { domain: shopDomain } });
  const customer = shop
    ? await db.customer.findUnique({
        where: { shopId_shopifyId: { shopId: shop.id, shopifyId: customerId } },
        include: { score: true, memberships: true, pushedTags: true },
      })
    : null;
  const orders = shop
    ? await db.order.findMany({
        where: { shopId: shop.id, customerShopifyId: customerId, deletedAt: null },
        select: { shopifyId: true, name: true, processedAt: true, totalPrice: true, totalRefunded: true, cancelledAt: true },
      })
    : [];
  const result = toJson({ customer, orders });
  await db.complianceRequest.create({
    data: {
      shopDomain,
      topic: "customers/data_request",
      customerShopifyId: customerId,
      payload: payload as StoredJson,
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
      payload: { customer: { id: customerId.toString() }, orders_to_redact: (payload.orders_to_redact as unknown) ?? [] },
      result: { redacted: Boolean(shop) },
      completedAt: new Date(),
    },
  });
}

/** shop/redact (48 h after uninstall): erase everything we hold for the shop. */
export async function handleShopRedact(db: Db, shopDomain: string) {
  await db.$transaction([
    db.shop.deleteMany({ where: { domain: shopDomain } }), // cascades to every shop-owned table
    db.session.deleteMany({ where: { shop: shopDomain } }),
    db.webhookEvent.deleteMany({ where: { shopDomain } }),
    db.complianceRequest.deleteMany({ where: { shopDomain, topic: { not: "shop/redact" } } }),
  ]);
  await db.complianceRequest.create({
    data: { shopDomain, topic: "shop/redact", payload: { shop_domain: shopDomain }, result: { erased: true }, completedAt: new Date() },
  });
}

// BigInt and Decimal values as strings, so the export is plain JSON.
function toJson(value: unknown): StoredJson {
  return JSON.parse(JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
}
