import { Prisma } from "~/generated/prisma/client";
import type { Db } from "~/db.server";
import type { Queues } from "~/queues.server";
import { unscheduleShop } from "~/jobs/compute.server";
import { appTagPrefixes } from "~/settings";
import { handleCustomerRedact, handleDataRequest, handleShopRedact } from "~/sync/compliance.server";
import {
  customerFromWebhook,
  merchantTags,
  orderFromWebhook,
  refundAmount,
  RecordError,
  shopifyId,
} from "~/sync/records";
import { deleteCustomer, deleteOrder, mergeRefund, upsertCustomers, upsertOrders } from "~/sync/store.server";

// Applies one stored webhook to the database. Every branch is idempotent and commutes with the
// others (later updated_at wins, refunds merge by id, deletes leave tombstones), so duplicate
// and out-of-order deliveries converge on the same state.

type Json = Record<string, unknown>;

export interface ApplyDeps {
  db: Db;
  queues: Queues;
  /** Called for each customer whose orders changed: the dynamic re-score hook. */
  onCustomerChanged?: (shopId: number, customerShopifyId: bigint) => Promise<void>;
}

export type ApplyOutcome = "applied" | "skipped" | "already-processed";

export async function applyWebhookEvent(deps: ApplyDeps, eventId: bigint): Promise<ApplyOutcome> {
  const { db } = deps;
  const event = await db.webhookEvent.findUnique({ where: { id: eventId } });
  if (!event) return "skipped"; // erased by shop/redact after it was queued
  if (event.processedAt) return "already-processed";
  await db.webhookEvent.update({ where: { id: eventId }, data: { attempts: { increment: 1 } } });
  try {
    const outcome = await applyTopic(deps, event.shopDomain, event.topic, jsonObject(event.payload));
    await db.webhookEvent.updateMany({ where: { id: eventId }, data: { processedAt: new Date(), error: null } });
    return outcome;
  } catch (error) {
    const message = (error as Error).message;
    if (error instanceof RecordError) {
      // A payload we can never apply: record why and stop retrying it.
      await db.webhookEvent.updateMany({ where: { id: eventId }, data: { processedAt: new Date(), error: message } });
      return "skipped";
    }
    await db.webhookEvent.updateMany({ where: { id: eventId }, data: { error: message } });
    throw error;
  }
}

// Every topic's payload is a JSON object; anything else (null, an array, a string) can never be
// applied, so it is a RecordError (recorded once) rather than a TypeError retried forever.
function jsonObject(payload: unknown): Json {
  if (payload !== null && typeof payload === "object" && !Array.isArray(payload)) return payload as Json;
  const what = payload === null ? "null" : Array.isArray(payload) ? "an array" : `a ${typeof payload}`;
  throw new RecordError(`payload is ${what}, not a JSON object`);
}

async function applyTopic(deps: ApplyDeps, shopDomain: string, topic: string, payload: Json): Promise<ApplyOutcome> {
  const { db } = deps;
  switch (topic) {
    case "CUSTOMERS_DATA_REQUEST":
      await handleDataRequest(db, shopDomain, payload);
      return "applied";
    case "CUSTOMERS_REDACT":
      await handleCustomerRedact(db, shopDomain, payload);
      return "applied";
    case "SHOP_REDACT":
      await handleShopRedact(db, shopDomain);
      return "applied";
  }

  const shop = await db.shop.findUnique({ where: { domain: shopDomain } });
  if (!shop) return "skipped"; // not installed (or already erased): nothing of theirs to keep

  switch (topic) {
    case "ORDERS_CREATE":
    case "ORDERS_UPDATED":
    case "ORDERS_CANCELLED":
    case "ORDERS_EDITED": {
      const order = orderFromWebhook(payload);
      const customer = payload.customer ? customerFromWebhook(payload.customer as Json) : null;
      // The embedded customer only creates a missing row; customers/* topics carry the details.
      if (customer) await upsertCustomers(db, shop.id, [{ ...customer, tags: null, shopifyUpdatedAt: null }]);
      await upsertOrders(db, shop.id, [order]);
      if (order.customerShopifyId) await deps.onCustomerChanged?.(shop.id, order.customerShopifyId);
      return "applied";
    }
    case "ORDERS_DELETE": {
      const orderId = shopifyId(payload.id);
      const existing = await db.order.findUnique({ where: { shopId_shopifyId: { shopId: shop.id, shopifyId: orderId } } });
      await deleteOrder(db, shop.id, orderId);
      if (existing?.customerShopifyId) await deps.onCustomerChanged?.(shop.id, existing.customerShopifyId);
      return "applied";
    }
    case "REFUNDS_CREATE": {
      const orderId = shopifyId(payload.order_id, "order_id");
      const order = await db.order.findUnique({ where: { shopId_shopifyId: { shopId: shop.id, shopifyId: orderId } } });
      if (!order) {
        // The order itself hasn't arrived yet; retrying lets it land first (orders/updated
        // carries this refund too, so nothing is lost if it never does).
        throw new Error(`refund ${String(payload.id)} for unknown order ${orderId}; will retry`);
      }
      const rate = refundRateToShop(order.presentmentCurrency, order.currency, payload);
      await mergeRefund(db, shop.id, orderId, shopifyId(payload.id), refundAmount(payload, rate));
      if (order.customerShopifyId) await deps.onCustomerChanged?.(shop.id, order.customerShopifyId);
      return "applied";
    }
    case "CUSTOMERS_CREATE":
    case "CUSTOMERS_UPDATE": {
      const row = customerFromWebhook(payload);
      const tags = row.tags ? merchantTags(row.tags, appTagPrefixes(shop.settings)) : null;
      await upsertCustomers(db, shop.id, [{ ...row, tags }]);
      return "applied";
    }
    case "CUSTOMERS_DELETE":
      await deleteCustomer(db, shop.id, shopifyId(payload.id), "deleted");
      return "applied";
    case "APP_UNINSTALLED":
      // The installation goes with its app-data metafields (the blocks' config).
      await db.shop.update({ where: { id: shop.id }, data: { uninstalledAt: new Date(), storefrontPushed: Prisma.DbNull } });
      await db.session.deleteMany({ where: { shop: shopDomain } });
      await unscheduleShop(deps.queues, shop.id);
      return "applied";
    case "APP_SCOPES_UPDATE": {
      const current = Array.isArray(payload.current) ? payload.current.join(",") : undefined;
      if (current !== undefined) {
        await db.session.updateMany({ where: { shop: shopDomain }, data: { scope: current } });
        await db.shop.update({ where: { id: shop.id }, data: { scopes: current } });
      }
      return "applied";
    }
    case "BULK_OPERATIONS_FINISH":
      // The back-fill polls its operations; the notification only needs acknowledging.
      return "skipped";
    default:
      return "skipped";
  }
}

// refunds/create amounts are in the presentment currency. Use the transaction's own shop-money
// figure when Shopify includes it; otherwise the amount stands as an estimate until the
// orders/updated that always follows a refund brings the authoritative shop-currency total.
function refundRateToShop(presentment: string | null, shopCurrency: string, payload: Json): number {
  if (!presentment || presentment === shopCurrency) return 1;
  const tx = (Array.isArray(payload.transactions) ? payload.transactions : [])[0] as Json | undefined;
  const shopAmount = Number((((tx?.amount_set as Json)?.shop_money as Json)?.amount as string) ?? NaN);
  const txAmount = Number(tx?.amount ?? NaN);
  return Number.isFinite(shopAmount) && txAmount > 0 ? shopAmount / txAmount : 1;
}
