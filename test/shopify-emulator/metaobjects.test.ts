import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "./server";
import type { ShopStore } from "./store";
import { adminGraphQL, first, TEST_APP } from "./test-helpers";

const SHOP = "metaobjects-test.myshopify.com";

// The app's recommendations definition plus an optional field, to see partial updates keep it.
const TOML = `
[metaobjects.app.picks]
name = "Picks"
display_name_field = "title"

[metaobjects.app.picks.fields.title]
name = "Title"
type = "single_line_text_field"
required = true

[metaobjects.app.picks.fields.products]
name = "Products"
type = "list.product_reference"
required = true

[metaobjects.app.picks.fields.note]
name = "Note"
type = "single_line_text_field"
`;

const UPSERT = `mutation MetaobjectUpsert($handle: MetaobjectHandleInput!, $metaobject: MetaobjectUpsertInput!) {
  metaobjectUpsert(handle: $handle, metaobject: $metaobject) {
    metaobject { id handle type displayName fields { key value } }
    userErrors { field message code elementKey }
  }
}`;
const DELETE = `mutation MetaobjectDelete($id: ID!) { metaobjectDelete(id: $id) { deletedId userErrors { field message code } } }`;

interface Upserted {
  metaobjectUpsert: {
    metaobject: {
      id: string;
      handle: string;
      type: string;
      displayName: string;
      fields: { key: string; value: string | null }[];
    } | null;
    userErrors: { field: string[]; message: string; code: string; elementKey: string | null }[];
  };
}

let emu: Emulator;
let store: ShopStore;
let type: string;
let products: string[];

const upsert = (handle: string, fields: { key: string; value: string }[], handleType = "$app:picks") =>
  adminGraphQL<Upserted>(emu, SHOP, UPSERT, { handle: { type: handleType, handle }, metaobject: { fields } });

beforeAll(async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "metaobjects-toml-")), "shopify.app.toml");
  writeFileSync(file, TOML);
  emu = await startEmulator({ ...TEST_APP, appUrl: "http://127.0.0.1:9", appToml: file, subscriptions: {} });
  store = emu.addShop(SHOP, { customers: 20, seed: "metaobjects" });
  type = `${emu.appNamespace}--picks`;
  products = store.generator.products.slice(0, 3).map((p) => `gid://shopify/Product/${p.id}`);
});
afterAll(() => emu.close());

describe("metaobjectUpsert", () => {
  it("creates an app-owned metaobject ($app: type) from the toml's definition, costing 10", async () => {
    const result = await upsert("champions", [
      { key: "title", value: "Champions" },
      { key: "products", value: JSON.stringify(products.slice(0, 2)) },
    ]);
    expect(result.data!.metaobjectUpsert.userErrors).toEqual([]);
    const created = result.data!.metaobjectUpsert.metaobject!;
    expect(created).toMatchObject({ handle: "champions", type, displayName: "Champions" });
    expect(created.id).toMatch(/^gid:\/\/shopify\/Metaobject\/\d+$/);
    // Every field of the definition, in its order; the unset one has no value.
    expect(created.fields).toEqual([
      { key: "title", value: "Champions" },
      { key: "products", value: JSON.stringify(products.slice(0, 2)) },
      { key: "note", value: null },
    ]);
    expect(result.extensions!.cost).toMatchObject({ requestedQueryCost: 10, actualQueryCost: 10 });

    const record = store.metaobjectByHandle(type, "champions")!;
    expect(`gid://shopify/Metaobject/${record.id}`).toBe(created.id);
    expect(record.fields).toEqual({ title: "Champions", products: JSON.stringify(products.slice(0, 2)) });
  });

  it("upserts by (type, handle): the same id, only the named fields change, repeating it changes nothing", async () => {
    const before = store.metaobjectByHandle(type, "champions")!;
    const id = `gid://shopify/Metaobject/${before.id}`;
    await upsert("champions", [{ key: "note", value: "kept" }]);
    const updated = await upsert("champions", [{ key: "products", value: JSON.stringify(products) }]);
    const again = await upsert("champions", [{ key: "products", value: JSON.stringify(products) }]);

    expect(updated.data!.metaobjectUpsert.metaobject!.id).toBe(id);
    expect(again.data!.metaobjectUpsert.metaobject).toEqual(updated.data!.metaobjectUpsert.metaobject);
    expect(store.metaobjectsOfType(type)).toHaveLength(1);
    expect(store.metaobjectByHandle(type, "champions")!.fields).toEqual({
      title: "Champions",
      products: JSON.stringify(products),
      note: "kept",
    });

    // An empty value clears an optional field; a required one cannot be cleared.
    await upsert("champions", [{ key: "note", value: "" }]);
    expect(store.metaobjectByHandle(type, "champions")!.fields.note).toBeUndefined();
    const cleared = await upsert("champions", [{ key: "title", value: "" }]);
    expect(cleared.data!.metaobjectUpsert.userErrors).toEqual([
      {
        field: ["metaobject", "fields"],
        message: "Title can't be blank",
        code: "OBJECT_FIELD_REQUIRED",
        elementKey: "title",
      },
    ]);
    expect(store.metaobjectByHandle(type, "champions")!.fields.title).toBe("Champions");
  });

  it("rejects unknown types and keys, wrong references and missing required fields, writing nothing", async () => {
    const count = store.metaobjects.size;
    const valid = { key: "title", value: "x" };
    const errorsOf = (r: Upserted) => r.metaobjectUpsert.userErrors;

    const unknownType = await upsert("a", [valid], "$app:nope");
    expect(unknownType.data!.metaobjectUpsert.metaobject).toBeNull();
    expect(errorsOf(unknownType.data!)).toEqual([
      {
        field: ["handle", "type"],
        message: 'No metaobject definition exists for type "$app:nope"',
        code: "UNDEFINED_OBJECT_TYPE",
        elementKey: null,
      },
    ]);

    const unknownKey = await upsert("a", [
      valid,
      { key: "products", value: JSON.stringify(products) },
      { key: "colour", value: "red" },
    ]);
    expect(errorsOf(unknownKey.data!)).toEqual([
      {
        field: ["metaobject", "fields", "2"],
        message: 'No field definition found for key "colour"',
        code: "UNDEFINED_OBJECT_FIELD",
        elementKey: "colour",
      },
    ]);

    const missingProduct = await upsert("a", [
      valid,
      { key: "products", value: JSON.stringify([products[0], "gid://shopify/Product/1"]) },
    ]);
    expect(errorsOf(missingProduct.data!)).toEqual([
      {
        field: ["metaobject", "fields", "1"],
        message: "Value references non-existent resource gid://shopify/Product/1.",
        code: "INVALID_VALUE",
        elementKey: "products",
      },
    ]);
    const notAProduct = await upsert("a", [
      valid,
      { key: "products", value: JSON.stringify(["gid://shopify/Customer/1"]) },
    ]);
    expect(errorsOf(notAProduct.data!)[0]).toMatchObject({
      code: "INVALID_VALUE",
      message: "Value require that you select a product.",
    });
    const notAList = await upsert("a", [valid, { key: "products", value: products[0] }]);
    expect(errorsOf(notAList.data!)[0]).toMatchObject({
      code: "INVALID_VALUE",
      message: "Value is invalid for type list.product_reference",
    });
    const twoLines = await upsert("a", [
      { key: "title", value: "two\nlines" },
      { key: "products", value: JSON.stringify(products) },
    ]);
    expect(errorsOf(twoLines.data!)[0]).toMatchObject({ code: "INVALID_VALUE", elementKey: "title" });

    const missingRequired = await upsert("a", [valid]);
    expect(errorsOf(missingRequired.data!)).toEqual([
      {
        field: ["metaobject", "fields"],
        message: "Products can't be blank",
        code: "OBJECT_FIELD_REQUIRED",
        elementKey: "products",
      },
    ]);
    const blankHandle = await upsert(" ", [valid, { key: "products", value: JSON.stringify(products) }]);
    expect(errorsOf(blankHandle.data!)[0]).toMatchObject({ field: ["handle", "handle"], code: "BLANK" });

    expect(store.metaobjects.size).toBe(count);
    expect(store.metaobjectByHandle(type, "a")).toBeNull();
  });

  it("is validated against the real schema: metaobject fields are { key value } objects", async () => {
    const wrong = await adminGraphQL(
      emu,
      SHOP,
      `mutation { metaobjectUpsert(handle: { type: "$app:picks", handle: "x" }, metaobject: { fields: [{ name: "title", value: "x" }] }) { metaobject { id } } }`,
    );
    expect(wrong.data).toBeUndefined();
    expect(wrong.errors?.length).toBeGreaterThan(0);
  });
});

describe("metaobject reads", () => {
  it("reads by id, by handle with $app:, and pages through metaobjects(type) with product references", async () => {
    for (const handle of ["b-loyal", "c-new"])
      await upsert(handle, [
        { key: "title", value: handle },
        { key: "products", value: JSON.stringify([products[2]]) },
      ]);
    const champions = store.metaobjectByHandle(type, "champions")!;
    const id = `gid://shopify/Metaobject/${champions.id}`;

    const byId = await adminGraphQL<{
      metaobject: {
        handle: string;
        definition: { type: string; fieldDefinitions: { key: string; required: boolean; type: { name: string } }[] };
      };
    }>(
      emu,
      SHOP,
      `query($id: ID!) { metaobject(id: $id) { handle definition { type fieldDefinitions { key required type { name } } } } }`,
      { id },
    );
    expect(byId.data!.metaobject.handle).toBe("champions");
    expect(byId.data!.metaobject.definition).toEqual({
      type,
      fieldDefinitions: [
        { key: "title", required: true, type: { name: "single_line_text_field" } },
        { key: "products", required: true, type: { name: "list.product_reference" } },
        { key: "note", required: false, type: { name: "single_line_text_field" } },
      ],
    });

    const byHandle = await adminGraphQL<{
      metaobjectByHandle: {
        id: string;
        field: { jsonValue: string[]; references: { nodes: { id: string; title: string }[] } };
      };
    }>(
      emu,
      SHOP,
      `{ metaobjectByHandle(handle: { type: "$app:picks", handle: "champions" }) { id field(key: "products") { jsonValue references(first: 10) { nodes { ... on Product { id title } } } } } }`,
    );
    const found = byHandle.data!.metaobjectByHandle;
    expect(found.id).toBe(id);
    expect(found.field.jsonValue).toEqual(products);
    expect(found.field.references.nodes.map((n) => n.id)).toEqual(products);
    expect(found.field.references.nodes[0].title).toBe(store.generator.products[0].title);

    const handles: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Awaited<
        ReturnType<
          typeof adminGraphQL<{
            metaobjects: { nodes: { handle: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
          }>
        >
      > = await adminGraphQL(
        emu,
        SHOP,
        `query($after: String) { metaobjects(type: "$app:picks", first: 2, after: $after) { nodes { handle } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      handles.push(...page.data!.metaobjects.nodes.map((n) => n.handle));
      if (!page.data!.metaobjects.pageInfo.hasNextPage) break;
      after = page.data!.metaobjects.pageInfo.endCursor;
    }
    expect(handles).toEqual(["champions", "b-loyal", "c-new"]);

    const missing = await adminGraphQL<{ metaobjectByHandle: null }>(
      emu,
      SHOP,
      `{ metaobjectByHandle(handle: { type: "$app:picks", handle: "nope" }) { id } }`,
    );
    expect(missing.data!.metaobjectByHandle).toBeNull();
  });
});

describe("metaobjectDelete", () => {
  it("deletes by id; a second delete is RECORD_NOT_FOUND and reads return null", async () => {
    const record = store.metaobjectByHandle(type, "c-new")!;
    const id = `gid://shopify/Metaobject/${record.id}`;
    const deleted = await adminGraphQL<{ metaobjectDelete: { deletedId: string | null; userErrors: unknown[] } }>(
      emu,
      SHOP,
      DELETE,
      { id },
    );
    expect(deleted.data!.metaobjectDelete).toEqual({ deletedId: id, userErrors: [] });
    expect(deleted.extensions!.cost.requestedQueryCost).toBe(10);
    expect(store.metaobjects.has(record.id)).toBe(false);

    const again = await adminGraphQL<{ metaobjectDelete: { deletedId: string | null; userErrors: unknown[] } }>(
      emu,
      SHOP,
      DELETE,
      { id },
    );
    expect(again.data!.metaobjectDelete).toEqual({
      deletedId: null,
      userErrors: [{ field: ["id"], message: "Record not found", code: "RECORD_NOT_FOUND" }],
    });
    const read = await adminGraphQL<{ metaobject: null }>(emu, SHOP, `query($id: ID!) { metaobject(id: $id) { id } }`, {
      id,
    });
    expect(read.data!.metaobject).toBeNull();

    // Upserting the handle again creates a new object with a new id.
    const recreated = await upsert("c-new", [
      { key: "title", value: "again" },
      { key: "products", value: JSON.stringify(products) },
    ]);
    expect(recreated.data!.metaobjectUpsert.metaobject!.id).not.toBe(id);
  });
});

describe("metafieldsDelete", () => {
  it("deletes customer metafields by owner, namespace and key; missing ones come back as null", async () => {
    const customer = first(store.customers()).record;
    const ownerId = `gid://shopify/Customer/${customer.id}`;
    await adminGraphQL(
      emu,
      SHOP,
      `mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { userErrors { message } } }`,
      {
        m: [
          { ownerId, namespace: "$app", key: "rfm", type: "single_line_text_field", value: "545" },
          { ownerId, namespace: "$app", key: "lifecycle", type: "single_line_text_field", value: "active" },
        ],
      },
    );
    const remove = `mutation($m: [MetafieldIdentifierInput!]!) { metafieldsDelete(metafields: $m) { deletedMetafields { ownerId namespace key } userErrors { field message } } }`;
    const result = await adminGraphQL<{ metafieldsDelete: { deletedMetafields: unknown[]; userErrors: unknown[] } }>(
      emu,
      SHOP,
      remove,
      {
        m: [
          { ownerId, namespace: "$app", key: "rfm" },
          { ownerId, namespace: "$app", key: "never-set" },
        ],
      },
    );
    expect(result.data!.metafieldsDelete).toEqual({
      deletedMetafields: [{ ownerId, namespace: emu.appNamespace, key: "rfm" }, null],
      userErrors: [],
    });
    expect([...store.customerMetafields(customer.id).keys()]).toEqual([`${emu.appNamespace}.lifecycle`]);
    expect(result.extensions!.cost.requestedQueryCost).toBe(10);

    const wrongOwner = await adminGraphQL<{
      metafieldsDelete: { deletedMetafields: null; userErrors: { field: string[] }[] };
    }>(emu, SHOP, remove, {
      m: [
        { ownerId, namespace: "$app", key: "lifecycle" },
        { ownerId: "gid://shopify/Order/1", namespace: "$app", key: "x" },
      ],
    });
    expect(wrongOwner.data!.metafieldsDelete.deletedMetafields).toBeNull();
    expect(wrongOwner.data!.metafieldsDelete.userErrors[0].field).toEqual(["metafields", "1", "ownerId"]);
    expect(store.customerMetafields(customer.id).has(`${emu.appNamespace}.lifecycle`)).toBe(true);
  });
});
