import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import db from "~/db.server";
import { Prisma } from "~/generated/prisma/client";
import { appNow } from "~/clock.server";
import { queues } from "~/queues.server";
import { collapsedJob, rescoreJobKey } from "~/enqueue.server";
import { ruleSql } from "~/admin/rule-segments.server";
import { adminForShop } from "~/jobs/admin-for-shop.server";
import { backfillShop } from "~/sync/backfill.server";
import { ProductLinesBuilder, topCategories } from "~/segmentation/affinity";
import type { Rule } from "~/segmentation/rules";
import { orderRefundedCents, orderTotalCents, type ShopStore } from "../shopify-emulator";
import type { EmulatedApp } from "../helpers/emulated-app";
import { startComputedShop, type ComputedShop } from "../helpers/computed-shop";
import { waitFor } from "../helpers/shops";

// Collections on an emulated shop, end to end: the back-fill stores every collection and which
// products are in it as Shopify lists them (a nested bulk export); each customer's stored top
// collection is what Shopify's own data gives; a collections/update webhook (whose payload lists
// no products) makes the app re-read the collection's products by GraphQL, and the buyer of a
// product that joined it enters the rule segment "bought from collection X at least once in the
// last D days" within the debounce, with the live preview agreeing; collections/delete takes
// them out again. The re-reads run on the maintenance queue, behind the privacy checks of the
// first push's customers/update echoes, so their waits are long.

vi.hoisted(() => {
  process.env.SCORE_DEBOUNCE_MS = "200";
});

let computed: ComputedShop;
let env: EmulatedApp;
let store: ShopStore;
let shopId: number;

beforeAll(async () => {
  computed = await startComputedShop({ customers: 400 }, { recomputeTimeoutMs: 90_000 });
  ({ env, shopId } = computed);
  store = env.emu.shop(env.shop);
});

afterAll(async () => {
  await computed?.close();
});

/** The shop's live collections and memberships as stored: title → sorted product ids. */
async function storedCollections(): Promise<Record<string, number[]>> {
  const rows = await db.$queryRaw<{ title: string; product: bigint | null }[]>`
    SELECT k."title", pc."productId" AS product FROM "Collection" k
    LEFT JOIN "ProductCollection" pc ON pc."shopId" = k."shopId" AND pc."collectionId" = k."shopifyId"
    WHERE k."shopId" = ${shopId} AND k."deletedAt" IS NULL`;
  const out: Record<string, number[]> = {};
  for (const row of rows) {
    out[row.title] ??= [];
    if (row.product !== null) out[row.title].push(Number(row.product));
  }
  for (const ids of Object.values(out)) ids.sort((a, b) => a - b);
  return out;
}

function shopifyCollections(): Record<string, number[]> {
  return Object.fromEntries(store.collections().map((c) => [c.title, [...c.productIds].sort((a, b) => a - b)]));
}

/** Shopify's data through the pure affinity code: customer id → top collection (lowercase). */
function topCollectionInShopify(): Map<string, string | null> {
  const builder = new ProductLinesBuilder();
  const ids: string[] = [];
  for (const { record, orders } of store.customers()) {
    const index = ids.push(String(record.id)) - 1;
    for (const order of orders) {
      if (order.test || order.cancelledAt !== null) continue;
      const net = Math.max(0, orderTotalCents(order) - orderRefundedCents(order)) / 100;
      for (const item of order.lineItems)
        builder.add(String(order.id), index, order.processedAt, net, {
          productType: null,
          vendor: null,
          collections: store.collectionsOfProduct(item.productId).map((c) => c.title),
          amount: (item.quantity * item.unitPriceCents) / 100,
        });
    }
  }
  const lines = builder.build(ids.length);
  const top = topCategories(lines).collection;
  return new Map(
    ids.map((id, c) => [id, top.category[c] >= 0 ? lines.names.collection[top.category[c]].toLowerCase() : null]),
  );
}

async function storedTopCollection(): Promise<Map<string, string | null>> {
  const rows = await db.$queryRaw<{ id: bigint; top: string | null }[]>`
    SELECT c."shopifyId" AS id, lower(s."topCollection") AS top
    FROM "CustomerScore" s JOIN "Customer" c ON c."shopId" = s."shopId" AND c."id" = s."customerId"
    WHERE s."shopId" = ${shopId}`;
  return new Map(rows.map((r) => [String(r.id), r.top]));
}

async function segmentKeysOf(customerShopifyId: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ key: string }[]>`
    SELECT m."segmentKey" AS key FROM "Membership" m JOIN "Customer" c ON c."shopId" = m."shopId" AND c."id" = m."customerId"
    WHERE m."shopId" = ${shopId} AND c."shopifyId" = ${customerShopifyId}`;
  return rows.map((r) => r.key).sort();
}

async function previewSelects(rule: Rule, customer: number): Promise<boolean> {
  const selected = await db.$queryRaw<{ id: bigint }[]>(
    Prisma.sql`SELECT c."shopifyId" AS id FROM "CustomerScore" s JOIN "Customer" c ON c."shopId" = s."shopId" AND c."id" = s."customerId"
      WHERE s."shopId" = ${shopId} AND ${ruleSql(rule, shopId, appNow())}`,
  );
  return selected.some((r) => Number(r.id) === customer);
}

const rescoreDone = (customer: number) =>
  waitFor(async () => !(await collapsedJob(queues(), "score", rescoreJobKey(shopId, BigInt(customer)))), {
    timeoutMs: 60_000,
    what: "the customer's re-score to end",
  });

describe("collections", { timeout: 300_000 }, () => {
  it("back-fills every collection with its products, as Shopify lists them", async () => {
    expect(await storedCollections()).toEqual(shopifyCollections());
    expect(Object.keys(shopifyCollections())).toHaveLength(3);
    const sync = await db.run.findFirstOrThrow({ where: { shopId, kind: "SYNC", status: "SUCCEEDED" } });
    const counts = sync.counts as { collections: number; collectionProducts: number };
    expect(counts.collections).toBe(3);
    expect(counts.collectionProducts).toBe(Object.values(shopifyCollections()).flat().length);
    // Exported in bulk as one nested query (collections, then their products as __parentId lines).
    const op = [...store.bulkOperations.values()].find((o) => o.query.includes("collections"))!;
    expect(op.query).toMatch(/collections \{\s*edges \{\s*node \{[\s\S]*products \{\s*edges/);
  });

  it("stores each customer's top collection by net spend, as Shopify's data gives it", async () => {
    const stored = await storedTopCollection();
    const shopify = topCollectionInShopify();
    expect(stored.size).toBeGreaterThan(300);
    const differ = [...stored].filter(([id, top]) => shopify.get(id) !== top);
    expect(differ.slice(0, 5)).toEqual([]);
    expect(new Set(stored.values()).size).toBeGreaterThan(2);
  });

  it("re-reads a collection's products after collections/update and moves its buyers by the rule field; collections/delete moves them back", async () => {
    const rule: Rule = { all: [{ field: "collectionOrders", op: ">=", value: 1, days: 30, name: "summer sale" }] };
    await db.segment.create({
      data: { shopId, key: "rule-summer-sale", kind: "RULE", name: "Bought from Summer Sale", definition: { rule } },
    });
    const customer = [...store.customers()][7].record.id;
    const towel = store.createProduct({ title: "Beach towel", productType: "Towels", priceCents: 400_000 });
    const summer = store.createCollection({ title: "Summer Sale", productIds: [] });
    store.createOrder({ customerId: customer, lineItems: [{ productId: towel.id, quantity: 1 }] });
    await env.emu.idle();
    await waitFor(
      async () =>
        (await db.order.count({
          where: { shopId, lineItems: { array_contains: [{ productId: String(towel.id) }] } },
        })) === 1,
      { what: "the order stored" },
    );
    await waitFor(async () => (await storedCollections())["Summer Sale"]?.length === 0, {
      timeoutMs: 120_000,
      what: "the new, empty collection stored",
    });
    await rescoreDone(customer);
    expect(await segmentKeysOf(customer)).not.toContain("rule-summer-sale");

    // The towel joins the collection: Shopify says so with a collections/update listing no products.
    store.updateCollection(summer.id, { productIds: [towel.id] });
    await env.emu.idle();
    const [update] = env.emu.webhooks.delivered("collections/update").slice(-1);
    expect(JSON.parse(update.body)).not.toHaveProperty("products");
    await waitFor(async () => ((await storedCollections())["Summer Sale"]?.[0] === towel.id ? true : undefined), {
      timeoutMs: 120_000,
      what: "the collection's products re-read",
    });
    expect(env.emu.stats(env.shop).calls.CollectionProducts).toBeGreaterThan(0);
    await waitFor(async () => ((await segmentKeysOf(customer)).includes("rule-summer-sale") ? true : undefined), {
      timeoutMs: 60_000,
      what: "the buyer's re-score into the rule segment",
    });
    await waitFor(
      async () => ((await storedTopCollection()).get(String(customer)) === "summer sale" ? true : undefined),
      {
        timeoutMs: 60_000,
        what: "the buyer's top collection",
      },
    );
    expect(await previewSelects(rule, customer)).toBe(true);

    // Deleted in Shopify: the tombstone takes its memberships, and the buyer leaves.
    store.deleteCollection(summer.id);
    await env.emu.idle();
    await waitFor(async () => ((await segmentKeysOf(customer)).includes("rule-summer-sale") ? undefined : true), {
      timeoutMs: 60_000,
      what: "the buyer's re-score out of the rule segment",
    });
    expect(await db.productCollection.count({ where: { shopId, collectionId: BigInt(summer.id) } })).toBe(0);
    const tomb = await db.collection.findUniqueOrThrow({
      where: { shopId_shopifyId: { shopId, shopifyId: BigInt(summer.id) } },
    });
    expect(tomb.deletedAt).not.toBeNull();
    expect(await previewSelects(rule, customer)).toBe(false);
    expect(await storedCollections()).toEqual(shopifyCollections());
  });

  it("re-reads a product's collections after products/update, so a smart collection that gained it moves its buyer", async () => {
    const rule: Rule = { all: [{ field: "collectionOrders", op: ">=", value: 1, days: 30, name: "Staff picks" }] };
    await db.segment.create({
      data: { shopId, key: "rule-staff-picks", kind: "RULE", name: "Bought staff picks", definition: { rule } },
    });
    const customer = [...store.customers()][11].record.id;
    const lamp = store.createProduct({ title: "Desk lamp", productType: "Lighting", priceCents: 9_000 });
    store.createOrder({ customerId: customer, lineItems: [{ productId: lamp.id, quantity: 1 }] });
    await env.emu.idle();
    await waitFor(
      async () =>
        (await db.product.count({ where: { shopId, shopifyId: BigInt(lamp.id), collectionsDue: false } })) === 1,
      { timeoutMs: 120_000, what: "the product stored and its collections read" },
    );
    await rescoreDone(customer);
    const before = await segmentKeysOf(customer);
    // A smart collection's rule now takes the lamp: Shopify sends no collection webhook, only the
    // product's own products/update (its tags changed, say).
    const staff = store.collections().find((c) => c.title === "Staff picks")!;
    store.updateCollection(staff.id, { productIds: [...staff.productIds, lamp.id] }, { announce: false });
    store.updateProduct(lamp.id, { title: "Desk lamp (staff pick)" });
    await env.emu.idle();
    await waitFor(async () => ((await storedCollections())["Staff picks"]?.includes(lamp.id) ? true : undefined), {
      timeoutMs: 120_000,
      what: "the product's collections re-read",
    });
    expect(env.emu.stats(env.shop).calls.ProductCollections).toBeGreaterThan(0);
    await waitFor(async () => ((await segmentKeysOf(customer)).includes("rule-staff-picks") ? true : undefined), {
      timeoutMs: 60_000,
      what: "the buyer's re-score into the rule segment",
    });
    expect(before).not.toContain("rule-staff-picks");
    // The re-score writes memberships, then scores: the preview reads both, so wait for its end.
    await rescoreDone(customer);
    expect(await previewSelects(rule, customer)).toBe(true);
  });

  it("converges on collection changes Shopify did not announce at the next resync, and drops what Shopify no longer has", async () => {
    const gifts = store.collections().find((c) => c.title === "Gift ideas")!;
    const outside = store.products().find((p) => !gifts.productIds.includes(p.id))!;
    store.updateCollection(gifts.id, { productIds: [...gifts.productIds.slice(1), outside.id] }, { announce: false });
    // A collection we hold that Shopify does not (its collections/delete never arrived), written
    // by an earlier sync: an hour before now on the database's clock, which the app's writes and
    // the resync's start both read (Prisma's own @default(now()) is this process's clock).
    const [{ at: dbNow }] = await db.$queryRaw<{ at: Date }[]>`SELECT now() AS at`;
    const syncedAt = new Date(dbNow.getTime() - 3_600_000);
    await db.collection.create({ data: { shopId, shopifyId: 1n, title: "Stale", handle: "stale", syncedAt } });
    await db.productCollection.create({
      data: { shopId, collectionId: 1n, productId: BigInt(outside.id), syncedAt },
    });
    expect(await storedCollections()).not.toEqual(shopifyCollections());

    const result = await backfillShop(db, await adminForShop(env.shop), shopId, { pollMs: 50 });
    expect(result.collections).toBe(store.collections().length);
    expect(await storedCollections()).toEqual(shopifyCollections());
    expect(await db.productCollection.count({ where: { shopId, collectionId: 1n } })).toBe(0);
    expect(
      (await db.collection.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: 1n } } })).deletedAt,
    ).not.toBeNull();
  });
});
