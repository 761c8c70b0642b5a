import type { Db } from "~/db.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { filteredBulkQuery, readJsonl, startBulkQuery, waitForBulkOperation } from "~/shopify/bulk.server";
import {
  COLLECTIONS_BULK_QUERY,
  CUSTOMERS_BULK_QUERY,
  ORDERS_BULK_QUERY,
  PRODUCTS_BULK_QUERY,
  SHOP_INFO,
} from "~/shopify/documents";
import { appTagPrefixes, orderRetentionCutoff, shopSettings } from "~/settings";
import {
  collectionFromBulk,
  collectionMembershipFromBulk,
  customerFromBulk,
  lineItemFromBulk,
  merchantTags,
  orderFromBulk,
  productFromBulk,
  type CollectionMembershipRow,
  type CollectionRow,
  type CustomerRow,
  type LineItemSummary,
  type OrderRow,
} from "~/sync/parse-payload";
import {
  addCollectionMemberships,
  addLineItems,
  pruneCollectionsNotSynced,
  upsertCollections,
  upsertCustomers,
  upsertOrders,
  upsertProducts,
} from "~/sync/write-records.server";

// Back-fill: export every product, collection (with its products), customer and order with bulk queries and upsert them in batches,
// streaming the JSONL so memory stays flat for any shop size. Re-running is safe: the same
// upserts the webhooks use (a later updated_at wins), so a resync never duplicates or regresses.

const BATCH = 1_000;

export interface BackfillProgress {
  phase: "products" | "collections" | "customers" | "orders";
  exported: number;
  stored: number;
}

export interface BackfillResult {
  products: number;
  collections: number;
  /** Product–collection memberships exported. */
  collectionProducts: number;
  customers: number;
  orders: number;
  lineItems: number;
  /** Orders placed before the shop's order retention ("keep orders for N years"): not stored. */
  ordersPastRetention?: number;
}

export interface BackfillOptions {
  /**
   * Only what Shopify updated at or after this instant (a catch-up, not a full back-fill); products
   * in full while the shop has none stored (installed before the app kept products).
   */
  since?: Date;
  onProgress?: (progress: BackfillProgress) => Promise<void> | void;
  fetchFn?: typeof fetch;
  pollMs?: number;
  /** The system clock's now, for the order retention's cutoff (default: now). */
  now?: Date;
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

  // The exports run on Shopify's side at once (API 2026-01+ allows several bulk queries).
  const search = options.since ? `updated_at:>='${options.since.toISOString()}'` : null;
  const bulkQuery = (query: string) => (search ? filteredBulkQuery(query, search) : query);
  const hasProducts = (await db.product.findFirst({ where: { shopId }, select: { shopifyId: true } })) !== null;
  // Collections always in full: a smart collection's products change without its updated_at, and
  // only a full listing can show which memberships (and collections) went away.
  const [{ at: collectionsStartedAt }] = await db.$queryRaw<{ at: Date }[]>`SELECT now() AS at`;
  const [productsOp, collectionsOp, customersOp, ordersOp] = [
    await startBulkQuery(admin, hasProducts ? bulkQuery(PRODUCTS_BULK_QUERY) : PRODUCTS_BULK_QUERY),
    await startBulkQuery(admin, COLLECTIONS_BULK_QUERY),
    await startBulkQuery(admin, bulkQuery(CUSTOMERS_BULK_QUERY)),
    await startBulkQuery(admin, bulkQuery(ORDERS_BULK_QUERY)),
  ];
  const result: BackfillResult = {
    products: 0,
    collections: 0,
    collectionProducts: 0,
    customers: 0,
    orders: 0,
    lineItems: 0,
  };

  /** Waits for a flat export (one row a line), stores it in batches and ANALYZEs its table; the rows stored. */
  const storeFlatExport = async <Row>(
    phase: "products" | "customers",
    operationId: string,
    parse: (line: Record<string, unknown>) => Row,
    store: (rows: Row[]) => Promise<unknown>,
    table: "Product" | "Customer",
  ) => {
    const done = await waitForBulkOperation(admin, operationId, {
      pollMs: options.pollMs,
      onProgress: (exported) => options.onProgress?.({ phase, exported, stored: 0 }),
    });
    if (!done.url) return 0;
    let stored = 0;
    let batch: Row[] = [];
    const grown = statisticsAsItGrows(db, table);
    const writer = oneWriteAhead();
    const flush = async () => {
      const rows = batch;
      batch = [];
      await writer.next(async () => {
        await store(rows);
        stored += rows.length;
        await grown(stored);
        await options.onProgress?.({ phase, exported: Number(done.objectCount ?? 0), stored });
      });
    };
    for await (const line of readJsonl(done.url, options.fetchFn)) {
      batch.push(parse(line));
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    await writer.drain();
    await refreshStatistics(db, table);
    return stored;
  };

  // Products first and small (a catalog, not a history); no order needs them to be stored, as
  // rules join them when they run.
  result.products = await storeFlatExport(
    "products",
    productsOp,
    productFromBulk,
    (rows) => upsertProducts(db, shopId, rows),
    "Product",
  );
  await storeCollections(db, admin, shopId, collectionsOp, collectionsStartedAt, result, options);
  const prefixes = appTagPrefixes(shop.settings);
  result.customers = await storeFlatExport(
    "customers",
    customersOp,
    (line): CustomerRow => {
      const row = customerFromBulk(line);
      return { ...row, tags: merchantTags(row.tags ?? [], prefixes) };
    },
    (rows) => upsertCustomers(db, shopId, rows),
    "Customer",
  );

  const orders = await waitForBulkOperation(admin, ordersOp, {
    pollMs: options.pollMs,
    onProgress: (exported) => options.onProgress?.({ phase: "orders", exported, stored: result.orders }),
  });
  // Orders the shop's retention would delete within the hour are not stored (nor their late items:
  // addLineItems only updates stored orders).
  const years = shopSettings(shop.settings).orderRetentionYears;
  const keepFrom = years ? orderRetentionCutoff(options.now ?? new Date(), years) : null;
  const kept = (rows: OrderRow[]) => {
    if (!keepFrom) return rows;
    const keep = rows.filter((row) => row.processedAt >= keepFrom);
    result.ordersPastRetention = (result.ordersPastRetention ?? 0) + rows.length - keep.length;
    return keep;
  };
  if (orders.url) {
    const grown = statisticsAsItGrows(db, "Order");
    await consumeOrderLines(readJsonl(orders.url, options.fetchFn), shop.currency, {
      writeOrders: (rows) => upsertOrders(db, shopId, kept(rows)),
      addLateItems: (items) => addLineItems(db, shopId, items),
      onBatch: async (counts) => {
        result.orders = counts.orders - (result.ordersPastRetention ?? 0);
        result.lineItems = counts.lineItems;
        await grown(result.orders);
        await options.onProgress?.({
          phase: "orders",
          exported: Number(orders.objectCount ?? 0),
          stored: result.orders,
        });
      },
    });
    await refreshStatistics(db, "Order");
  }
  return result;
}

/**
 * The collections export: collection lines and, with `__parentId`, the products in each (in any
 * order: the JSONL is ungrouped). Both are written in batches; once the file is read to its end,
 * memberships and collections it did not list are removed (written before `startedAt` and not by a
 * webhook since), so a resync converges on Shopify's collections.
 */
async function storeCollections(
  db: Db,
  admin: AdminClient,
  shopId: number,
  operationId: string,
  startedAt: Date,
  result: BackfillResult,
  options: BackfillOptions,
) {
  const done = await waitForBulkOperation(admin, operationId, {
    pollMs: options.pollMs,
    onProgress: (exported) => options.onProgress?.({ phase: "collections", exported, stored: 0 }),
  });
  if (done.url) {
    let collections: CollectionRow[] = [];
    let memberships: CollectionMembershipRow[] = [];
    const flush = async () => {
      await upsertCollections(db, shopId, collections);
      await addCollectionMemberships(db, shopId, memberships);
      result.collections += collections.length;
      result.collectionProducts += memberships.length;
      collections = [];
      memberships = [];
      await options.onProgress?.({
        phase: "collections",
        exported: Number(done.objectCount ?? 0),
        stored: result.collections + result.collectionProducts,
      });
    };
    for await (const line of readJsonl(done.url, options.fetchFn)) {
      if (typeof line.__parentId === "string") memberships.push(collectionMembershipFromBulk(line));
      else collections.push(collectionFromBulk(line));
      if (collections.length + memberships.length >= BATCH) await flush();
    }
    await flush();
  }
  // A completed export without a file lists nothing: the shop has no collections.
  await pruneCollectionsNotSynced(db, shopId, startedAt);
  await refreshStatistics(db, "ProductCollection");
}

/**
 * ANALYZE after a back-fill wrote a table, once (not per batch): autovacuum may be off, and a
 * shop of 1M orders joining a 50M-order table stays under its 10 % threshold anyway, so without
 * this the planner would go on believing the new shop is empty for every later query of it.
 */
type AnalyzedTable = "Product" | "ProductCollection" | "Customer" | "Order";

async function refreshStatistics(db: Db, table: AnalyzedTable, columns?: readonly string[]) {
  const list = columns ? ` (${columns.map((c) => `"${c}"`).join(", ")})` : "";
  await db.$executeRawUnsafe(`ANALYZE "${table}"${list}`);
}

/**
 * What the samples taken while a table grows look at: its row count (every ANALYZE updates it)
 * and the columns the shop's rows are found and filtered by. The wide JSON and text columns cost
 * most of a full ANALYZE (half of it for orders' line items) and wait for the one at the end.
 */
const KEY_COLUMNS: Record<AnalyzedTable, readonly string[] | undefined> = {
  Product: undefined,
  ProductCollection: undefined,
  Customer: ["shopId", "shopifyId", "deletedAt", "redactedAt", "profilingOptOut"],
  Order: ["shopId", "shopifyId", "customerShopifyId", "processedAt", "cancelledAt", "deletedAt", "test"],
};

/**
 * ANALYZEs a table while a back-fill grows it, each time the rows stored have doubled since the
 * last time (from 10,000): a few cheap samples per back-fill (of its key columns), so the planner's idea of the shop
 * is never far behind (statistics from before it believe the shop has one row; autovacuum, when
 * it runs at all, waits for 10 % of the whole table).
 */
function statisticsAsItGrows(db: Db, table: AnalyzedTable) {
  let next = 10 * BATCH;
  return async (stored: number) => {
    if (stored < next) return;
    next = stored * 2;
    await refreshStatistics(db, table, KEY_COLUMNS[table]);
  };
}

// Shopify retries a webhook for up to 4 hours; one still being retried when the app was
// uninstalled never arrived, though older than the newest change we stored. Re-reading those
// hours costs little (the upserts are idempotent) and closes that hole.
const CATCH_UP_OVERLAP_MS = 4 * 3_600_000;

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
export async function consumeOrderLines(
  lines: AsyncIterable<Record<string, unknown>>,
  shopCurrency: string,
  sink: OrderSink,
) {
  const counts = { orders: 0, lineItems: 0 };
  let batch: OrderRow[] = [];
  let batchIndex = new Map<string, OrderRow>();
  let late = new Map<bigint, LineItemSummary[]>();
  const writer = oneWriteAhead();
  const flush = async () => {
    const rows = batch;
    const lateItems = late;
    const lineItems = counts.lineItems;
    batch = [];
    batchIndex = new Map();
    late = new Map();
    // The late items belong to orders of earlier batches, whose writes are done by the time this
    // one starts (one write at a time, in order).
    await writer.next(async () => {
      await sink.writeOrders(rows);
      counts.orders += rows.length;
      if (lateItems.size > 0) await sink.addLateItems(lateItems);
      await sink.onBatch?.({ orders: counts.orders, lineItems });
    });
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
  await writer.drain();
  return counts;
}

/**
 * Writes batches one at a time, in order, while the caller reads the next one: `next` waits for
 * the previous write (rethrowing its error) and starts this one without waiting for it, so
 * parsing the export and PostgreSQL's work on the last batch overlap. At most two batches are
 * held (the one being written and the one being read); `drain` waits for the last write.
 */
function oneWriteAhead() {
  let pending: Promise<void> = Promise.resolve();
  return {
    async next(write: () => Promise<void>) {
      await pending;
      pending = write();
      // Its failure is rethrown by the next `next` or `drain`, not reported as unhandled meanwhile.
      pending.catch(() => undefined);
    },
    drain: () => pending,
  };
}
