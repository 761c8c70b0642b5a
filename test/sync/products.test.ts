import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import db from "~/db.server";
import { ruleSqlEnv } from "~/privacy/personal-data.server";
import { Prisma } from "~/generated/prisma/client";
import { requestResync } from "~/admin/settings.server";
import { requireShop } from "~/admin/admin-shop.server";
import { customersMatchingSql } from "~/segmentation/rule-sql";
import type { ShopStore } from "../shopify-emulator";
import type { EmulatedApp } from "../helpers/emulated-app";
import { startComputedShop, type ComputedShop } from "../helpers/computed-shop";
import { waitFor } from "../helpers/shops";

// Order webhooks carry a line item's product_id but no product_type (Shopify's REST shape, which
// the emulator sends): the "bought product type X in the last N days" rule must still find the
// customers who bought X by webhook, through the products the app back-fills and keeps current.

// Hoisted above the imports: the app reads its environment once, when ~/db.server loads.
vi.hoisted(() => {
  process.env.SCORE_DEBOUNCE_MS = "200";
});

const DAY = 86_400_000;
const WINDOW_DAYS = 30;
let computed: ComputedShop;
let env: EmulatedApp;
let store: ShopStore;
let shopId: number;

beforeAll(async () => {
  computed = await startComputedShop({ customers: 300 }, { recomputeTimeoutMs: 90_000 });
  ({ env, shopId } = computed);
  store = env.emu.shop(env.shop);
});

afterAll(async () => {
  await computed?.close();
});

const recompute = (what: string) => computed.recompute(what);

/** What Shopify says: customer id → the product types of their live orders (as their products are now). */
function typesBoughtInShopify(sinceMs: number | null): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const { record, orders } of store.customers()) {
    for (const order of orders) {
      if (order.test || order.cancelledAt !== null || (sinceMs !== null && order.processedAt < sinceMs)) continue;
      for (const item of order.lineItems) {
        const type = store.product(item.productId)?.productType.toLowerCase();
        if (!type) continue;
        const types = out.get(String(record.id)) ?? new Set<string>();
        types.add(type);
        out.set(String(record.id), types);
      }
    }
  }
  return out;
}

/** What the app's rule SQL finds: customer Shopify id → the types it says they bought. */
async function typesBoughtInApp(types: string[], days: number | undefined, now: Date) {
  const out = new Map<string, Set<string>>();
  for (const type of types) {
    const query = customersMatchingSql(
      shopId,
      { field: "productType", op: "bought", value: type, days },
      ruleSqlEnv(shopId, now),
    );
    const rows = await db.$queryRaw<{ id: bigint }[]>`
      SELECT c."shopifyId" AS id FROM "Customer" c WHERE c."shopId" = ${shopId}
        AND c."id" IN (${new Prisma.Sql(query.strings, query.values)})`;
    for (const row of rows) {
      const set = out.get(String(row.id)) ?? new Set<string>();
      set.add(type.toLowerCase());
      out.set(String(row.id), set);
    }
  }
  return out;
}

const sorted = (map: Map<string, Set<string>>) =>
  Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()]));

async function members(key: string): Promise<Set<string>> {
  const rows = await db.$queryRaw<{ id: bigint }[]>`
    SELECT c."shopifyId" AS id FROM "Membership" m JOIN "Customer" c ON c."shopId" = m."shopId" AND c."id" = m."customerId"
    WHERE m."shopId" = ${shopId} AND m."segmentKey" = ${key}`;
  return new Set(rows.map((r) => String(r.id)));
}

async function ruleSegment(key: string, productType: string) {
  await db.segment.create({
    data: {
      shopId,
      key,
      kind: "RULE",
      name: key,
      definition: { rule: { all: [{ field: "productType", op: "bought", value: productType, days: WINDOW_DAYS }] } },
    },
  });
}

/** A customer with orders who never bought `type`, by Shopify's data. */
function customerWithout(type: string, skip: Set<number>): number {
  const bought = typesBoughtInShopify(null);
  for (const { record, orders } of store.customers()) {
    if (skip.has(record.id) || !orders.some((o) => !o.test && o.cancelledAt === null)) continue;
    if (!bought.get(String(record.id))?.has(type.toLowerCase())) return record.id;
  }
  throw new Error(`every buyer bought ${type}`);
}

async function storedOrder(id: number) {
  return waitFor(() => db.order.findUnique({ where: { shopId_shopifyId: { shopId, shopifyId: BigInt(id) } } }), {
    what: `order ${id} in the database`,
  });
}

describe("product types of webhook orders", { timeout: 240_000 }, () => {
  it("back-fills the shop's products with their types", async () => {
    const stored = await db.product.findMany({ where: { shopId }, orderBy: { shopifyId: "asc" } });
    const want = store.products().sort((a, b) => a.id - b.id);
    expect(want.length).toBe(48);
    expect(
      stored.map((p) => ({ id: Number(p.shopifyId), type: p.productType, title: p.title, vendor: p.vendor })),
    ).toEqual(want.map((p) => ({ id: p.id, type: p.productType, title: p.title, vendor: p.vendor })));
    const sync = await db.run.findFirstOrThrow({ where: { shopId, kind: "SYNC" } });
    expect((sync.counts as { products: number }).products).toBe(48);
  });

  it("puts a customer who bought type X by webhook in the rule segment 'bought X in the last 30 days', as back-fill and Shopify agree", async () => {
    const catalogType = store.products()[0].productType;
    await ruleSegment("rule-bought-catalog-type", catalogType);

    // Webhook orders (no product_type in their line items) of several types, for a few customers.
    const buyers = new Set<number>();
    const orderIds: number[] = [];
    const target = customerWithout(catalogType, buyers);
    buyers.add(target);
    const ofType = store.products().find((p) => p.productType === catalogType)!;
    orderIds.push(store.createOrder({ customerId: target, lineItems: [{ productId: ofType.id }] }).id);
    for (const [i, product] of store.products().slice(5, 11).entries()) {
      const customer = customerWithout(product.productType, buyers);
      buyers.add(customer);
      orderIds.push(
        store.createOrder({ customerId: customer, lineItems: [{ productId: product.id, quantity: i + 1 }] }).id,
      );
    }
    await env.emu.idle();
    const delivered = env.emu.webhooks
      .delivered("orders/create")
      .map((d) => JSON.parse(d.body) as { line_items: object[] });
    expect(delivered.length).toBe(orderIds.length);
    for (const payload of delivered)
      for (const item of payload.line_items) {
        expect(item).toHaveProperty("product_id");
        expect(item).toHaveProperty("variant_id");
        expect(item).not.toHaveProperty("product_type");
      }
    for (const id of orderIds) {
      const order = await storedOrder(id);
      expect((order.lineItems as { productType: string | null }[])[0].productType).toBeNull();
    }

    // The real compute path: the run's rule segment holds exactly Shopify's recent buyers of X.
    await recompute("a compute after the webhook orders");
    const { fittedAt: asOf } = await db.shopModel.findUniqueOrThrow({ where: { shopId } });
    const since = asOf.getTime() - WINDOW_DAYS * DAY;
    const recentBuyers = [...typesBoughtInShopify(since)]
      .filter(([, types]) => types.has(catalogType.toLowerCase()))
      .map(([id]) => id);
    const segment = await members("rule-bought-catalog-type");
    expect(segment.has(String(target))).toBe(true);
    expect([...segment].sort()).toEqual(recentBuyers.sort());

    // Customer by customer, every type, all time and in the window: webhooks, Shopify and a
    // fresh back-fill give the same answer.
    const types = [...new Set(store.products().map((p) => p.productType))];
    const viaWebhooks = {
      all: sorted(await typesBoughtInApp(types, undefined, asOf)),
      recent: sorted(await typesBoughtInApp(types, WINDOW_DAYS, asOf)),
    };
    expect(viaWebhooks).toEqual({
      all: sorted(typesBoughtInShopify(null)),
      recent: sorted(typesBoughtInShopify(since)),
    });
    const syncs = await db.run.count({ where: { shopId, kind: "SYNC" } });
    const computes = await db.run.count({ where: { shopId, kind: "COMPUTE" } });
    expect(await requestResync(await requireShop(env.shop))).toBe("started");
    const resync = await waitFor(
      async () => {
        const runs = await db.run.findMany({ where: { shopId, kind: "SYNC" }, orderBy: { id: "asc" } });
        const last = runs[runs.length - 1];
        return runs.length > syncs && (last.status === "SUCCEEDED" || last.status === "FAILED") ? last : undefined;
      },
      { timeoutMs: 90_000, what: "the resync" },
    );
    expect(resync.error).toBeNull();
    // The compute a sync queues, done before the next test queues its own.
    await waitFor(
      async () => {
        const runs = await db.run.findMany({ where: { shopId, kind: "COMPUTE" }, orderBy: { id: "asc" } });
        return runs.length > computes && runs[runs.length - 1].status === "SUCCEEDED" ? true : undefined;
      },
      { timeoutMs: 90_000, what: "the compute after the resync" },
    );
    expect({
      all: sorted(await typesBoughtInApp(types, undefined, asOf)),
      recent: sorted(await typesBoughtInApp(types, WINDOW_DAYS, asOf)),
    }).toEqual(viaWebhooks);
  });

  it("resolves an order whose product webhook arrives after it, and follows the product's retype and deletion", async () => {
    await ruleSegment("rule-bought-gadgets", "Gadgets");
    await ruleSegment("rule-bought-gizmos", "Gizmos");
    const customer = customerWithout("Gadgets", new Set());
    // The order overtakes its product's products/create.
    env.emu.webhooks.hold();
    const product = store.createProduct({ title: "Pocket Gadget", productType: "Gadgets" });
    const order = store.createOrder({ customerId: customer, lineItems: [{ productId: product.id }] });
    await env.emu.webhooks.release({ topics: ["orders/create"] });
    await storedOrder(order.id);
    expect(
      await db.product.findUnique({ where: { shopId_shopifyId: { shopId, shopifyId: BigInt(product.id) } } }),
    ).toBeNull();
    await recompute("a compute before the product arrived");
    expect((await members("rule-bought-gadgets")).has(String(customer))).toBe(false);

    // The product arrives: its buyer is re-scored into the segment, no full compute needed.
    await env.emu.webhooks.release();
    await waitFor(async () => ((await members("rule-bought-gadgets")).has(String(customer)) ? true : undefined), {
      timeoutMs: 30_000,
      what: "the buyer's re-score after products/create",
    });

    // Retyped: the past purchase now counts as the new type, as Shopify's segment filters see it.
    store.updateProduct(product.id, { productType: "Gizmos" });
    await env.emu.idle();
    await waitFor(
      async () => {
        const [gadgets, gizmos] = [await members("rule-bought-gadgets"), await members("rule-bought-gizmos")];
        return !gadgets.has(String(customer)) && gizmos.has(String(customer)) ? true : undefined;
      },
      { timeoutMs: 30_000, what: "the buyer's re-score after products/update" },
    );

    // Deleted: the purchase has no product type any more, as a back-fill would see it.
    store.deleteProduct(product.id);
    await env.emu.idle();
    await waitFor(async () => (!(await members("rule-bought-gizmos")).has(String(customer)) ? true : undefined), {
      timeoutMs: 30_000,
      what: "the buyer's re-score after products/delete",
    });
    const tombstone = await db.product.findUniqueOrThrow({
      where: { shopId_shopifyId: { shopId, shopifyId: BigInt(product.id) } },
    });
    expect(tombstone.deletedAt).not.toBeNull();
    expect(tombstone.productType).toBeNull();
  });
});
