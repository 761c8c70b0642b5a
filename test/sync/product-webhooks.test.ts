import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { action } from "~/routes/webhooks.$";
import { applyWebhookEvent } from "~/sync/apply-event.server";
import { productPayload, type ProductLike } from "../shopify-emulator/rest-payloads";
import { uniqueShopDomain } from "../helpers/shops";
import { signedWebhookRequest } from "../helpers/webhooks";

// products/create, products/update and products/delete through the real route and applier, with
// bodies in Shopify's REST shape (built by the emulator): signed or refused, idempotent under
// retries and reordering, and a malformed product recorded with a clear error.

const callAction = (request: Request) => action({ request, params: {}, context: {} });
const deps = () => ({ db, queues: queues(), onCustomerChanged: async () => {} });
const T0 = Date.parse("2026-10-20T12:00:00Z");

let shop: string;
let shopId: number;

beforeAll(async () => {
  shop = uniqueShopDomain("products");
  shopId = (await db.shop.create({ data: { domain: shop } })).id;
});
afterAll(async () => {
  await queues().close();
});

const shopLike = () => ({
  id: 1,
  domain: shop,
  name: "Products shop",
  currency: "USD",
  timezone: "America/New_York",
  plan: "standard",
  createdAt: T0,
});

function product(id: number, patch: Partial<ProductLike> = {}): ProductLike {
  return {
    id,
    title: "Alpine Mug",
    productType: "Home",
    vendor: "Products shop",
    sku: "SKU-1",
    priceCents: 1800,
    createdAt: T0,
    updatedAt: T0,
    ...patch,
  };
}

async function deliver(topic: string, payload: unknown, ids: { eventId?: string; webhookId?: string } = {}) {
  const response = await callAction(signedWebhookRequest({ shop, topic, payload, ...ids }));
  const [row] = await db.webhookEvent.findMany({ where: { shopDomain: shop }, orderBy: { id: "desc" }, take: 1 });
  return { status: response.status, row };
}

async function deliverAndApply(topic: string, payload: unknown, ids: { eventId?: string } = {}) {
  const { status, row } = await deliver(topic, payload, ids);
  expect(status).toBe(200);
  return applyWebhookEvent(deps(), row.id, row.shopDomain);
}

const stored = (id: number) =>
  db.product.findUnique({ where: { shopId_shopifyId: { shopId, shopifyId: BigInt(id) } } });

describe("products/* webhooks", () => {
  it("refuses a bad signature with 401 on every product topic and stores nothing", async () => {
    for (const topic of ["products/create", "products/update", "products/delete"]) {
      const request = signedWebhookRequest({
        shop,
        topic,
        payload: productPayload(shopLike(), product(501)),
        secret: "not-the-app-secret",
      });
      expect((await callAction(request)).status, topic).toBe(401);
    }
    expect(await db.webhookEvent.count({ where: { shopDomain: shop } })).toBe(0);
    expect(await stored(501)).toBeNull();
  });

  it("stores a product once however often its webhooks are retried, and a later updated_at wins", async () => {
    const created = productPayload(shopLike(), product(502));
    expect(created).not.toHaveProperty("productType");
    expect(created).toMatchObject({ id: 502, product_type: "Home", vendor: "Products shop", title: "Alpine Mug" });
    expect(created.variants[0]).toMatchObject({ product_id: 502 });

    // Shopify's retry of one delivery: same ids, stored once, applied once.
    const ids = { eventId: "evt-502-create", webhookId: "wh-502-create" };
    expect((await deliver("products/create", created, ids)).status).toBe(200);
    const { status, row } = await deliver("products/create", created, ids);
    expect(status).toBe(200);
    expect(await db.webhookEvent.count({ where: { shopDomain: shop, topic: "PRODUCTS_CREATE" } })).toBe(1);
    expect(await applyWebhookEvent(deps(), row.id, shop)).toBe("applied");
    expect(await applyWebhookEvent(deps(), row.id, shop)).toBe("already-processed");

    const retyped = productPayload(shopLike(), product(502, { productType: "Kitchen", updatedAt: T0 + 60_000 }));
    // The same update twice as separate events (Shopify sends some changes twice), then the
    // creation again, older: one row, the newest content.
    expect(await deliverAndApply("products/update", retyped)).toBe("applied");
    expect(await deliverAndApply("products/update", retyped)).toBe("applied");
    expect(await deliverAndApply("products/create", created)).toBe("applied");
    expect(await db.product.count({ where: { shopId, shopifyId: 502n } })).toBe(1);
    expect(await stored(502)).toMatchObject({
      productType: "Kitchen",
      title: "Alpine Mug",
      vendor: "Products shop",
      deletedAt: null,
      shopifyUpdatedAt: new Date(T0 + 60_000),
    });

    // No type in Shopify is an empty string: stored as none.
    const untyped = productPayload(shopLike(), product(502, { productType: "", updatedAt: T0 + 120_000 }));
    expect(await deliverAndApply("products/update", untyped)).toBe("applied");
    expect((await stored(502))?.productType).toBeNull();
  });

  it("leaves a tombstone on products/delete that a late create or update cannot bring back", async () => {
    expect(await deliverAndApply("products/create", productPayload(shopLike(), product(503)))).toBe("applied");
    expect(await deliverAndApply("products/delete", { id: 503 })).toBe("applied");
    expect(await deliverAndApply("products/delete", { id: 503 })).toBe("applied");
    const late = productPayload(shopLike(), product(503, { productType: "Outdoor", updatedAt: T0 + 3_600_000 }));
    expect(await deliverAndApply("products/update", late)).toBe("applied");
    expect(await db.product.count({ where: { shopId, shopifyId: 503n } })).toBe(1);
    expect(await stored(503)).toMatchObject({ productType: null, title: null, deletedAt: expect.any(Date) });

    // Deleted before we ever heard of it: the tombstone still holds.
    expect(await deliverAndApply("products/delete", { id: 504 })).toBe("applied");
    expect(await deliverAndApply("products/create", productPayload(shopLike(), product(504)))).toBe("applied");
    expect(await stored(504)).toMatchObject({ productType: null, deletedAt: expect.any(Date) });
  });

  it("records a malformed product payload once with a clear error, writes nothing and never retries it", async () => {
    const good = productPayload(shopLike(), product(505));
    const cases: [string, unknown, RegExp][] = [
      ["products/create", { ...good, product_type: 42 }, /product_type is not a string: 42/],
      ["products/update", { ...good, product_type: undefined }, /product_type is not a string/],
      ["products/update", { ...good, id: "not-an-id" }, /id is not a Shopify id: "not-an-id"/],
      ["products/create", { ...good, updated_at: "yesterday" }, /updated_at is not a date: "yesterday"/],
      ["products/update", { ...good, title: null }, /title is not a string: null/],
      ["products/delete", { id: null }, /id is not a Shopify id: null/],
      ["products/create", [good], /payload is an array, not a JSON object/],
    ];
    for (const [topic, payload, message] of cases) {
      const { status, row } = await deliver(topic, payload);
      expect(status, topic).toBe(200);
      expect(await applyWebhookEvent(deps(), row.id, shop)).toBe("skipped");
      expect(await applyWebhookEvent(deps(), row.id, shop)).toBe("already-processed");
      const after = await db.webhookEvent.findUniqueOrThrow({
        where: { shopDomain_id: { shopDomain: shop, id: row.id } },
      });
      expect({ error: after.error, attempts: after.attempts, done: after.processedAt !== null }).toEqual({
        error: expect.stringMatching(message),
        attempts: 1,
        done: true,
      });
    }
    expect(await stored(505)).toBeNull();
  });
});
