import type { Db } from "~/db.server";
import { Prisma } from "~/generated/prisma/client";
import type {
  CollectionMembershipRow,
  CollectionRow,
  ConsentRow,
  CustomerRow,
  LineItemSummary,
  OrderRow,
  ProductRow,
} from "~/sync/parse-payload";
import { personalData } from "~/privacy/personal-data.server";
import { shopSettings } from "~/settings";

// The only writers of customers, orders and products, shared by the back-fill and the webhook appliers,
// so both follow the same rules: a later Shopify updated_at wins, refunds merge by refund id,
// tombstoned (deleted) and redacted rows are never brought back. Each call is one statement
// over arrays (unnest), so a batch of a thousand rows is one round trip.

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * A batch of orders as one JSON array of flat records, read with json_to_recordset: one parameter
 * that PostgreSQL parses once, instead of nineteen arrays whose elements (three of them JSON) were
 * each escaped by the driver and parsed again one by one.
 */
function ordersJson(rows: OrderRow[]): string {
  return JSON.stringify(
    rows.map((r) => ({
      id: r.shopifyId.toString(),
      customer: r.customerShopifyId?.toString() ?? null,
      name: r.name,
      processed: iso(r.processedAt),
      created: iso(r.shopifyCreatedAt),
      updated: iso(r.shopifyUpdatedAt),
      cancelled: iso(r.cancelledAt),
      test: r.test,
      status: r.financialStatus,
      currency: r.currency,
      presentment: r.presentmentCurrency,
      total: r.totalPrice,
      subtotal: r.subtotalPrice,
      refunds: r.refunds,
      items: r.lineItems,
      codes: r.discountCodes,
      discounts: r.totalDiscounts,
      source: r.sourceName,
      channel: r.channel,
    })),
  );
}

export async function upsertOrders(db: Db, shopId: number, rows: OrderRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  return db.$executeRaw`
    INSERT INTO "Order" ("shopId", "shopifyId", "customerShopifyId", "name", "processedAt", "shopifyCreatedAt",
      "shopifyUpdatedAt", "cancelledAt", "test", "financialStatus", "currency", "presentmentCurrency", "totalPrice",
      "subtotalPrice", "refunds", "totalRefunded", "lineItems", "discountCodes", "totalDiscounts", "sourceName", "channel",
      "updatedAt")
    SELECT ${shopId}, v.id, v.customer, v.name, v.processed, v.created, v.updated, v.cancelled, v.test, v.status,
      v.currency, v.presentment, v.total, v.subtotal, v.refunds,
      (SELECT COALESCE(SUM(value::numeric), 0) FROM jsonb_each_text(v.refunds)), v.items,
      ARRAY(SELECT jsonb_array_elements_text(v.codes)), v.discounts, v.source, v.channel, now()
    FROM json_to_recordset(${ordersJson(rows)}::json) AS v(id bigint, customer bigint, name text,
      processed timestamp(3), created timestamp(3), updated timestamp(3), cancelled timestamp(3), test boolean,
      status text, currency text, presentment text, total numeric, subtotal numeric, refunds jsonb, items jsonb,
      codes jsonb, discounts numeric, source text, channel text)
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
      "discountCodes" = EXCLUDED."discountCodes",
      "totalDiscounts" = EXCLUDED."totalDiscounts",
      "sourceName" = EXCLUDED."sourceName",
      "channel" = EXCLUDED."channel",
      "updatedAt" = now()
    WHERE "Order"."deletedAt" IS NULL AND EXCLUDED."shopifyUpdatedAt" >= "Order"."shopifyUpdatedAt"`;
}

/** Adds bulk line-item lines to their orders; re-adding the same item is a no-op. */
export async function addLineItems(db: Db, shopId: number, items: Map<bigint, LineItemSummary[]>): Promise<number> {
  if (items.size === 0) return 0;
  const ids = [...items.keys()].map(String);
  // The items keyed by order id in one JSON object, read per order: a single-table update, no
  // join the planner could turn into one pass over the batch per order of the shop (it did, with
  // statistics from before the back-fill: 24 s a batch at 120,000 orders).
  const byOrder = JSON.stringify(Object.fromEntries([...items].map(([id, list]) => [id.toString(), list])));
  return db.$executeRaw`
    UPDATE "Order" o SET "lineItems" = (
      SELECT COALESCE(jsonb_agg(item ORDER BY item->>'id'), '[]'::jsonb) FROM (
        SELECT DISTINCT ON (e->>'id') e AS item
        FROM jsonb_array_elements(o."lineItems" || (${byOrder}::jsonb -> o."shopifyId"::text)) e ORDER BY e->>'id'
      ) merged)
    WHERE o."shopId" = ${shopId} AND o."shopifyId" = ANY(${ids}::bigint[]) AND o."deletedAt" IS NULL`;
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
 * Upserts customers; a later Shopify updated_at wins. Webhook payloads carry no tags, consent or
 * data sale opt-out (since API 2025-01), so rows with `tags: null` keep the tags we have, and rows
 * without an address, consent or `dataSaleOptOut` keep the stored ones. Then recomputes the rows'
 * `profilingOptOut` from the shop's opt-out tag; returns the customers (Shopify ids) whose
 * opt-out changed.
 */
export async function upsertCustomers(db: Db, shopId: number, rows: CustomerRow[]): Promise<bigint[]> {
  // One statement per combination of what the rows carry (the update cannot see the source row).
  const groups = new Map<string, { carries: Carries; rows: CustomerRow[] }>();
  for (const row of rows) {
    const carries: Carries = {
      tags: row.tags !== null,
      address: row.address !== undefined,
      email: row.emailConsent !== undefined,
      sms: row.smsConsent !== undefined,
      dataSale: row.dataSaleOptOut != null,
    };
    const key = JSON.stringify(carries);
    const group = groups.get(key) ?? { carries, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  for (const group of groups.values()) await upsertCustomerBatch(db, shopId, group.rows, group.carries);
  return refreshProfilingOptOut(
    db,
    shopId,
    rows.map((r) => r.shopifyId),
  );
}

interface Carries {
  tags: boolean;
  address: boolean;
  email: boolean;
  sms: boolean;
  dataSale: boolean;
}

/** Whether a row's consent for the channel replaces the stored one: carried, and not older than it. */
const consentNewer = (channel: "email" | "sms", carried: boolean) =>
  !carried
    ? Prisma.sql`false`
    : channel === "email"
      ? Prisma.sql`("Customer"."emailConsentUpdatedAt" IS NULL OR EXCLUDED."emailConsentUpdatedAt" IS NULL OR EXCLUDED."emailConsentUpdatedAt" >= "Customer"."emailConsentUpdatedAt")`
      : Prisma.sql`("Customer"."smsConsentUpdatedAt" IS NULL OR EXCLUDED."smsConsentUpdatedAt" IS NULL OR EXCLUDED."smsConsentUpdatedAt" >= "Customer"."smsConsentUpdatedAt")`;

/**
 * One channel's consent from its own webhook topic: a later (or undated) consent wins, an older
 * one changes nothing; a customer we have not seen yet gets a row that customers/create completes.
 * Redacted and deleted customers stay as they are.
 */
export async function updateConsent(
  db: Db,
  shopId: number,
  customerShopifyId: bigint,
  channel: "email" | "sms",
  consent: ConsentRow,
): Promise<number> {
  const state = channel === "email" ? Prisma.raw(`"emailMarketingState"`) : Prisma.raw(`"smsMarketingState"`);
  const at = channel === "email" ? Prisma.raw(`"emailConsentUpdatedAt"`) : Prisma.raw(`"smsConsentUpdatedAt"`);
  const when = iso(consent.updatedAt);
  return db.$executeRaw`
    INSERT INTO "Customer" ("shopId", "shopifyId", ${state}, ${at}, "updatedAt")
    VALUES (${shopId}, ${customerShopifyId}, ${consent.state}, ${when}::timestamp(3), now())
    ON CONFLICT ("shopId", "shopifyId") DO UPDATE SET ${state} = EXCLUDED.${state}, ${at} = EXCLUDED.${at}, "updatedAt" = now()
    WHERE "Customer"."deletedAt" IS NULL AND "Customer"."redactedAt" IS NULL
      AND ("Customer".${at} IS NULL OR EXCLUDED.${at} IS NULL OR EXCLUDED.${at} >= "Customer".${at})`;
}

/** A batch's personal fields as stored: sealed per customer, address parts with their keyed hashes. */
function sealedColumns(shopId: number, rows: CustomerRow[]) {
  const cipher = personalData();
  const column = (pick: (r: CustomerRow) => string | null, name: Parameters<typeof cipher.seal>[2]) =>
    rows.map((r) => cipher.seal(pick(r), { shopId, shopifyId: r.shopifyId }, name));
  // A keyed hash depends on the shop, attribute and value only, and a batch repeats few values
  // (countries, provinces, cities): each is computed once per batch.
  const lookup = (pick: (r: CustomerRow) => string | null, attribute: Parameters<typeof cipher.lookup>[1]) => {
    const hashes = new Map<string | null, string | null>();
    return rows.map((r) => {
      const value = pick(r);
      let hash = hashes.get(value);
      if (hash === undefined) {
        hash = cipher.lookup(shopId, attribute, value);
        hashes.set(value, hash);
      }
      return hash;
    });
  };
  const country = (r: CustomerRow) => r.address?.countryCode ?? null;
  const province = (r: CustomerRow) => r.address?.provinceCode ?? null;
  const city = (r: CustomerRow) => r.address?.city ?? null;
  return {
    email: column((r) => r.email, "email"),
    firstName: column((r) => r.firstName, "firstName"),
    lastName: column((r) => r.lastName, "lastName"),
    country: column(country, "countryCode"),
    province: column(province, "provinceCode"),
    city: column(city, "city"),
    countryLookup: lookup(country, "country"),
    provinceLookup: lookup(province, "province"),
    cityLookup: lookup(city, "city"),
  };
}

async function upsertCustomerBatch(db: Db, shopId: number, rows: CustomerRow[], carries: Carries) {
  if (rows.length === 0) return 0;
  const tagsUpdate = carries.tags ? Prisma.sql`EXCLUDED."tags"` : Prisma.sql`"Customer"."tags"`;
  const hasAddress = Prisma.raw(carries.address ? "true" : "false");
  const dataSaleUpdate = carries.dataSale
    ? Prisma.sql`EXCLUDED."dataSaleOptOut"`
    : Prisma.sql`"Customer"."dataSaleOptOut"`;
  const sealed = sealedColumns(shopId, rows);
  const address = (column: string) => {
    const name = Prisma.raw(`"${column}"`);
    return Prisma.sql`${name} = CASE WHEN ${hasAddress} THEN EXCLUDED.${name} ELSE "Customer".${name} END`;
  };
  return db.$executeRaw`
    INSERT INTO "Customer" ("shopId", "shopifyId", "email", "firstName", "lastName", "tags", "dataSaleOptOut",
      "shopifyCreatedAt", "shopifyUpdatedAt", "countryCode", "provinceCode", "city",
      "countryLookup", "provinceLookup", "cityLookup",
      "emailMarketingState", "emailConsentUpdatedAt", "smsMarketingState", "smsConsentUpdatedAt", "updatedAt")
    SELECT ${shopId}, v.id, v.email, v.first, v.last,
      ARRAY(SELECT jsonb_array_elements_text(v.tags)), v.dso, v.created, v.updated, v.country, v.province, v.city,
      v.country_lookup, v.province_lookup, v.city_lookup,
      v.email_state, v.email_at, v.sms_state, v.sms_at, now()
    FROM unnest(
      ${rows.map((r) => r.shopifyId.toString())}::bigint[],
      ${sealed.email}::text[],
      ${sealed.firstName}::text[],
      ${sealed.lastName}::text[],
      ${rows.map((r) => JSON.stringify(r.tags ?? []))}::jsonb[],
      ${rows.map((r) => r.dataSaleOptOut ?? false)}::boolean[],
      ${rows.map((r) => iso(r.shopifyCreatedAt))}::timestamp(3)[],
      ${rows.map((r) => iso(r.shopifyUpdatedAt))}::timestamp(3)[],
      ${sealed.country}::text[],
      ${sealed.province}::text[],
      ${sealed.city}::text[],
      ${sealed.countryLookup}::text[],
      ${sealed.provinceLookup}::text[],
      ${sealed.cityLookup}::text[],
      ${rows.map((r) => r.emailConsent?.state ?? null)}::text[],
      ${rows.map((r) => iso(r.emailConsent?.updatedAt ?? null))}::timestamp(3)[],
      ${rows.map((r) => r.smsConsent?.state ?? null)}::text[],
      ${rows.map((r) => iso(r.smsConsent?.updatedAt ?? null))}::timestamp(3)[]
    ) AS v(id, email, first, last, tags, dso, created, updated, country, province, city,
           country_lookup, province_lookup, city_lookup, email_state, email_at, sms_state, sms_at)
    ON CONFLICT ("shopId", "shopifyId") DO UPDATE SET
      "email" = EXCLUDED."email",
      "firstName" = EXCLUDED."firstName",
      "lastName" = EXCLUDED."lastName",
      "tags" = ${tagsUpdate},
      "dataSaleOptOut" = ${dataSaleUpdate},
      "shopifyCreatedAt" = EXCLUDED."shopifyCreatedAt",
      "shopifyUpdatedAt" = EXCLUDED."shopifyUpdatedAt",
      -- A source that does not carry the address or consent (customer webhooks since 2025-01
      -- carry no consent) keeps what we have; consent moves only forward in time.
      ${address("countryCode")}, ${address("provinceCode")}, ${address("city")},
      ${address("countryLookup")}, ${address("provinceLookup")}, ${address("cityLookup")},
      "emailMarketingState" = CASE WHEN ${consentNewer("email", carries.email)} THEN EXCLUDED."emailMarketingState" ELSE "Customer"."emailMarketingState" END,
      "emailConsentUpdatedAt" = CASE WHEN ${consentNewer("email", carries.email)} THEN EXCLUDED."emailConsentUpdatedAt" ELSE "Customer"."emailConsentUpdatedAt" END,
      "smsMarketingState" = CASE WHEN ${consentNewer("sms", carries.sms)} THEN EXCLUDED."smsMarketingState" ELSE "Customer"."smsMarketingState" END,
      "smsConsentUpdatedAt" = CASE WHEN ${consentNewer("sms", carries.sms)} THEN EXCLUDED."smsConsentUpdatedAt" ELSE "Customer"."smsConsentUpdatedAt" END,
      "updatedAt" = now()
    WHERE "Customer"."deletedAt" IS NULL AND "Customer"."redactedAt" IS NULL
      AND EXCLUDED."shopifyUpdatedAt" IS NOT NULL
      AND ("Customer"."shopifyUpdatedAt" IS NULL OR EXCLUDED."shopifyUpdatedAt" >= "Customer"."shopifyUpdatedAt")`;
}

/**
 * Stores a customer's tags (merchant tags only) and data sale opt-out as Shopify has them now,
 * and recomputes their opt-out; true when it changed. A customer we do not have is left alone.
 */
export async function storeCustomerPrivacy(
  db: Db,
  shopId: number,
  shopifyId: bigint,
  tags: string[],
  dataSaleOptOut: boolean,
): Promise<boolean> {
  await db.$executeRaw`
    UPDATE "Customer" SET "tags" = ${tags}::text[], "dataSaleOptOut" = ${dataSaleOptOut}, "updatedAt" = now()
    WHERE "shopId" = ${shopId} AND "shopifyId" = ${shopifyId} AND "deletedAt" IS NULL AND "redactedAt" IS NULL
      AND ("tags" <> ${tags}::text[] OR "dataSaleOptOut" <> ${dataSaleOptOut})`;
  return (await refreshProfilingOptOut(db, shopId, [shopifyId])).length > 0;
}

/**
 * Recomputes `profilingOptOut` (Shopify's data sale opt-out, or the shop's opt-out tag among the
 * customer's tags, compared case-insensitively as Shopify does) for the given customers, or
 * every customer of the shop; returns the Shopify ids whose flag changed.
 */
export async function refreshProfilingOptOut(db: Db, shopId: number, shopifyIds?: bigint[]): Promise<bigint[]> {
  if (shopifyIds && shopifyIds.length === 0) return [];
  const shop = await db.shop.findUnique({ where: { id: shopId }, select: { settings: true } });
  const tag = shopSettings(shop?.settings).optOutTag.trim().toLowerCase();
  const only = shopifyIds ? Prisma.sql`AND "shopifyId" = ANY(${shopifyIds.map(String)}::bigint[])` : Prisma.empty;
  // One table, no self-join: with statistics from before a back-fill (the planner then believes
  // the shop has a single customer) a join of Customer to itself became a nested loop that
  // re-read every customer of the shop for each one, 30 s a batch at 13,000 customers.
  const changed = await db.$queryRaw<{ shopifyId: bigint }[]>`
    UPDATE "Customer" SET "profilingOptOut" = NOT "profilingOptOut"
    WHERE "shopId" = ${shopId} ${only}
      AND "profilingOptOut" <> ("dataSaleOptOut" OR (${tag} <> '' AND EXISTS (SELECT 1 FROM unnest("tags") t WHERE lower(t) = ${tag})))
    RETURNING "shopifyId"`;
  return changed.map((r) => r.shopifyId);
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
        countryCode: null,
        provinceCode: null,
        city: null,
        countryLookup: null,
        provinceLookup: null,
        cityLookup: null,
        emailMarketingState: null,
        emailConsentUpdatedAt: null,
        smsMarketingState: null,
        smsConsentUpdatedAt: null,
        ...(mode === "deleted" ? { deletedAt: stamp } : { redactedAt: stamp }),
      },
    });
    await tx.membership.deleteMany({ where: { shopId, customerId: existing.id } });
    await tx.customerScore.deleteMany({ where: { shopId, customerId: existing.id } });
    await tx.order.updateMany({ where: { shopId, customerShopifyId: customerId }, data: { customerShopifyId: null } });
  });
}

/**
 * Upserts products; a later Shopify updated_at wins and a tombstone stays. Returns the ids whose
 * product type or vendor this changed (new products included): their buyers' rule segments and
 * product affinity may change.
 */
export async function upsertProducts(db: Db, shopId: number, rows: ProductRow[]): Promise<bigint[]> {
  if (rows.length === 0) return [];
  // One row per id (ON CONFLICT cannot touch a row twice in one statement): the latest wins.
  const latest = new Map<bigint, ProductRow>();
  for (const row of rows) {
    const seen = latest.get(row.shopifyId);
    if (!seen || row.shopifyUpdatedAt >= seen.shopifyUpdatedAt) latest.set(row.shopifyId, row);
  }
  const list = [...latest.values()];
  // Every part of the statement sees the table as it was before it, so `old` is the previous row.
  const changed = await db.$queryRaw<{ id: bigint }[]>`
    WITH v AS (
      SELECT * FROM unnest(
        ${list.map((r) => r.shopifyId.toString())}::bigint[],
        ${list.map((r) => r.title)}::text[],
        ${list.map((r) => r.productType)}::text[],
        ${list.map((r) => r.vendor)}::text[],
        ${list.map((r) => iso(r.shopifyUpdatedAt))}::timestamp(3)[]
      ) AS v(id, title, type, vendor, updated)
    ),
    old AS (
      SELECT p."shopifyId" AS id, p."productType" AS type, p."vendor" AS vendor FROM "Product" p
      WHERE p."shopId" = ${shopId} AND p."shopifyId" IN (SELECT id FROM v)
    ),
    written AS (
      INSERT INTO "Product" ("shopId", "shopifyId", "title", "productType", "vendor", "shopifyUpdatedAt", "updatedAt")
      SELECT ${shopId}, v.id, v.title, v.type, v.vendor, v.updated, now() FROM v
      ON CONFLICT ("shopId", "shopifyId") DO UPDATE SET
        "title" = EXCLUDED."title",
        "productType" = EXCLUDED."productType",
        "vendor" = EXCLUDED."vendor",
        "shopifyUpdatedAt" = EXCLUDED."shopifyUpdatedAt",
        "updatedAt" = now()
      WHERE "Product"."deletedAt" IS NULL
        AND ("Product"."shopifyUpdatedAt" IS NULL OR EXCLUDED."shopifyUpdatedAt" >= "Product"."shopifyUpdatedAt")
      RETURNING "shopifyId" AS id, "productType" AS type, "vendor" AS vendor
    )
    SELECT w.id FROM written w LEFT JOIN old ON old.id = w.id
    WHERE old.id IS NULL OR old.type IS DISTINCT FROM w.type OR old.vendor IS DISTINCT FROM w.vendor`;
  return changed.map((r) => r.id);
}

/**
 * Tombstones a product (products/delete): its purchases no longer resolve to a type, as a
 * back-fill would see them (Shopify's line items lose their product). True when it had a type or vendor.
 */
export async function deleteProduct(db: Db, shopId: number, productId: bigint): Promise<boolean> {
  const [row] = await db.$queryRaw<{ had: boolean }[]>`
    WITH old AS (
      SELECT "productType", "vendor" FROM "Product" WHERE "shopId" = ${shopId} AND "shopifyId" = ${productId} AND "deletedAt" IS NULL
    ),
    gone AS (
      INSERT INTO "Product" ("shopId", "shopifyId", "deletedAt", "updatedAt")
      VALUES (${shopId}, ${productId}, now(), now())
      ON CONFLICT ("shopId", "shopifyId") DO UPDATE SET "deletedAt" = COALESCE("Product"."deletedAt", now()),
        "title" = NULL, "productType" = NULL, "vendor" = NULL, "updatedAt" = now()
      RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM old WHERE "productType" IS NOT NULL OR "vendor" IS NOT NULL) AS had FROM gone`;
  return row?.had ?? false;
}

/**
 * Upserts collections; a later Shopify updated_at wins and a tombstone stays. `membershipsDue`
 * marks the written rows for the collection-memberships job (webhooks: their payloads list no
 * products). Returns the ids whose title this changed (new collections included).
 */
export async function upsertCollections(
  db: Db,
  shopId: number,
  rows: CollectionRow[],
  options: { membershipsDue?: boolean } = {},
): Promise<bigint[]> {
  if (rows.length === 0) return [];
  const latest = new Map<bigint, CollectionRow>();
  for (const row of rows) {
    const seen = latest.get(row.shopifyId);
    if (!seen || row.shopifyUpdatedAt >= seen.shopifyUpdatedAt) latest.set(row.shopifyId, row);
  }
  const list = [...latest.values()];
  const due = options.membershipsDue ?? false;
  const changed = await db.$queryRaw<{ id: bigint }[]>`
    WITH v AS (
      SELECT * FROM unnest(
        ${list.map((r) => r.shopifyId.toString())}::bigint[],
        ${list.map((r) => r.title)}::text[],
        ${list.map((r) => r.handle)}::text[],
        ${list.map((r) => iso(r.shopifyUpdatedAt))}::timestamp(3)[]
      ) AS v(id, title, handle, updated)
    ),
    old AS (
      SELECT k."shopifyId" AS id, k."title" AS title FROM "Collection" k
      WHERE k."shopId" = ${shopId} AND k."shopifyId" IN (SELECT id FROM v)
    ),
    written AS (
      INSERT INTO "Collection" ("shopId", "shopifyId", "title", "handle", "shopifyUpdatedAt", "membershipsDue", "syncedAt", "updatedAt")
      SELECT ${shopId}, v.id, v.title, v.handle, v.updated, ${due}, now(), now() FROM v
      ON CONFLICT ("shopId", "shopifyId") DO UPDATE SET
        "title" = EXCLUDED."title",
        "handle" = EXCLUDED."handle",
        "shopifyUpdatedAt" = EXCLUDED."shopifyUpdatedAt",
        "membershipsDue" = "Collection"."membershipsDue" OR EXCLUDED."membershipsDue",
        "syncedAt" = now(),
        "updatedAt" = now()
      WHERE "Collection"."deletedAt" IS NULL
        AND ("Collection"."shopifyUpdatedAt" IS NULL OR EXCLUDED."shopifyUpdatedAt" >= "Collection"."shopifyUpdatedAt")
      RETURNING "shopifyId" AS id, "title" AS title
    )
    SELECT w.id FROM written w LEFT JOIN old ON old.id = w.id
    WHERE old.id IS NULL OR lower(old.title) IS DISTINCT FROM lower(w.title)`;
  return changed.map((r) => r.id);
}

/**
 * Tombstones a collection (collections/delete) and drops its memberships. The products it held
 * (Shopify ids), whose buyers may have lost it.
 */
export async function deleteCollection(db: Db, shopId: number, collectionId: bigint): Promise<bigint[]> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`
      INSERT INTO "Collection" ("shopId", "shopifyId", "deletedAt", "membershipsDue", "updatedAt")
      VALUES (${shopId}, ${collectionId}, now(), false, now())
      ON CONFLICT ("shopId", "shopifyId") DO UPDATE SET "deletedAt" = COALESCE("Collection"."deletedAt", now()),
        "title" = NULL, "handle" = NULL, "membershipsDue" = false, "updatedAt" = now()`;
    const removed = await tx.$queryRaw<{ id: bigint }[]>`
      DELETE FROM "ProductCollection" WHERE "shopId" = ${shopId} AND "collectionId" = ${collectionId}
      RETURNING "productId" AS id`;
    return removed.map((r) => r.id);
  });
}

/** Adds memberships (back-fill), marking them seen now; existing ones are kept. */
export async function addCollectionMemberships(db: Db, shopId: number, rows: CollectionMembershipRow[]) {
  if (rows.length === 0) return;
  await db.$executeRaw`
    INSERT INTO "ProductCollection" ("shopId", "collectionId", "productId", "syncedAt")
    SELECT ${shopId}, v.c, v.p, now() FROM unnest(
      ${rows.map((r) => r.collectionId.toString())}::bigint[],
      ${rows.map((r) => r.productId.toString())}::bigint[]
    ) AS v(c, p)
    ON CONFLICT ("shopId", "collectionId", "productId") DO UPDATE SET "syncedAt" = now()`;
}

/**
 * Sets one collection's products to exactly `productIds` (what Shopify lists now). Returns the
 * products that joined or left it.
 */
export async function replaceCollectionProducts(
  db: Db,
  shopId: number,
  collectionId: bigint,
  productIds: bigint[],
): Promise<bigint[]> {
  const ids = [...new Set(productIds.map(String))];
  return db.$transaction(async (tx) => {
    const removed = await tx.$queryRaw<{ id: bigint }[]>`
      DELETE FROM "ProductCollection"
      WHERE "shopId" = ${shopId} AND "collectionId" = ${collectionId} AND NOT ("productId" = ANY(${ids}::bigint[]))
      RETURNING "productId" AS id`;
    const added = await tx.$queryRaw<{ id: bigint }[]>`
      INSERT INTO "ProductCollection" ("shopId", "collectionId", "productId", "syncedAt")
      SELECT ${shopId}, ${collectionId}, p, now() FROM unnest(${ids}::bigint[]) AS p
      ON CONFLICT ("shopId", "collectionId", "productId") DO NOTHING
      RETURNING "productId" AS id`;
    await tx.$executeRaw`
      UPDATE "ProductCollection" SET "syncedAt" = now() WHERE "shopId" = ${shopId} AND "collectionId" = ${collectionId}`;
    return [...removed, ...added].map((r) => r.id);
  });
}

/**
 * After a complete collections export that started at `startedAt`: memberships it did not list
 * are gone in Shopify, and so are live collections it did not list (unless a webhook wrote them
 * since). Returns how many memberships and collections were removed.
 */
export async function pruneCollectionsNotSynced(db: Db, shopId: number, startedAt: Date) {
  const memberships = await db.$executeRaw`
    DELETE FROM "ProductCollection" WHERE "shopId" = ${shopId} AND "syncedAt" < ${startedAt}`;
  const collections = await db.$executeRaw`
    UPDATE "Collection" SET "deletedAt" = now(), "title" = NULL, "handle" = NULL, "membershipsDue" = false, "updatedAt" = now()
    WHERE "shopId" = ${shopId} AND "deletedAt" IS NULL AND "syncedAt" < ${startedAt}`;
  return { memberships, collections };
}

/** Marks live products for the re-read of their collections; true when one was marked. */
export async function markProductCollectionsDue(db: Db, shopId: number, productIds: bigint[]): Promise<boolean> {
  if (productIds.length === 0) return false;
  const marked = await db.$executeRaw`
    UPDATE "Product" SET "collectionsDue" = true
    WHERE "shopId" = ${shopId} AND "shopifyId" = ANY(${productIds.map(String)}::bigint[]) AND "deletedAt" IS NULL`;
  return marked > 0;
}

/** Sets one product's collections to exactly `collectionIds` (what Shopify lists now); true when that changed them. */
export async function replaceProductCollections(
  db: Db,
  shopId: number,
  productId: bigint,
  collectionIds: bigint[],
): Promise<boolean> {
  const ids = [...new Set(collectionIds.map(String))];
  return db.$transaction(async (tx) => {
    const removed = await tx.$executeRaw`
      DELETE FROM "ProductCollection"
      WHERE "shopId" = ${shopId} AND "productId" = ${productId} AND NOT ("collectionId" = ANY(${ids}::bigint[]))`;
    const added = await tx.$executeRaw`
      INSERT INTO "ProductCollection" ("shopId", "collectionId", "productId", "syncedAt")
      SELECT ${shopId}, c, ${productId}, now() FROM unnest(${ids}::bigint[]) AS c
      ON CONFLICT ("shopId", "collectionId", "productId") DO NOTHING`;
    return removed + added > 0;
  });
}

/** Products (Shopify ids) in any of the collections. */
export async function productsInCollections(db: Db, shopId: number, collectionIds: bigint[]): Promise<bigint[]> {
  if (collectionIds.length === 0) return [];
  const rows = await db.$queryRaw<{ id: bigint }[]>`
    SELECT DISTINCT "productId" AS id FROM "ProductCollection"
    WHERE "shopId" = ${shopId} AND "collectionId" = ANY(${collectionIds.map(String)}::bigint[])`;
  return rows.map((r) => r.id);
}

/** Customers (Shopify ids) with a live order of any of the products, at most `limit` of them. */
export async function buyersOfProducts(db: Db, shopId: number, productIds: bigint[], limit: number): Promise<bigint[]> {
  if (productIds.length === 0) return [];
  const patterns = productIds.map((id) => JSON.stringify([{ productId: id.toString() }]));
  const rows = await db.$queryRaw<{ id: bigint }[]>`
    SELECT DISTINCT o."customerShopifyId" AS id FROM "Order" o
    WHERE o."shopId" = ${shopId} AND o."deletedAt" IS NULL AND o."customerShopifyId" IS NOT NULL
      AND o."lineItems" @> ANY(${patterns}::jsonb[])
    LIMIT ${limit}`;
  return rows.map((r) => r.id);
}
