import type { Db } from "~/db.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { filteredBulkQuery, readJsonl, startBulkQuery, waitForBulkOperation } from "~/shopify/bulk.server";
import { CUSTOMERS_BULK_QUERY, ORDERS_BULK_QUERY, SHOP_INFO } from "~/shopify/documents";
import { appTagPrefixes } from "~/settings";
import {
  customerFromBulk,
  lineItemFromBulk,
  merchantTags,
  orderFromBulk,
  type CustomerRow,
  type LineItemSummary,
  type OrderRow,
} from "~/sync/records";
import { addLineItems, upsertCustomers, upsertOrders } from "~/sync/store.server";

// Back-fill: export every customer and order with bulk queries and upsert them in batches,
// streaming the JSONL so memory stays flat for any shop size. Re-running is safe: the same
// upserts the webhooks use (a later updated_at wins), so a resync never duplicates or regresses.

const BATCH = 1_000;

export interface BackfillProgress {
  phase: "customers" | "orders";
  exported: number;
  stored: number;
}

export interface BackfillResult {
  customers: number;
  orders: number;
  lineItems: number;
}

export interface BackfillOptions {
  /** Only customers and orders Shopify updated at or after this instant (a catch-up, not a full back-fill). */
  since?: Date;
  onProgress?: (progress: BackfillProgress) => Promise<void> | void;
  fetchFn?: typeof fetch;
  pollMs?: number;
}

export async function backfillShop(db: Db, admin: AdminClient, shopId: number, options: BackfillOptions = {}) {
  const info = await admin.request<{
    shop: { name: string; currencyCode: string; ianaTimezone: string; plan: { publicDisplayName: string } | null };
  }>(SHOP_INFO);
  const shop = await db.shop.update({
    where: { id: shopId },
    data: {
      name: info.shop.name,
      currency: info.shop.currencyCode,
      timezone: info.shop.ianaTimezone,
      plan: info.shop.plan?.publicDisplayName ?? null,
    },
  });

  // Both exports run on Shopify's side at once (API 2026-01+ allows several bulk queries).
  const search = options.since ? `updated_at:>='${options.since.toISOString()}'` : null;
  const bulkQuery = (query: string) => (search ? filteredBulkQuery(query, search) : query);
  const [customersOp, ordersOp] = [
    await startBulkQuery(admin, bulkQuery(CUSTOMERS_BULK_QUERY)),
    await startBulkQuery(admin, bulkQuery(ORDERS_BULK_QUERY)),
  ];
  const result: BackfillResult = { customers: 0, orders: 0, lineItems: 0 };

  const customers = await waitForBulkOperation(admin, customersOp, {
    pollMs: options.pollMs,
    onProgress: (exported) => options.onProgress?.({ phase: "customers", exported, stored: 0 }),
  });
  if (customers.url) {
    const prefixes = appTagPrefixes(shop.settings);
    let batch: CustomerRow[] = [];
    const flush = async () => {
      await upsertCustomers(db, shopId, batch);
      result.customers += batch.length;
      batch = [];
      await options.onProgress?.({ phase: "customers", exported: Number(customers.objectCount ?? 0), stored: result.customers });
    };
    for await (const line of readJsonl(customers.url, options.fetchFn)) {
      const row = customerFromBulk(line);
      batch.push({ ...row, tags: merchantTags(row.tags ?? [], prefixes) });
      if (batch.length >= BATCH) await flush();
    }
    await flush();
  }

  const orders = await waitForBulkOperation(admin, ordersOp, {
    pollMs: options.pollMs,
    onProgress: (exported) => options.onProgress?.({ phase: "orders", exported, stored: result.orders }),
  });
  if (orders.url) {
    await consumeOrderLines(readJsonl(orders.url, options.fetchFn), shop.currency, {
      writeOrders: (rows) => upsertOrders(db, shopId, rows),
      addLateItems: (items) => addLineItems(db, shopId, items),
      onBatch: async (counts) => {
        result.orders = counts.orders;
        result.lineItems = counts.lineItems;
        await options.onProgress?.({ phase: "orders", exported: Number(orders.objectCount ?? 0), stored: counts.orders });
      },
    });
  }
  return result;
}

// Shopify retries a webhook for up to 4 hours; one still being retried when the app was
// uninstalled never arrived, though older than the newest change we stored. Re-reading those
// hours costs little (the upserts are idempotent) and closes that hole.
export const CATCH_UP_OVERLAP_MS = 4 * 3_600_000;

/**
 * Where a catch-up after a gap (reinstall) starts: the newest Shopify `updated_at` we stored for
 * the shop's live orders and customers, less the overlap. Null when nothing was ever synced.
 */
export async function changedSince(db: Db, shopId: number): Promise<Date | null> {
  // Shopify's own timestamps only (tombstones carry ours), so clocks never mix.
  const [row] = await db.$queryRaw<{ at: Date | null }[]>`
    SELECT GREATEST(
      (SELECT max("shopifyUpdatedAt") FROM "Order" WHERE "shopId" = ${shopId} AND "deletedAt" IS NULL),
      (SELECT max("shopifyUpdatedAt") FROM "Customer" WHERE "shopId" = ${shopId} AND "deletedAt" IS NULL AND "redactedAt" IS NULL)
    ) AS at`;
  return row?.at ? new Date(row.at.getTime() - CATCH_UP_OVERLAP_MS) : null;
}

export interface OrderSink {
  writeOrders(rows: OrderRow[]): Promise<unknown>;
  addLateItems(items: Map<bigint, LineItemSummary[]>): Promise<unknown>;
  onBatch?(counts: { orders: number; lineItems: number }): Promise<void> | void;
}

/**
 * Turns the orders JSONL (order lines, then their line items as `__parentId` lines) into
 * batches of order rows. Holds one batch at a time, so memory does not grow with the file.
 * Items whose order was in an earlier, already written batch are merged in afterwards by id.
 */
export async function consumeOrderLines(lines: AsyncIterable<Record<string, unknown>>, shopCurrency: string, sink: OrderSink) {
  const counts = { orders: 0, lineItems: 0 };
  let batch: OrderRow[] = [];
  let batchIndex = new Map<string, OrderRow>();
  let late = new Map<bigint, LineItemSummary[]>();
  const flush = async () => {
    await sink.writeOrders(batch);
    counts.orders += batch.length;
    batch = [];
    batchIndex = new Map();
    if (late.size > 0) {
      await sink.addLateItems(late);
      late = new Map();
    }
    await sink.onBatch?.(counts);
  };
  for await (const line of lines) {
    const parentId = line.__parentId;
    if (typeof parentId === "string") {
      const item = lineItemFromBulk(line);
      counts.lineItems++;
      const parent = batchIndex.get(parentId);
      if (parent) parent.lineItems.push(item);
      else {
        const key = BigInt(parentId.replace(/\D+/g, ""));
        late.set(key, [...(late.get(key) ?? []), item]);
      }
      continue;
    }
    // Flush before a new order rather than after one, so the last order's items make it in.
    if (batch.length >= BATCH) await flush();
    const row = orderFromBulk(line, shopCurrency);
    batch.push(row);
    batchIndex.set(String(line.id), row);
  }
  await flush();
  return counts;
}
