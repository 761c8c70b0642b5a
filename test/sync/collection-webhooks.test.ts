import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { action } from "~/routes/webhooks.$";
import { applyWebhookEvent } from "~/sync/apply-event.server";
import { parse, validate } from "graphql";
import { API_VERSION } from "~/shopify/api-version";
import { productCollectionsQuery, syncCollectionMemberships } from "~/sync/collection-memberships.server";
import { loadAdminSchema } from "../shopify-emulator/schema";
import type { AdminClient } from "~/shopify/admin-client.server";
import { collectionDeletePayload, collectionPayload, type CollectionLike } from "../shopify-emulator/rest-payloads";
import { uniqueShopDomain } from "../helpers/shops";
import { signedWebhookRequest } from "../helpers/webhooks";

// collections/create, collections/update and collections/delete through the real route and
// applier (bodies in Shopify's REST shape, built by the emulator): signed or refused, idempotent
// under retries and reordering, a malformed one recorded; and the membership re-read they trigger
// (app/sync/collection-memberships.server.ts) against a scripted Admin API: paged, exact, per shop.

const callAction = (request: Request) => action({ request, params: {}, context: {} });
const T0 = Date.parse("2026-10-20T12:00:00Z");
const due: number[] = [];
const deps = () => ({
  db,
  queues: queues(),
  onCustomerChanged: async () => {},
  onCollectionMembershipsDue: async (id: number) => void due.push(id),
});

let shop: string;
let shopId: number;
let otherShopId: number;

beforeAll(async () => {
  shop = uniqueShopDomain("collections");
  shopId = (await db.shop.create({ data: { domain: shop } })).id;
  otherShopId = (await db.shop.create({ data: { domain: uniqueShopDomain("collections-other") } })).id;
});
afterAll(async () => {
  await db.shop.deleteMany({ where: { id: { in: [shopId, otherShopId] } } });
  await queues().close();
});

const shopLike = () => ({
  id: 1,
  domain: shop,
  name: "Collections shop",
  currency: "USD",
  timezone: "America/New_York",
  plan: "standard",
  createdAt: T0,
});

function collection(id: number, patch: Partial<CollectionLike> = {}): CollectionLike {
  return { id, title: "Summer Sale", handle: "summer-sale", createdAt: T0, updatedAt: T0, ...patch };
}

async function deliver(topic: string, payload: unknown, ids: { eventId?: string } = {}) {
  const response = await callAction(signedWebhookRequest({ shop, topic, payload, ...ids }));
  const [row] = await db.webhookEvent.findMany({ where: { shopDomain: shop }, orderBy: { id: "desc" }, take: 1 });
  return { status: response.status, row };
}

async function deliverAndApply(topic: string, payload: unknown, ids: { eventId?: string } = {}) {
  const { status, row } = await deliver(topic, payload, ids);
  expect(status).toBe(200);
  return applyWebhookEvent(deps(), row.id, row.shopDomain);
}

const stored = (id: number, inShop = shopId) =>
  db.collection.findUnique({ where: { shopId_shopifyId: { shopId: inShop, shopifyId: BigInt(id) } } });

const members = async (id: number, inShop = shopId) =>
  (await db.productCollection.findMany({ where: { shopId: inShop, collectionId: BigInt(id) } }))
    .map((m) => Number(m.productId))
    .sort((a, b) => a - b);

/** An Admin API stand-in answering CollectionProducts from `pages` (per collection gid), `pageSize` a page. */
function scriptedAdmin(products: Record<string, number[] | null>, pageSize = 2) {
  const calls: { id: string; after: string | null }[] = [];
  const admin = {
    async request(query: string, variables: { id: string; after: string | null }) {
      expect(query).toContain("query CollectionProducts");
      calls.push(variables);
      const all = products[variables.id];
      if (all === null || all === undefined) return { collection: null };
      const start = variables.after === null ? 0 : Number(variables.after);
      const page = all.slice(start, start + pageSize);
      const next = start + pageSize;
      return {
        collection: {
          id: variables.id,
          products: {
            pageInfo: { hasNextPage: next < all.length, endCursor: page.length ? String(next) : null },
            nodes: page.map((p) => ({ id: `gid://shopify/Product/${p}` })),
          },
        },
      };
    },
  };
  return { admin: admin as unknown as AdminClient, calls };
}

describe("collections/* webhooks", () => {
  it("refuses a bad signature with 401 on every collection topic and stores nothing", async () => {
    for (const topic of ["collections/create", "collections/update", "collections/delete"]) {
      const request = signedWebhookRequest({
        shop,
        topic,
        payload: collectionPayload(shopLike(), collection(701)),
        secret: "not-the-app-secret",
      });
      expect((await callAction(request)).status, topic).toBe(401);
    }
    expect(await db.webhookEvent.count({ where: { shopDomain: shop } })).toBe(0);
    expect(await stored(701)).toBeNull();
  });

  it("stores a created collection, marks its products due and asks for the re-read; a retry is a no-op", async () => {
    due.length = 0;
    const payload = collectionPayload(shopLike(), collection(702));
    expect(await deliverAndApply("collections/create", payload, { eventId: "ev-702" })).toBe("applied");
    const { status } = await deliver("collections/create", payload, { eventId: "ev-702" });
    expect(status).toBe(200);
    expect(await db.webhookEvent.count({ where: { shopDomain: shop, eventKey: "ev-702" } })).toBe(1);
    const row = await stored(702);
    expect(row).toMatchObject({ title: "Summer Sale", handle: "summer-sale", membershipsDue: true, deletedAt: null });
    expect(due).toEqual([shopId]);
    // Another shop's collection of the same id is its own row.
    expect(await stored(702, otherShopId)).toBeNull();
  });

  it("keeps the later updated_at when updates arrive out of order, and a deleted collection stays deleted", async () => {
    const newer = collectionPayload(shopLike(), collection(703, { title: "Winter Sale", updatedAt: T0 + 60_000 }));
    const older = collectionPayload(shopLike(), collection(703, { title: "Autumn Sale", updatedAt: T0 + 30_000 }));
    await deliverAndApply("collections/update", newer);
    await deliverAndApply("collections/update", older);
    expect((await stored(703))!.title).toBe("Winter Sale");

    await db.productCollection.create({ data: { shopId, collectionId: 703n, productId: 9001n } });
    await deliverAndApply("collections/delete", collectionDeletePayload(703));
    await deliverAndApply(
      "collections/update",
      collectionPayload(shopLike(), collection(703, { title: "Late", updatedAt: T0 + 90_000 })),
    );
    const tomb = await stored(703);
    expect(tomb!.deletedAt).not.toBeNull();
    expect(tomb!.title).toBeNull();
    expect(tomb!.membershipsDue).toBe(false);
    expect(await members(703)).toEqual([]);
  });

  it("records a collection payload without a title once, with the field named, and never retries it", async () => {
    const { title: _title, ...payload } = collectionPayload(shopLike(), collection(704));
    expect(await deliverAndApply("collections/update", payload)).toBe("skipped");
    const [row] = await db.webhookEvent.findMany({ where: { shopDomain: shop }, orderBy: { id: "desc" }, take: 1 });
    expect(row.error).toMatch(/title is not a string/);
    expect(row.processedAt).not.toBeNull();
    expect(await stored(704)).toBeNull();
  });
});

describe("collection memberships re-read", () => {
  it("pages through a marked collection's products, makes the stored memberships exactly those, and clears the mark", async () => {
    const id = 705;
    // Only this collection marked (the webhook tests above left theirs marked).
    await db.collection.updateMany({ where: { shopId }, data: { membershipsDue: false } });
    await db.collection.create({
      data: { shopId, shopifyId: BigInt(id), title: "Gifts", handle: "gifts", membershipsDue: true },
    });
    await db.productCollection.createMany({
      data: [1, 2, 9].map((p) => ({ shopId, collectionId: BigInt(id), productId: BigInt(p) })),
    });
    // The other shop's memberships of the same collection and product ids are never touched.
    await db.collection.create({ data: { shopId: otherShopId, shopifyId: BigInt(id), title: "Gifts" } });
    await db.productCollection.create({ data: { shopId: otherShopId, collectionId: BigInt(id), productId: 9n } });

    const { admin, calls } = scriptedAdmin({ [`gid://shopify/Collection/${id}`]: [1, 2, 3, 4, 5] });
    const changed: bigint[][] = [];
    const result = await syncCollectionMemberships(
      {
        db,
        adminForShop: async (domain) => (expect(domain).toBe(shop), admin),
        onProductsChanged: async (_shop, products) => void changed.push(products),
      },
      shopId,
    );
    expect(result).toEqual({ collections: 1, products: 0, productsChanged: 4 });
    expect(calls.map((c) => c.after)).toEqual([null, "2", "4"]);
    expect(await members(id)).toEqual([1, 2, 3, 4, 5]);
    expect(changed.map((p) => p.map(Number).sort((a, b) => a - b))).toEqual([[3, 4, 5, 9]]);
    expect((await stored(id))!.membershipsDue).toBe(false);
    expect(await members(id, otherShopId)).toEqual([9]);

    // Nothing marked: no call at all.
    const again = scriptedAdmin({});
    await syncCollectionMemberships({ db, adminForShop: async () => again.admin }, shopId);
    expect(again.calls).toEqual([]);
  });

  it("empties the memberships of a collection Shopify no longer has", async () => {
    const id = 706;
    await db.collection.create({ data: { shopId, shopifyId: BigInt(id), title: "Gone", membershipsDue: true } });
    await db.productCollection.create({ data: { shopId, collectionId: BigInt(id), productId: 7n } });
    const { admin } = scriptedAdmin({ [`gid://shopify/Collection/${id}`]: null });
    await syncCollectionMemberships({ db, adminForShop: async () => admin }, shopId);
    expect(await members(id)).toEqual([]);
  });

  it("marks the collection again when the re-read fails, so the job's retry reads it", async () => {
    const id = 707;
    await db.collection.create({ data: { shopId, shopifyId: BigInt(id), title: "Flaky", membershipsDue: true } });
    await db.productCollection.create({ data: { shopId, collectionId: BigInt(id), productId: 8n } });
    const failing = {
      request: async () => {
        throw new Error("Admin API unavailable");
      },
    } as unknown as AdminClient;
    await expect(syncCollectionMemberships({ db, adminForShop: async () => failing }, shopId)).rejects.toThrow(
      "Admin API unavailable",
    );
    expect((await stored(id))!.membershipsDue).toBe(true);
    expect(await members(id)).toEqual([8]);
  });

  it("re-reads the collections of products marked by products/update, 50 a query, with a query valid against Shopify's schema", async () => {
    expect(validate(loadAdminSchema(API_VERSION), parse(productCollectionsQuery(3))).map((e) => e.message)).toEqual([]);
    await db.collection.updateMany({ where: { shopId }, data: { membershipsDue: false } });
    await db.product.createMany({
      data: [801, 802, 803].map((id) => ({ shopId, shopifyId: BigInt(id), title: `P${id}`, collectionsDue: true })),
    });
    // 801 leaves 710 for 711; 802 unchanged in 710; 803 gone in Shopify (left as stored).
    await db.productCollection.createMany({
      data: [
        [710, 801],
        [710, 802],
        [712, 803],
      ].map(([c, p]) => ({ shopId, collectionId: BigInt(c), productId: BigInt(p) })),
    });
    const queries: string[] = [];
    const admin = {
      async request(query: string, variables: Record<string, string>) {
        queries.push(query);
        const answer: Record<string, unknown> = {};
        const lists: Record<string, number[] | null> = { "801": [711], "802": [710], "803": null };
        for (const [key, gid] of Object.entries(variables)) {
          const id = gid.split("/").pop()!;
          const list = lists[id];
          answer[key.replace("id", "p")] =
            list === null
              ? null
              : {
                  id: gid,
                  collections: {
                    pageInfo: { hasNextPage: false },
                    nodes: list.map((c) => ({ id: `gid://shopify/Collection/${c}` })),
                  },
                };
        }
        return answer;
      },
    } as unknown as AdminClient;
    const changed: bigint[][] = [];
    const result = await syncCollectionMemberships(
      { db, adminForShop: async () => admin, onProductsChanged: async (_s, p) => void changed.push(p) },
      shopId,
    );
    expect(result).toEqual({ collections: 0, products: 3, productsChanged: 1 });
    expect(queries).toHaveLength(1);
    expect(changed.map((p) => p.map(Number))).toEqual([[801]]);
    expect(await members(710)).toEqual([802]);
    expect(await members(711)).toEqual([801]);
    expect(await members(712)).toEqual([803]);
    expect(await db.product.count({ where: { shopId, collectionsDue: true } })).toBe(0);
  });
});
