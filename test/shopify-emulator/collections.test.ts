import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "./server";
import { signWebhook } from "./webhooks";
import { adminGraphQL, startWebhookReceiver, TEST_APP } from "./test-helpers";

// Collections in the emulator: the generated shop's collections (overlapping, from its catalog),
// `collections` / `collection(id) { products }` with paging, the nested bulk export (products as
// their own `__parentId` lines) and collections/* webhooks in Shopify's REST shape, signed.

const SHOP = "collections-test.myshopify.com";
let emu: Emulator;
let app: Awaited<ReturnType<typeof startWebhookReceiver>>;

const RUN_QUERY = `mutation($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: false) { bulkOperation { id status } userErrors { field message code } } }`;
const POLL = `query($id: ID!) { bulkOperation(id: $id) { id status objectCount rootObjectCount url } }`;

beforeAll(async () => {
  app = await startWebhookReceiver();
  emu = await startEmulator({
    ...TEST_APP,
    appUrl: app.url,
    subscriptions: Object.fromEntries(
      ["collections/create", "collections/update", "collections/delete"].map((t) => [t, `/webhooks/${t}`]),
    ),
  });
  emu.addShop(SHOP, { customers: 50, seed: "collections", timezone: "Europe/Berlin" });
});
afterAll(async () => {
  await emu.close();
  await app.close();
});

describe("collections", () => {
  it("generates overlapping collections from the catalog and pages a collection's products", async () => {
    const store = emu.shop(SHOP);
    const collections = store.collections();
    expect(collections.map((c) => c.title)).toEqual(["Bestsellers", "Gift ideas", "Staff picks"]);
    const [bestsellers, gifts] = collections;
    expect(bestsellers.productIds.length).toBe(16);
    expect(bestsellers.productIds.some((id) => gifts.productIds.includes(id))).toBe(true);

    const listed = await adminGraphQL<{ collections: { nodes: { id: string; title: string; handle: string }[] } }>(
      emu,
      SHOP,
      `{ collections(first: 10) { nodes { id title handle updatedAt } } }`,
    );
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.collections.nodes.map((c) => c.handle)).toEqual(["bestsellers", "gift-ideas", "staff-picks"]);

    const page = `query($id: ID!, $after: String) { collection(id: $id) { id products(first: 5, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } } } }`;
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const result: {
        data?: {
          collection: { products: { pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: { id: string }[] } };
        };
      } = await adminGraphQL(emu, SHOP, page, { id: `gid://shopify/Collection/${bestsellers.id}`, after });
      const products = result.data!.collection.products;
      ids.push(...products.nodes.map((n) => n.id));
      if (!products.pageInfo.hasNextPage) break;
      after = products.pageInfo.endCursor;
    }
    expect(ids).toEqual(bestsellers.productIds.map((id) => `gid://shopify/Product/${id}`));

    const missing = await adminGraphQL<{ collection: null }>(
      emu,
      SHOP,
      `{ collection(id: "gid://shopify/Collection/1") { id } }`,
    );
    expect(missing.data!.collection).toBeNull();
  });

  it("exports collections with their products in bulk, products as __parentId lines", async () => {
    const store = emu.shop(SHOP);
    const started = await adminGraphQL<{
      bulkOperationRunQuery: { bulkOperation: { id: string }; userErrors: unknown[] };
    }>(emu, SHOP, RUN_QUERY, {
      q: `{ collections { edges { node { id title handle updatedAt products { edges { node { id } } } } } } }`,
    });
    expect(started.data!.bulkOperationRunQuery.userErrors).toEqual([]);
    const id = started.data!.bulkOperationRunQuery.bulkOperation.id;
    let status: { status: string; url: string | null; rootObjectCount: string };
    do status = (await adminGraphQL<{ bulkOperation: typeof status }>(emu, SHOP, POLL, { id })).data!.bulkOperation;
    while (status.status !== "COMPLETED");
    const rows = (await (await fetch(status.url!)).text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { id: string; title?: string; __parentId?: string });
    const roots = rows.filter((r) => !r.__parentId);
    expect(roots.map((r) => r.title)).toEqual(store.collections().map((c) => c.title));
    expect(Number(status.rootObjectCount)).toBe(roots.length);
    for (const collection of store.collections()) {
      const children = rows
        .filter((r) => r.__parentId === `gid://shopify/Collection/${collection.id}`)
        .map((r) => r.id);
      expect(children).toEqual(collection.productIds.map((p) => `gid://shopify/Product/${p}`));
    }
  });

  it("announces collections/create, update and delete in Shopify's shape, signed, without products", async () => {
    const store = emu.shop(SHOP);
    const [a, b] = store.products();
    const created = store.createCollection({ title: "Summer Sale", productIds: [a.id] });
    store.updateCollection(created.id, { productIds: [a.id, b.id] });
    store.deleteProduct(b.id);
    expect(store.collection(created.id)!.productIds).toEqual([a.id]);
    store.deleteCollection(created.id);
    expect(store.collection(created.id)).toBeNull();
    await emu.idle();

    const got = app.received.filter((r) => r.path.startsWith("/webhooks/collections/"));
    expect(got.map((r) => r.path)).toEqual([
      "/webhooks/collections/create",
      "/webhooks/collections/update",
      "/webhooks/collections/delete",
    ]);
    for (const request of got) {
      expect(request.headers["x-shopify-hmac-sha256"]).toBe(signWebhook(request.body, TEST_APP.apiSecret));
      expect(request.headers["x-shopify-topic"]).toBe(request.path.replace("/webhooks/", ""));
    }
    const createdBody = JSON.parse(got[0].body) as Record<string, unknown>;
    expect(createdBody).toMatchObject({
      id: created.id,
      title: "Summer Sale",
      handle: "summer-sale",
      admin_graphql_api_id: `gid://shopify/Collection/${created.id}`,
    });
    expect(createdBody.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    expect(createdBody).not.toHaveProperty("products");
    expect(JSON.parse(got[2].body)).toEqual({
      id: created.id,
      published_scope: "web",
      admin_graphql_api_id: `gid://shopify/Collection/${created.id}`,
    });
  });
});
