import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import db from "~/db.server";
import { Prisma } from "~/generated/prisma/client";
import { appNow } from "~/clock.server";
import { queues } from "~/queues.server";
import { collapsedJob, rescoreJobKey } from "~/enqueue.server";
import { ruleSql } from "~/admin/rule-segments.server";
import { shopSettings } from "~/settings";
import { ProductLinesBuilder, resolveLine, topCategories } from "~/segmentation/affinity";
import type { Rule } from "~/segmentation/rules";
import { orderRefundedCents, orderTotalCents, type ShopStore } from "../shopify-emulator";
import type { EmulatedApp } from "../helpers/emulated-app";
import { startComputedShop, type ComputedShop } from "../helpers/computed-shop";
import { waitFor } from "../helpers/shops";

// Product affinity on an emulated shop, end to end: each customer's stored top product type and
// vendor are what Shopify's own data gives; an order arriving by webhook (REST line items carry
// product_id, never product_type) moves its customer's top type, affinity segment and the rule
// "bought at least N times from X in the last D days" within the re-score debounce; affinity
// segments keep their keys (and Shopify segments) across recomputes; a product type that loses
// its customers loses its segment, and the push takes its tags and Shopify segment back.

vi.hoisted(() => {
  process.env.SCORE_DEBOUNCE_MS = "200";
});

let computed: ComputedShop;
let env: EmulatedApp;
let store: ShopStore;
let shopId: number;

beforeAll(async () => {
  computed = await startComputedShop({ customers: 700 }, { recomputeTimeoutMs: 90_000 });
  ({ env, shopId } = computed);
  store = env.emu.shop(env.shop);
  await pushAfter(0n);
});

afterAll(async () => {
  await computed?.close();
});

/** The first push queued after run `id` (the compute's or a re-score's), finished. */
function pushAfter(id: bigint) {
  return waitFor(
    async () => {
      const push = await db.run.findFirst({ where: { shopId, kind: "PUSH", id: { gt: id } }, orderBy: { id: "desc" } });
      return push && (push.status === "SUCCEEDED" || push.status === "FAILED") ? push : undefined;
    },
    { timeoutMs: 90_000, what: "a push" },
  );
}

/** Shopify's data through the pure affinity code: customer id → [top product type, top vendor], lowercase. */
function topInShopify(): Map<string, [string | null, string | null]> {
  const builder = new ProductLinesBuilder();
  const ids: string[] = [];
  for (const { record, orders } of store.customers()) {
    const index = ids.push(String(record.id)) - 1;
    for (const order of orders) {
      if (order.test || order.cancelledAt !== null) continue;
      const net = Math.max(0, orderTotalCents(order) - orderRefundedCents(order)) / 100;
      for (const item of order.lineItems) {
        const product = store.product(item.productId);
        const line = resolveLine(
          product
            ? { productType: product.productType, vendor: product.vendor, deleted: false }
            : { productType: null, vendor: null, deleted: true },
          null,
        );
        builder.add(String(order.id), index, order.processedAt, net, {
          ...line,
          amount: (item.quantity * item.unitPriceCents) / 100,
        });
      }
    }
  }
  const lines = builder.build(ids.length);
  const top = topCategories(lines);
  const name = (kind: "productType" | "vendor", c: number) => {
    const t = top[kind].category[c];
    return t >= 0 ? lines.names[kind][t].toLowerCase() : null;
  };
  return new Map(ids.map((id, c) => [id, [name("productType", c), name("vendor", c)]]));
}

async function storedTop(): Promise<Map<string, [string | null, string | null]>> {
  const rows = await db.$queryRaw<{ id: bigint; type: string | null; vendor: string | null }[]>`
    SELECT c."shopifyId" AS id, lower(s."topProductType") AS type, lower(s."topVendor") AS vendor
    FROM "CustomerScore" s JOIN "Customer" c ON c."shopId" = s."shopId" AND c."id" = s."customerId"
    WHERE s."shopId" = ${shopId}`;
  return new Map(rows.map((r) => [String(r.id), [r.type, r.vendor]]));
}

async function affinitySegments() {
  return db.segment.findMany({ where: { shopId, kind: "AFFINITY" }, orderBy: { key: "asc" } });
}

async function segmentKeysOf(customerShopifyId: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ key: string }[]>`
    SELECT m."segmentKey" AS key FROM "Membership" m JOIN "Customer" c ON c."shopId" = m."shopId" AND c."id" = m."customerId"
    WHERE m."shopId" = ${shopId} AND c."shopifyId" = ${customerShopifyId}`;
  return rows.map((r) => r.key).sort();
}

const productTypeOf = (segment: { definition: unknown }) =>
  String((segment.definition as { productType: string }).productType);

describe("product affinity", { timeout: 300_000 }, () => {
  it("stores every customer's top product type and vendor by net spend, as Shopify's data gives them, and segments the big types", async () => {
    const stored = await storedTop();
    const shopify = topInShopify();
    expect(stored.size).toBeGreaterThan(500);
    const differ = [...stored].filter(([id, top]) => JSON.stringify(shopify.get(id)) !== JSON.stringify(top));
    expect(differ.slice(0, 5)).toEqual([]);
    // The emulator's five vendors sell across types: vendors are their own signal.
    expect(new Set([...stored.values()].map(([, vendor]) => vendor)).size).toBeGreaterThan(1);

    const segments = await affinitySegments();
    expect(segments.length).toBeGreaterThanOrEqual(2);
    for (const segment of segments) {
      const type = productTypeOf(segment);
      expect(segment.key).toBe(`affinity-${type.toLowerCase()}`);
      expect(segment.name).toBe(`${type} lovers`);
      const members = await db.membership.count({ where: { shopId, segmentKey: segment.key } });
      const withType = [...stored.values()].filter(([t]) => t === type.toLowerCase()).length;
      expect(members, segment.key).toBe(withType);
      expect(members).toBeGreaterThanOrEqual(50);
    }
    // Pushed like every segment: a Shopify segment on the tag.
    const pushed = await db.pushedSegment.findMany({ where: { shopId, segmentKey: { startsWith: "affinity-" } } });
    expect(pushed.map((p) => p.segmentKey).sort()).toEqual(segments.map((s) => s.key));
  });

  it("counts an order arriving by webhook (product_id only) toward its product type's affinity and 'bought N times from X'", async () => {
    const segments = await affinitySegments();
    const [from, to] = segments;
    const stored = await storedTop();
    // A customer whose top type is `from`'s; they buy `to`'s type twice, by webhook, at a price that makes it their top.
    const customer = Number(
      [...stored].find(([id, [type]]) => type === productTypeOf(from).toLowerCase() && store.customer(Number(id)))![0],
    );
    const product = store.products().find((p) => p.productType === productTypeOf(to))!;
    const rule: Rule = { all: [{ field: "productTypeOrders", op: ">=", value: 2, days: 30, name: productTypeOf(to) }] };
    await db.segment.create({
      data: { shopId, key: "rule-bought-twice", kind: "RULE", name: "Bought twice", definition: { rule } as object },
    });
    expect(await segmentKeysOf(customer)).toContain(from.key);

    const before = await db.run.findFirstOrThrow({ where: { shopId }, orderBy: { id: "desc" } });
    // One order, then the second once the first one's re-score has finished.
    for (let k = 0; k < 2; k++) {
      store.createOrder({
        customerId: customer,
        lineItems: [{ productId: product.id, quantity: 3, unitPriceCents: 200_000 }],
      });
      await env.emu.idle();
      await waitFor(async () => (await storedTop()).get(String(customer))?.[0] === productTypeOf(to).toLowerCase(), {
        timeoutMs: 60_000,
        what: "the re-score after the first order",
      });
      await waitFor(async () => !(await collapsedJob(queues(), "score", rescoreJobKey(shopId, BigInt(customer)))), {
        timeoutMs: 60_000,
        what: "its job to end",
      });
    }
    const delivered = env.emu.webhooks.delivered("orders/create").slice(-2);
    for (const { body } of delivered)
      for (const item of (JSON.parse(body) as { line_items: object[] }).line_items) {
        expect(item).toHaveProperty("product_id", product.id);
        expect(item).not.toHaveProperty("product_type");
      }

    // The debounced re-score: top type, affinity segment and the rule segment follow the new orders.
    await waitFor(
      async () => {
        const keys = await segmentKeysOf(customer);
        // Memberships are written before the score: wait for both.
        const top = (await storedTop()).get(String(customer))?.[0];
        return keys.includes(to.key) && keys.includes("rule-bought-twice") && top === productTypeOf(to).toLowerCase()
          ? keys
          : undefined;
      },
      { timeoutMs: 60_000, what: "the buyer's re-score after orders/create" },
    );
    const keys = await segmentKeysOf(customer);
    expect(keys).not.toContain(from.key);
    expect((await storedTop()).get(String(customer))?.[0]).toBe(productTypeOf(to).toLowerCase());
    // The live preview (SQL, Product joined at read time) agrees.
    const selected = await db.$queryRaw<{ id: bigint }[]>(
      Prisma.sql`SELECT c."shopifyId" AS id FROM "CustomerScore" s JOIN "Customer" c ON c."shopId" = s."shopId" AND c."id" = s."customerId"
        WHERE s."shopId" = ${shopId} AND ${ruleSql(rule, shopId, appNow())}`,
    );
    expect(selected.map((r) => Number(r.id))).toContain(customer);
    const tagPrefix = shopSettings((await db.shop.findUniqueOrThrow({ where: { id: shopId } })).settings).tagPrefix;
    await waitFor(
      async () => (store.customer(customer)!.record.tags.includes(`${tagPrefix}${to.key}`) ? true : undefined),
      {
        timeoutMs: 60_000,
        what: `the tag ${to.key} pushed after the re-score`,
      },
    );
    expect(before.id).toBeGreaterThan(0n);
  });

  it("keeps affinity keys, segments and Shopify segments across a recompute", async () => {
    const before = await affinitySegments();
    const pushedBefore = await db.pushedSegment.findMany({
      where: { shopId, segmentKey: { startsWith: "affinity-" } },
    });
    await computed.recompute("a recompute of the same orders");
    const after = await affinitySegments();
    expect(after.map((s) => [s.id, s.key, s.name])).toEqual(before.map((s) => [s.id, s.key, s.name]));
    const pushedAfter = await db.pushedSegment.findMany({ where: { shopId, segmentKey: { startsWith: "affinity-" } } });
    const ids = (rows: typeof pushedBefore) => Object.fromEntries(rows.map((p) => [p.segmentKey, p.shopifyId]));
    expect(ids(pushedAfter)).toEqual(ids(pushedBefore));
  });

  it("retires the segment of a product type whose customers are gone: members leave, tags and the Shopify segment are taken back", async () => {
    const segments = await affinitySegments();
    const doomed = segments[segments.length - 1];
    const type = productTypeOf(doomed);
    const other = productTypeOf(segments[0]);
    // Retyped in Shopify: products/update webhooks retype every past purchase.
    for (const product of store.products().filter((p) => p.productType === type))
      store.updateProduct(product.id, { productType: other });
    await env.emu.idle();
    await waitFor(
      async () => ((await db.product.count({ where: { shopId, productType: type } })) === 0 ? true : undefined),
      { what: "the products retyped" },
    );
    const pushed = await db.pushedSegment.findUniqueOrThrow({
      where: { shopId_segmentKey: { shopId, segmentKey: doomed.key } },
    });
    await computed.recompute("a recompute after the retype");
    await waitFor(
      async () =>
        (await db.pushedSegment.count({ where: { shopId, segmentKey: doomed.key } })) === 0 ? true : undefined,
      { timeoutMs: 60_000, what: `the push deleting ${doomed.key}'s Shopify segment` },
    );

    expect((await affinitySegments()).map((s) => s.key)).not.toContain(doomed.key);
    expect(await db.membership.count({ where: { shopId, segmentKey: doomed.key } })).toBe(0);
    // They left by the retype's re-scores or by the recompute, whichever came first.
    const left = await db.membershipEvent.count({ where: { shopId, segmentKey: doomed.key, entered: false } });
    expect(left).toBeGreaterThanOrEqual(50);
    expect(await db.pushedSegment.count({ where: { shopId, segmentKey: doomed.key } })).toBe(0);
    expect(store.segments.has(Number(pushed.shopifyId.split("/").pop()))).toBe(false);
    const tagPrefix = shopSettings((await db.shop.findUniqueOrThrow({ where: { id: shopId } })).settings).tagPrefix;
    const stillTagged = [...store.customers()].filter(({ record }) =>
      record.tags.includes(`${tagPrefix}${doomed.key}`),
    );
    expect(stillTagged).toHaveLength(0);
  });
});
