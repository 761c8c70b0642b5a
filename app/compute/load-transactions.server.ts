import type pg from "pg";
import { withPgConnection, type Db } from "~/db.server";
import { copyField, copyOut } from "~/db/copy-out.server";
import {
  ProductLinesBuilder,
  resolveLine,
  resolveLineCollections,
  type ProductInfo,
  type ProductLines,
} from "~/segmentation/affinity";
import { OrderSignalsBuilder, type OrderSignals } from "~/segmentation/signals";
import { TransactionColumnsBuilder } from "~/segmentation/transactions";
import type { TransactionColumns } from "~/segmentation/types";

// Reads a shop's orders into the engine's columnar input. A whole shop is two streamed,
// single-table reads (COPY … TO STDOUT, one plan each, never re-planned per page): the shop's
// live customers into a map from Shopify id to Customer.id, then its orders in id order,
// resolved against that map here. No join is left to the planner, so no plan can depend on how
// many rows it believes the shop has: with statistics from before a back-fill it believed one,
// and its nested loop scanned every customer of the shop for every order (issue 14).

export interface ShopTransactions {
  columns: TransactionColumns;
  orderCount: number;
  /** The same orders' lines, resolved through the products (empty unless asked for). */
  lines: ProductLines;
  /** The same orders' discounts and channels (empty unless lines were asked for). */
  signals: OrderSignals;
}

export interface LoadOptions {
  /** Also read the orders' lines and the shop's products (product affinity, rules on categories) and their signals (discounts, channels). */
  lines?: boolean;
  /**
   * Score at most this many customers (the plan's limit, app/billing/plans.ts): those with the most
   * recent scorable orders; the others' orders are not loaded. Undefined or null: every customer.
   */
  customerLimit?: number | null;
}

// One row per line of a scorable order, in order id order (an order's lines together): order id,
// customer, time, net value, the line's product id, stored type and amount (all as text).
const LINE_FIELDS = `o."id"::text, o."customerShopifyId"::text, ((EXTRACT(EPOCH FROM o."processedAt") * 1000)::float8)::text,
  (GREATEST(0, o."totalPrice" - o."totalRefunded")::float8)::text, item->>'productId', item->>'productType',
  COALESCE(item->>'amount', '0')`;
const LINES_OF_SCORABLE_ORDERS = `FROM "Order" o CROSS JOIN LATERAL jsonb_array_elements(o."lineItems") item
  WHERE NOT o."test" AND o."deletedAt" IS NULL AND o."cancelledAt" IS NULL AND o."customerShopifyId" IS NOT NULL`;

/** Each product's live collections (titles), by product id (text), as lines resolve them. */
type CollectionsOf = Map<string, string[]>;

/** A membership (productId, title) into the map. */
function addMembership(collectionsOf: CollectionsOf, productId: string, title: string | null) {
  if (title === null || title === "") return;
  const titles = collectionsOf.get(productId);
  if (titles) titles.push(title);
  else collectionsOf.set(productId, [title]);
}

/** A product row (shopifyId, productType, vendor, deleted) into the map lines resolve against. */
function addProduct(products: Map<string, ProductInfo>, f: (string | null)[]) {
  products.set(f[0]!, { productType: f[1], vendor: f[2], deleted: f[3] === "t" || f[3] === "true" });
}

// Live, non-test, non-cancelled orders, net of refunds; the same filter for both paths.
const SCORABLE_ORDER = `NOT "test" AND "deletedAt" IS NULL AND "cancelledAt" IS NULL AND "customerShopifyId" IS NOT NULL`;

/** Net order value (total less refunds) of every live, non-test, non-cancelled order with a live customer. */
export async function loadTransactions(
  db: Db,
  shopId: number,
  customerIds?: bigint[],
  options: LoadOptions = {},
): Promise<ShopTransactions> {
  if (customerIds) return loadCustomersTransactions(db, shopId, customerIds, options);
  if (!Number.isSafeInteger(shopId)) throw new RangeError(`invalid shop id ${shopId}`);
  const builder = new TransactionColumnsBuilder();
  const lines = new ProductLinesBuilder();
  const signals = new OrderSignalsBuilder();
  await withPgConnection(db, async (client) => {
    // One snapshot for both reads: a customer written between them cannot half-appear.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
      const customerOf = new Map<string, string>();
      await copyOut(
        client,
        `SELECT "shopifyId", "id" FROM "Customer" WHERE "shopId" = ${shopId} AND "deletedAt" IS NULL AND NOT "profilingOptOut"`,
        (f) => customerOf.set(f[0], f[1]),
      );
      if (options.customerLimit !== undefined && options.customerLimit !== null)
        await keepMostRecentBuyers(client, shopId, customerOf, options.customerLimit);
      await copyOut(
        client,
        `SELECT "customerShopifyId", (EXTRACT(EPOCH FROM "processedAt") * 1000)::float8,
           GREATEST(0, "totalPrice" - "totalRefunded")::float8, ${SIGNAL_FIELDS}
         FROM "Order" WHERE "shopId" = ${shopId} AND ${SCORABLE_ORDER} ORDER BY "id"`,
        (f) => {
          const customer = customerOf.get(f[0]);
          if (customer === undefined) return;
          builder.add(customer, Number(f[1]), Number(f[2]));
          if (options.lines) addSignal(signals, builder.indexOf(customer), Number(f[1]), f[3], f[4], copyField(f[5]));
        },
      );
      if (options.lines) {
        // The products first, then one pass over the lines, resolved here (no join for the planner).
        const products = new Map<string, ProductInfo>();
        await copyOut(
          client,
          `SELECT "shopifyId", "productType", "vendor", "deletedAt" IS NOT NULL FROM "Product" WHERE "shopId" = ${shopId}`,
          (f) => addProduct(products, f.map(copyField)),
        );
        // The live collections, then their products: two single-table reads, joined here.
        const titles = new Map<string, string | null>();
        await copyOut(
          client,
          `SELECT "shopifyId", "title" FROM "Collection" WHERE "shopId" = ${shopId} AND "deletedAt" IS NULL`,
          (f) => titles.set(f[0], copyField(f[1])),
        );
        const collectionsOf: CollectionsOf = new Map();
        await copyOut(
          client,
          `SELECT "productId", "collectionId" FROM "ProductCollection" WHERE "shopId" = ${shopId} ORDER BY "collectionId", "productId"`,
          (f) => {
            if (titles.has(f[1])) addMembership(collectionsOf, f[0], titles.get(f[1]) ?? null);
          },
        );
        await copyOut(
          client,
          `SELECT ${LINE_FIELDS} ${LINES_OF_SCORABLE_ORDERS} AND o."shopId" = ${shopId} ORDER BY o."id"`,
          (f) => {
            const customer = customerOf.get(f[1]);
            const index = customer === undefined ? -1 : builder.indexOf(customer);
            if (index < 0) return;
            addLine(lines, products, collectionsOf, index, f.map(copyField));
          },
        );
      }
    } finally {
      await client.query("COMMIT");
    }
  });
  const columns = builder.build();
  const customerCount = columns.customerIds.length;
  return {
    columns,
    orderCount: builder.rowCount,
    lines: lines.build(customerCount),
    signals: signals.build(customerCount),
  };
}

/**
 * Narrows `customerOf` to the `limit` live customers whose latest scorable order is the most
 * recent (ties by Shopify id): one row per buying customer, newest first, in one streamed read.
 */
async function keepMostRecentBuyers(client: pg.Client, shopId: number, customerOf: Map<string, string>, limit: number) {
  const kept = new Map<string, string>();
  await copyOut(
    client,
    `SELECT "customerShopifyId" FROM "Order" WHERE "shopId" = ${shopId} AND ${SCORABLE_ORDER}
     GROUP BY "customerShopifyId" ORDER BY max("processedAt") DESC, "customerShopifyId"`,
    (f) => {
      if (kept.size >= limit) return;
      const customer = customerOf.get(f[0]);
      if (customer !== undefined) kept.set(f[0], customer);
    },
  );
  customerOf.clear();
  for (const [shopifyId, id] of kept) customerOf.set(shopifyId, id);
}

// Per order its discount and gross (before discounts) in whole cents, and its channel (COPY text: \N for null).
const SIGNAL_FIELDS = `("totalDiscounts" * 100)::bigint, (("totalPrice" + "totalDiscounts") * 100)::bigint, "channel"`;

function addSignal(
  signals: OrderSignalsBuilder,
  index: number,
  time: number,
  discount: string | null,
  gross: string | null,
  channel: string | null,
) {
  if (index < 0) return;
  signals.add(index, time, Number(discount ?? 0), Number(gross ?? 0), channel);
}

/** One line row (LINE_FIELDS order) into the builder, for the customer at `index` of the columns. */
function addLine(
  lines: ProductLinesBuilder,
  products: Map<string, ProductInfo>,
  collectionsOf: CollectionsOf,
  index: number,
  f: (string | null)[],
) {
  const product = f[4] === null ? undefined : products.get(f[4]);
  const { productType, vendor } = resolveLine(product, f[5]);
  const collections = f[4] === null ? [] : resolveLineCollections(product, collectionsOf.get(f[4]));
  lines.add(f[0]!, index, Number(f[2]), Number(f[3]), { productType, vendor, collections, amount: Number(f[6] ?? 0) });
}

/** The same for a few customers (one re-scored, one shown): their rows by primary key, then by their Shopify ids. */
async function loadCustomersTransactions(
  db: Db,
  shopId: number,
  customerIds: bigint[],
  options: LoadOptions,
): Promise<ShopTransactions> {
  const builder = new TransactionColumnsBuilder();
  const lines = new ProductLinesBuilder();
  const signals = new OrderSignalsBuilder();
  const customers = await db.$queryRaw<{ id: bigint; shopifyId: bigint }[]>`
    SELECT "id", "shopifyId" FROM "Customer" WHERE "id" = ANY(${customerIds}::bigint[]) AND "shopId" = ${shopId} AND "deletedAt" IS NULL`;
  if (customers.length > 0) {
    const customerOf = new Map(customers.map((c) => [c.shopifyId, c.id.toString()]));
    const rows = await db.$queryRawUnsafe<
      { customer: bigint; at: number; amount: number; discount: bigint; gross: bigint; channel: string | null }[]
    >(
      `SELECT "customerShopifyId" AS customer, (EXTRACT(EPOCH FROM "processedAt") * 1000)::float8 AS at,
         GREATEST(0, "totalPrice" - "totalRefunded")::float8 AS amount,
         ("totalDiscounts" * 100)::bigint AS discount, (("totalPrice" + "totalDiscounts") * 100)::bigint AS gross, "channel"
       FROM "Order" WHERE "shopId" = $1 AND "customerShopifyId" = ANY($2::bigint[]) AND ${SCORABLE_ORDER} ORDER BY "id"`,
      shopId,
      customers.map((c) => c.shopifyId.toString()),
    );
    for (const row of rows) {
      const customer = customerOf.get(row.customer)!;
      builder.add(customer, row.at, row.amount);
      if (options.lines)
        signals.add(builder.indexOf(customer), row.at, Number(row.discount), Number(row.gross), row.channel);
    }
    if (options.lines) {
      const lineRows = await db.$queryRawUnsafe<{ f: (string | null)[] }[]>(
        `SELECT ARRAY[${LINE_FIELDS}] AS f ${LINES_OF_SCORABLE_ORDERS}
           AND o."shopId" = $1 AND o."customerShopifyId" = ANY($2::bigint[]) ORDER BY o."id"`,
        shopId,
        customers.map((c) => c.shopifyId.toString()),
      );
      const productIds = [...new Set(lineRows.map((r) => r.f[4]).filter((id): id is string => id !== null))];
      const products = new Map<string, ProductInfo>();
      const productRows = await db.$queryRaw<{ f: (string | null)[] }[]>`
        SELECT ARRAY["shopifyId"::text, "productType", "vendor", ("deletedAt" IS NOT NULL)::text] AS f
        FROM "Product" WHERE "shopId" = ${shopId} AND "shopifyId" = ANY(${productIds}::bigint[])`;
      for (const row of productRows) addProduct(products, row.f);
      const memberships = await db.$queryRaw<{ productId: bigint; title: string | null }[]>`
        SELECT pc."productId", k."title" FROM "ProductCollection" pc
        JOIN "Collection" k ON k."shopId" = pc."shopId" AND k."shopifyId" = pc."collectionId" AND k."deletedAt" IS NULL
        WHERE pc."shopId" = ${shopId} AND pc."productId" = ANY(${productIds}::bigint[])
        ORDER BY pc."collectionId", pc."productId"`;
      const collectionsOf: CollectionsOf = new Map();
      for (const m of memberships) addMembership(collectionsOf, m.productId.toString(), m.title);
      for (const row of lineRows) {
        const index = builder.indexOf(customerOf.get(BigInt(row.f[1]!))!);
        if (index >= 0) addLine(lines, products, collectionsOf, index, row.f);
      }
    }
  }
  const columns = builder.build();
  const customerCount = columns.customerIds.length;
  return {
    columns,
    orderCount: builder.rowCount,
    lines: lines.build(customerCount),
    signals: signals.build(customerCount),
  };
}

/** Minutes east of UTC for a shop's time zone now (what "today" means for the shop). */
export function utcOffsetMinutes(timezone: string, at = new Date()): number {
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: timezone, timeZoneName: "longOffset" }).formatToParts(
      at,
    );
    const zone = parts.find((p) => p.type === "timeZoneName")?.value ?? "GMT";
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(zone);
    if (!match) return 0;
    return (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
  } catch {
    return 0;
  }
}
