import { Prisma } from "~/generated/prisma/client";
import type { Db } from "~/db.server";
import type { Queues } from "~/queues.server";
import { enqueueCompute, enqueuePlanCheck, unscheduleShop } from "~/enqueue.server";
import { appTagPrefixes } from "~/settings";
import { handleCustomerRedact, handleDataRequest, handleShopRedact } from "~/sync/compliance.server";
import {
  collectionFromWebhook,
  consentFromWebhook,
  customerFromWebhook,
  merchantTags,
  orderFromWebhook,
  productFromWebhook,
  refundAmount,
  RecordError,
  shopifyId,
} from "~/sync/parse-payload";
import {
  buyersOfProducts,
  deleteCollection,
  deleteCustomer,
  deleteOrder,
  deleteProduct,
  markProductCollectionsDue,
  mergeRefund,
  productsInCollections,
  updateConsent,
  upsertCollections,
  upsertCustomers,
  upsertOrders,
  upsertProducts,
} from "~/sync/write-records.server";

// Applies one stored webhook to the database. Every branch is idempotent and commutes with the
// others (later updated_at wins, refunds merge by id, deletes leave tombstones), so duplicate
// and out-of-order deliveries converge on the same state.

type Json = Record<string, unknown>;

/** A retyped product with more buyers than this gets one full recompute, not a re-score each. */
const RESCORE_BUYERS_LIMIT = 500;

export interface ApplyDeps {
  db: Db;
  queues: Queues;
  /** Called for each customer whose orders changed: the dynamic re-score hook. */
  onCustomerChanged?: (shopId: number, customerShopifyId: bigint) => Promise<void>;
  /** Customers were marked `privacyCheckDue` (app/sync/privacy-check.server.ts). */
  onPrivacyCheckDue?: (shopId: number) => Promise<void>;
  /** Collections were marked `membershipsDue`, or products `collectionsDue` (app/sync/collection-memberships.server.ts). */
  onCollectionMembershipsDue?: (shopId: number) => Promise<void>;
}

export type ApplyOutcome = "applied" | "skipped" | "already-processed";

/**
 * `shopDomain` (the row's shard key) is in every ingest job queued since the inbox's primary key
 * became (shopDomain, id); without it (older jobs) the row is found by id alone.
 */
export async function applyWebhookEvent(deps: ApplyDeps, eventId: bigint, shopDomain?: string): Promise<ApplyOutcome> {
  const { db } = deps;
  const event = await db.webhookEvent.findFirst({ where: { id: eventId, shopDomain } });
  if (!event) return "skipped"; // erased by shop/redact after it was queued
  if (event.processedAt) return "already-processed";
  const key = { shopDomain_id: { shopDomain: event.shopDomain, id: eventId } };
  await db.webhookEvent.update({ where: key, data: { attempts: { increment: 1 } } });
  try {
    const outcome = await applyTopic(deps, event.shopDomain, event.topic, jsonObject(event.payload));
    await db.webhookEvent.updateMany({ where: key.shopDomain_id, data: { processedAt: new Date(), error: null } });
    return outcome;
  } catch (error) {
    const message = (error as Error).message;
    if (error instanceof RecordError) {
      // A payload we can never apply: record why and stop retrying it.
      await db.webhookEvent.updateMany({ where: key.shopDomain_id, data: { processedAt: new Date(), error: message } });
      return "skipped";
    }
    await db.webhookEvent.updateMany({ where: key.shopDomain_id, data: { error: message } });
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
      const existing = await db.order.findUnique({
        where: { shopId_shopifyId: { shopId: shop.id, shopifyId: orderId } },
      });
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
      const where = { shopId_shopifyId: { shopId: shop.id, shopifyId: row.shopifyId } };
      // Compared by their keyed hashes: the sealed values differ on every write (a fresh IV).
      const located = { countryLookup: true, provinceLookup: true, cityLookup: true } as const;
      const before = await db.customer.findUnique({ where, select: located });
      const optOutChanged = await upsertCustomers(db, shop.id, [{ ...row, tags }]);
      // A move (rules on country, province, city) or a changed opt-out re-scores the customer;
      // our own tag writes coming back as customers/update change neither, so they queue nothing.
      const after = await db.customer.findUnique({ where, select: located });
      if (optOutChanged.length > 0 || (before && after && JSON.stringify(before) !== JSON.stringify(after)))
        await deps.onCustomerChanged?.(shop.id, row.shopifyId);
      // The payload carries no tags or data sale opt-out (API 2025-01 on): both are read from
      // Shopify soon, in batches (app/sync/privacy-check.server.ts), so an opt-out tag added in
      // Shopify removes the customer within the debounce, and removing it brings them back.
      if (row.tags === null && (await markPrivacyCheckDue(db, shop.id, row.shopifyId)))
        await deps.onPrivacyCheckDue?.(shop.id);
      return "applied";
    }
    // Consent has its own topics since API 2025-01 (customer payloads no longer carry it).
    case "CUSTOMERS_EMAIL_MARKETING_CONSENT_UPDATE":
    case "CUSTOMERS_MARKETING_CONSENT_UPDATE": {
      const channel = topic === "CUSTOMERS_EMAIL_MARKETING_CONSENT_UPDATE" ? "email" : "sms";
      const { customerShopifyId, consent } = consentFromWebhook(payload, channel);
      await updateConsent(db, shop.id, customerShopifyId, channel, consent);
      // Rules may select on consent: the customer's rule segments follow within the debounce.
      await deps.onCustomerChanged?.(shop.id, customerShopifyId);
      return "applied";
    }
    case "PRODUCTS_CREATE":
    case "PRODUCTS_UPDATE": {
      const product = productFromWebhook(payload);
      const changed = await upsertProducts(db, shop.id, [product]);
      await productsChanged(deps, shop.id, changed);
      // Product payloads list no collections, and a smart collection may gain or lose the product
      // with any edit: its collections are re-read shortly (app/sync/collection-memberships.server.ts).
      if (await markProductCollectionsDue(db, shop.id, [product.shopifyId]))
        await deps.onCollectionMembershipsDue?.(shop.id);
      return "applied";
    }
    case "PRODUCTS_DELETE": {
      const productId = shopifyId(payload.id);
      if (await deleteProduct(db, shop.id, productId)) await productsChanged(deps, shop.id, [productId]);
      return "applied";
    }
    // Collection payloads list no products: the collection is stored and marked, and its products
    // are re-read from Shopify shortly (app/sync/collection-memberships.server.ts).
    case "COLLECTIONS_CREATE":
    case "COLLECTIONS_UPDATE": {
      const row = collectionFromWebhook(payload);
      const retitled = await upsertCollections(db, shop.id, [row], { membershipsDue: true });
      const marked = await db.collection.count({
        where: { shopId: shop.id, shopifyId: row.shopifyId, membershipsDue: true, deletedAt: null },
      });
      if (marked > 0) await deps.onCollectionMembershipsDue?.(shop.id);
      // Rules name collections by title: a retitled collection's buyers may match other rules now.
      if (retitled.length > 0) await productsChanged(deps, shop.id, await productsInCollections(db, shop.id, retitled));
      return "applied";
    }
    case "COLLECTIONS_DELETE": {
      const removed = await deleteCollection(db, shop.id, shopifyId(payload.id));
      await productsChanged(deps, shop.id, removed);
      return "applied";
    }
    case "CUSTOMERS_DELETE":
      await deleteCustomer(db, shop.id, shopifyId(payload.id), "deleted");
      return "applied";
    case "APP_UNINSTALLED":
      // The installation goes with its app-data metafields (the blocks' config), and Shopify
      // cancels its subscription: the shop is on Free until a reinstall's plan check reads again.
      await db.shop.update({
        where: { id: shop.id },
        data: {
          uninstalledAt: new Date(),
          storefrontPushed: Prisma.DbNull,
          appPlan: "free",
          appSubscription: Prisma.DbNull,
          appPlanCheckedAt: new Date(),
        },
      });
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
    case "APP_SUBSCRIPTIONS_UPDATE":
      // Only a signal: the plan check reads the active subscriptions, so duplicates and deliveries
      // out of order converge on what Shopify says now. An uninstalled shop is left on Free.
      if (!shop.uninstalledAt) await enqueuePlanCheck(deps.queues, shop.id);
      return "applied";
    case "BULK_OPERATIONS_FINISH":
      // The back-fill polls its operations; the notification only needs acknowledging.
      return "skipped";
    default:
      return "skipped";
  }
}

// Rules read a line item's type (vendor, collections) from its product when they run, so a full
// compute is always right; this only brings the per-customer re-score forward for the buyers whose
// "bought type" answer may have changed (inventory and price updates keep the type and cost
// nothing here). Also called when products join or leave a collection.
export async function productsChanged(
  deps: Pick<ApplyDeps, "db" | "queues" | "onCustomerChanged">,
  shopId: number,
  productIds: bigint[],
) {
  if (productIds.length === 0 || !deps.onCustomerChanged) return;
  const buyers = await buyersOfProducts(deps.db, shopId, productIds, RESCORE_BUYERS_LIMIT + 1);
  if (buyers.length > RESCORE_BUYERS_LIMIT) return enqueueCompute(deps.queues, shopId, "products");
  for (const customer of buyers) await deps.onCustomerChanged(shopId, customer);
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

/** Marks a customer for the privacy check (their tags and opt-out are read from Shopify soon). */
async function markPrivacyCheckDue(db: Db, shopId: number, shopifyId: bigint): Promise<boolean> {
  const marked = await db.$executeRaw`
    UPDATE "Customer" SET "privacyCheckDue" = true
    WHERE "shopId" = ${shopId} AND "shopifyId" = ${shopifyId} AND "deletedAt" IS NULL AND "redactedAt" IS NULL`;
  return marked > 0;
}
