import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "./server";
import { adminGraphQL, first, TEST_APP } from "./test-helpers";

const SHOP = "graphql-test.myshopify.com";
const OTHER = "other-graphql-test.myshopify.com";
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ ...TEST_APP, appUrl: "http://127.0.0.1:9", subscriptions: {} });
  emu.addShop(SHOP, { customers: 300, seed: "graphql" });
  emu.addShop(OTHER, { customers: 20, seed: "other" });
});
afterAll(() => emu.close());

describe("Admin GraphQL endpoint", () => {
  it("rejects a misspelled field or argument the way Shopify does, validated against the real schema", async () => {
    const field = await adminGraphQL(emu, SHOP, `{ customers(first: 1) { nodes { id emial } } }`);
    expect(field.data).toBeUndefined();
    expect(field.errors?.[0]).toMatchObject({
      message: "Field 'emial' doesn't exist on type 'Customer'",
      extensions: { code: "undefinedField" },
    });

    const argument = await adminGraphQL(emu, SHOP, `{ customers(frist: 1) { nodes { id } } }`);
    expect(argument.errors?.[0]).toMatchObject({
      message: "Field 'customers' doesn't accept argument 'frist'",
      extensions: { code: "argumentNotAccepted" },
    });

    const valid = await adminGraphQL(
      emu,
      SHOP,
      `{ shop { name myshopifyDomain currencyCode ianaTimezone plan { publicDisplayName shopifyPlus } } }`,
    );
    expect(valid.errors).toBeUndefined();
    expect(valid.data).toMatchObject({ shop: { myshopifyDomain: SHOP, currencyCode: "USD" } });
  });

  it("answers 401 to a token of another shop and never serves another shop's rows", async () => {
    const foreign = await adminGraphQL(emu, SHOP, `{ shop { id } }`, {}, emu.accessToken(OTHER));
    expect(foreign.status).toBe(401);

    const otherCustomer = first(emu.shop(OTHER).customers()).record;
    const lookup = await adminGraphQL<{ customer: null }>(emu, SHOP, `query($id: ID!) { customer(id: $id) { id } }`, {
      id: `gid://shopify/Customer/${otherCustomer.id}`,
    });
    expect(lookup.data?.customer).toBeNull();
  });

  it("pages through customers with cursors and filters on updated_at", async () => {
    const store = emu.shop(SHOP);
    const since = Date.parse("2026-06-01T00:00:00Z");
    const expected = [...store.customers()]
      .filter((c) => c.record.updatedAt > since)
      .map((c) => `gid://shopify/Customer/${c.record.id}`);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Awaited<
        ReturnType<
          typeof adminGraphQL<{
            customers: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
          }>
        >
      > = await adminGraphQL(
        emu,
        SHOP,
        `query($after: String) { customers(first: 40, after: $after, query: "updated_at:>'2026-06-01T00:00:00Z'") { nodes { id } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      seen.push(...page.data!.customers.nodes.map((n) => n.id));
      if (!page.data!.customers.pageInfo.hasNextPage) break;
      after = page.data!.customers.pageInfo.endCursor;
    }
    expect(expected.length).toBeGreaterThan(40);
    expect(seen).toEqual(expected);
  });

  it("charges the cost bucket, answers THROTTLED when empty, then recovers at the restore rate", async () => {
    emu.setThrottle(SHOP, { maximumAvailable: 100, restoreRate: 50 });
    emu.throttle(SHOP).set(100);
    const query = `{ customers(first: 40) { nodes { id } } }`; // 2 + 40 × 1 = 42 points

    const first = await adminGraphQL(emu, SHOP, query);
    expect(first.errors).toBeUndefined();
    expect(first.extensions?.cost).toMatchObject({
      requestedQueryCost: 42,
      throttleStatus: { maximumAvailable: 100, restoreRate: 50 },
    });
    await adminGraphQL(emu, SHOP, query);
    const throttled = await adminGraphQL(emu, SHOP, query);
    expect(throttled.status).toBe(200);
    expect(throttled.errors).toEqual([
      expect.objectContaining({ message: "Throttled", extensions: expect.objectContaining({ code: "THROTTLED" }) }),
    ]);
    expect(throttled.extensions?.cost.throttleStatus.currentlyAvailable).toBeLessThan(42);
    expect(emu.stats(SHOP).throttled).toBeGreaterThanOrEqual(1);

    // 50 points/s refill: the missing points come back within ~0.6 s.
    await new Promise((resolve) => setTimeout(resolve, 700));
    const recovered = await adminGraphQL(emu, SHOP, query);
    expect(recovered.errors).toBeUndefined();

    const tooExpensive = await adminGraphQL(
      emu,
      SHOP,
      `{ customers(first: 250) { nodes { id orders(first: 250) { nodes { id } } } } }`,
    );
    expect(tooExpensive.errors?.[0].extensions).toMatchObject({ code: "MAX_COST_EXCEEDED", maxCost: 1000 });
    emu.setThrottle(SHOP, { maximumAvailable: 2000, restoreRate: 100 });
    emu.throttle(SHOP).set(2000);

    // Requested cost is charged up front; what was not returned is refunded (actual cost).
    const sparse = await adminGraphQL(emu, SHOP, `{ customers(first: 250, query: "id:1") { nodes { id } } }`);
    expect(sparse.extensions?.cost).toMatchObject({ requestedQueryCost: 252, actualQueryCost: 2 });
    expect(sparse.extensions?.cost.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(1998);
  });

  it("adds and removes tags case-insensitively and enforces Shopify's tag limits", async () => {
    const customer = [...emu.shop(SHOP).customers()].find((c) => !c.record.tags.includes("VIP"))!.record;
    const id = `gid://shopify/Customer/${customer.id}`;
    const add = `mutation($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { node { ... on Customer { tags } } userErrors { field message } } }`;
    const remove = `mutation($id: ID!, $tags: [String!]!) { tagsRemove(id: $id, tags: $tags) { node { ... on Customer { tags } } userErrors { field message } } }`;

    await adminGraphQL(emu, SHOP, add, { id, tags: ["seg:champions", "VIP"] });
    const again = await adminGraphQL<{ tagsAdd: { node: { tags: string[] } } }>(emu, SHOP, add, {
      id,
      tags: ["SEG:Champions", "vip"],
    });
    expect(again.data!.tagsAdd.node.tags.filter((t) => t.toLowerCase() === "seg:champions")).toHaveLength(1);
    expect(emu.shop(SHOP).customer(customer.id)!.record.tags).toEqual(expect.arrayContaining(["seg:champions", "VIP"]));

    const tooLong = await adminGraphQL<{ tagsAdd: { userErrors: { field: string[] }[] } }>(emu, SHOP, add, {
      id,
      tags: ["x".repeat(256)],
    });
    expect(tooLong.data!.tagsAdd.userErrors[0].field).toEqual(["tags"]);
    const tooMany = await adminGraphQL<{ tagsAdd: { userErrors: unknown[] } }>(emu, SHOP, add, {
      id,
      tags: Array.from({ length: 250 }, (_, i) => `t${i}`),
    });
    expect(tooMany.data!.tagsAdd.userErrors).toHaveLength(1);

    const removed = await adminGraphQL<{ tagsRemove: { node: { tags: string[] } } }>(emu, SHOP, remove, {
      id,
      tags: ["Seg:Champions"],
    });
    expect(removed.data!.tagsRemove.node.tags).not.toContain("seg:champions");
  });

  it("creates, updates, lists and deletes segments with Shopify's query syntax rules", async () => {
    const create = `mutation($name: String!, $query: String!) { segmentCreate(name: $name, query: $query) { segment { id name query } userErrors { field message } } }`;
    const ok = await adminGraphQL<{ segmentCreate: { segment: { id: string } } }>(emu, SHOP, create, {
      name: "Champions",
      query: "customer_tags CONTAINS 'seg:champions'",
    });
    expect(ok.data!.segmentCreate.segment.id).toMatch(/^gid:\/\/shopify\/Segment\/\d+$/);

    const equals = await adminGraphQL<{ segmentCreate: { userErrors: { field: string[]; message: string }[] } }>(
      emu,
      SHOP,
      create,
      { name: "Bad", query: "customer_tags = 'seg:champions'" },
    );
    expect(equals.data!.segmentCreate.userErrors[0]).toMatchObject({
      field: ["query"],
      message: expect.stringContaining("'='"),
    });
    const duplicate = await adminGraphQL<{ segmentCreate: { userErrors: { field: string[] }[] } }>(emu, SHOP, create, {
      name: "champions",
      query: "customer_tags CONTAINS 'x'",
    });
    expect(duplicate.data!.segmentCreate.userErrors[0].field).toEqual(["name"]);
    const compound = await adminGraphQL<{ segmentCreate: { userErrors: unknown[] } }>(emu, SHOP, create, {
      name: "Loyal not lost",
      query: "customer_tags CONTAINS 'seg:loyal' AND NOT customer_tags CONTAINS 'seg:lost' OR (number_of_orders >= 3)",
    });
    expect(compound.data!.segmentCreate.userErrors).toEqual([]);

    const id = ok.data!.segmentCreate.segment.id;
    const updated = await adminGraphQL<{ segmentUpdate: { segment: { query: string } } }>(
      emu,
      SHOP,
      `mutation($id: ID!) { segmentUpdate(id: $id, query: "customer_tags CONTAINS 'seg:champ'") { segment { query } userErrors { message } } }`,
      { id },
    );
    expect(updated.data!.segmentUpdate.segment.query).toBe("customer_tags CONTAINS 'seg:champ'");
    const list = await adminGraphQL<{ segments: { nodes: { name: string }[] } }>(
      emu,
      SHOP,
      `{ segments(first: 10) { nodes { name } } }`,
    );
    expect(list.data!.segments.nodes.map((s) => s.name)).toEqual(["Champions", "Loyal not lost"]);
    const deleted = await adminGraphQL<{ segmentDelete: { deletedSegmentId: string } }>(
      emu,
      SHOP,
      `mutation($id: ID!) { segmentDelete(id: $id) { deletedSegmentId userErrors { message } } }`,
      { id },
    );
    expect(deleted.data!.segmentDelete.deletedSegmentId).toBe(id);
  });

  it("sets app-owned metafields ($app namespace) and reads them back on the customer", async () => {
    const customer = first(emu.shop(SHOP).customers()).record;
    const ownerId = `gid://shopify/Customer/${customer.id}`;
    const set = `mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { metafields { namespace key value } userErrors { field message code } } }`;
    const written = await adminGraphQL<{ metafieldsSet: { metafields: { namespace: string }[] } }>(emu, SHOP, set, {
      m: [
        { ownerId, key: "segment", type: "single_line_text_field", value: "champions" },
        { ownerId, namespace: "$app", key: "clv", type: "number_decimal", value: "412.50" },
      ],
    });
    expect(written.data!.metafieldsSet.metafields.map((m) => m.namespace)).toEqual([
      emu.appNamespace,
      emu.appNamespace,
    ]);

    const read = await adminGraphQL<{
      customer: { metafield: { value: string }; metafields: { nodes: { key: string }[] } };
    }>(
      emu,
      SHOP,
      `query($id: ID!) { customer(id: $id) { metafield(namespace: "$app", key: "segment") { value } metafields(first: 10) { nodes { key } } } }`,
      { id: ownerId },
    );
    expect(read.data!.customer.metafield.value).toBe("champions");
    expect(read.data!.customer.metafields.nodes.map((n) => n.key).sort()).toEqual(["clv", "segment"]);

    const tooMany = await adminGraphQL<{ metafieldsSet: { userErrors: { code: string }[] } }>(emu, SHOP, set, {
      m: Array.from({ length: 26 }, (_, i) => ({ ownerId, key: `k${i}`, type: "single_line_text_field", value: "v" })),
    });
    expect(tooMany.data!.metafieldsSet.userErrors[0].code).toBe("LESS_THAN_OR_EQUAL_TO");
    const badValue = await adminGraphQL<{ metafieldsSet: { userErrors: unknown[] } }>(emu, SHOP, set, {
      m: [{ ownerId, key: "n", type: "number_integer", value: "1.5" }],
    });
    expect(badValue.data!.metafieldsSet.userErrors).toHaveLength(1);
  });

  it("keeps app-data metafields on the app's own installation, and refuses another installation", async () => {
    const installation = await adminGraphQL<{ currentAppInstallation: { id: string } }>(
      emu,
      SHOP,
      `{ currentAppInstallation { id } }`,
    );
    const ownerId = installation.data!.currentAppInstallation.id;
    expect(ownerId).toMatch(/^gid:\/\/shopify\/AppInstallation\/\d+$/);
    const set = `mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { metafields { key } userErrors { message } } }`;
    const written = await adminGraphQL<{ metafieldsSet: { userErrors: unknown[] } }>(emu, SHOP, set, {
      m: [{ ownerId, namespace: "segments", key: "storefront_key", type: "single_line_text_field", value: "s3cret" }],
    });
    expect(written.data!.metafieldsSet.userErrors).toEqual([]);
    const read = await adminGraphQL<{ currentAppInstallation: { metafield: { value: string; ownerType: string } } }>(
      emu,
      SHOP,
      `{ currentAppInstallation { metafield(namespace: "segments", key: "storefront_key") { value ownerType } } }`,
    );
    expect(read.data!.currentAppInstallation.metafield).toEqual({ value: "s3cret", ownerType: "API_PERMISSION" });
    expect(emu.shop(SHOP).appInstallationMetafields().get("segments.storefront_key")?.value).toBe("s3cret");

    const other = await adminGraphQL<{ metafieldsSet: { userErrors: { message: string }[] } }>(emu, SHOP, set, {
      m: [
        {
          ownerId: "gid://shopify/AppInstallation/1",
          namespace: "segments",
          key: "storefront_key",
          type: "single_line_text_field",
          value: "x",
        },
      ],
    });
    expect(other.data!.metafieldsSet.userErrors[0].message).toBe("Owner does not exist");
  });

  it("serves products as they are now: paged and filtered, on orders' line items, retyped and deleted", async () => {
    const store = emu.shop(SHOP);
    const list = `query($q: String, $after: String) { products(first: 20, query: $q, after: $after) {
      nodes { id title productType vendor updatedAt } pageInfo { hasNextPage endCursor } } }`;
    type Page = {
      products: { nodes: { id: string; productType: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    };
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Page = (await adminGraphQL<Page>(emu, SHOP, list, { after })).data!;
      ids.push(...page.products.nodes.map((n) => n.id));
      if (!page.products.pageInfo.hasNextPage) break;
      after = page.products.pageInfo.endCursor;
    }
    expect(ids.sort()).toEqual(
      store
        .products()
        .map((p) => `gid://shopify/Product/${p.id}`)
        .sort(),
    );

    const product = store.products()[2];
    const order = store.createOrder({
      customerId: first(store.customers()).record.id,
      lineItems: [{ productId: product.id }],
    });
    const item = `query($id: ID!) { order(id: $id) { lineItems(first: 1) { nodes { title product { id productType } } } } }`;
    type Item = {
      order: { lineItems: { nodes: { title: string; product: { id: string; productType: string } | null }[] } };
    };
    const lineItem = async () =>
      (await adminGraphQL<Item>(emu, SHOP, item, { id: `gid://shopify/Order/${order.id}` })).data!.order.lineItems
        .nodes[0];

    store.updateProduct(product.id, { productType: "Retyped" });
    expect((await lineItem()).product?.productType).toBe("Retyped");
    const since = new Date(store.product(product.id)!.updatedAt).toISOString();
    const changed = await adminGraphQL<Page>(emu, SHOP, list, { q: `updated_at:>='${since}'` });
    expect(changed.data!.products.nodes.map((n) => [n.id, n.productType])).toEqual([
      [`gid://shopify/Product/${product.id}`, "Retyped"],
    ]);

    store.deleteProduct(product.id);
    expect(await lineItem()).toEqual({ title: product.title, product: null });
    const gone = await adminGraphQL<{ product: null }>(emu, SHOP, `query($id: ID!) { product(id: $id) { id } }`, {
      id: `gid://shopify/Product/${product.id}`,
    });
    expect(gone.data!.product).toBeNull();
  });
});
