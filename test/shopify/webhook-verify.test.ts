import { Session } from "@shopify/shopify-api";
import { createHmac, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import db from "~/db.server";
import { action } from "~/routes/webhooks.$";
import { authenticate, EXPIRING_OFFLINE_ACCESS_TOKENS, sessionStorage } from "~/shopify.server";
import { createWebhookVerifier, type VerifiedWebhook } from "~/shopify/webhook-verify.server";
import { uniqueShopDomain } from "../helpers/shops";

// The route's fast path must accept exactly what the library's authenticate.webhook accepts,
// with the same fields, and leave every other request to the library. Each case runs both on
// the same request.

const secret = process.env.SHOPIFY_API_SECRET!;
const verify = createWebhookVerifier({
  secret,
  loadSession: (id) => sessionStorage.loadSession(id),
  expiringOfflineAccessTokens: EXPIRING_OFFLINE_ACCESS_TOKENS,
});

interface Delivery {
  method?: string;
  body: string | Uint8Array;
  /** What is signed (default: the body). */
  signed?: string | Uint8Array;
  secret?: string;
  headers?: Record<string, string | undefined>;
  /** Header names as sent (default: Shopify's capitalisation). */
  lowerCase?: boolean;
}

function buildRequest(
  shop: string,
  d: Delivery,
): { method: string; headers: Headers; body: Buffer<ArrayBuffer> | null } {
  const body = d.method === "GET" ? null : Buffer.concat([Buffer.from(d.body)]);
  const hmac = createHmac("sha256", d.secret ?? secret)
    .update(Buffer.from(d.signed ?? d.body))
    .digest("base64");
  const all: Record<string, string | undefined> = {
    "Content-Type": "application/json",
    "X-Shopify-Hmac-Sha256": hmac,
    "X-Shopify-Topic": "orders/create",
    "X-Shopify-Shop-Domain": shop,
    "X-Shopify-API-Version": "2026-07",
    "X-Shopify-Webhook-Id": randomUUID(),
    "X-Shopify-Event-Id": randomUUID(),
    "X-Shopify-Triggered-At": "2026-12-07T10:00:00.000Z",
    ...d.headers,
  };
  const headers = new Headers();
  for (const [key, value] of Object.entries(all)) {
    if (value !== undefined) headers.append(d.lowerCase ? key.toLowerCase() : key, value);
  }
  return { method: d.method ?? "POST", headers, body };
}

/** What the library answers: the fields the route uses, or the status of the Response it throws (400: another error). */
async function library(request: { method: string; headers: Headers; body: Buffer<ArrayBuffer> | null }) {
  try {
    const context = await authenticate.webhook(
      new Request(`${process.env.SHOPIFY_APP_URL}/webhooks/orders/create`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
      }),
    );
    const fields: VerifiedWebhook = {
      shop: context.shop,
      topic: String(context.topic),
      webhookId: context.webhookId,
      apiVersion: context.apiVersion,
      payload: context.payload,
    };
    if (context.eventId) fields.eventId = context.eventId;
    if (context.triggeredAt) fields.triggeredAt = context.triggeredAt;
    if ("name" in context && context.name) fields.name = context.name;
    return fields;
  } catch (error) {
    return error instanceof Response ? error.status : 400;
  }
}

const order = JSON.stringify({ id: 820982911946154500, total_price: "84.20", note: "café ✓" });

describe("the webhook route's own verification", () => {
  const cases: [string, Delivery, "fast" | number | "library accepts"][] = [
    ["a plain valid delivery", { body: order }, "fast"],
    ["lower-case header names", { body: order, lowerCase: true }, "fast"],
    [
      "no event id or triggered-at (optional)",
      { body: order, headers: { "X-Shopify-Event-Id": undefined, "X-Shopify-Triggered-At": undefined } },
      "fast",
    ],
    ["a name header", { body: order, headers: { "X-Shopify-Name": "my-hook" } }, "fast"],
    ["a topic with dots", { body: order, headers: { "X-Shopify-Topic": "app_subscriptions.update" } }, "fast"],
    ["a shop domain with a trailing slash", { body: order, headers: {} }, "fast"],
    ["a wrong secret", { body: order, secret: "wrong-secret" }, 401],
    ["a tampered body", { body: order.replace("84.20", "0.01"), signed: order }, 401],
    ["an HMAC without its base64 padding", { body: order, headers: {} }, 401],
    ["an HMAC header repeated", { body: order, headers: {} }, 401],
    ["no HMAC header", { body: order, headers: { "X-Shopify-Hmac-Sha256": undefined } }, 400],
    ["an empty HMAC header", { body: order, headers: { "X-Shopify-Hmac-Sha256": "" } }, 400],
    ["no topic", { body: order, headers: { "X-Shopify-Topic": undefined } }, 400],
    ["no shop domain", { body: order, headers: { "X-Shopify-Shop-Domain": undefined } }, 400],
    ["no API version", { body: order, headers: { "X-Shopify-API-Version": undefined } }, 400],
    ["no webhook id", { body: order, headers: { "X-Shopify-Webhook-Id": undefined } }, 400],
    [
      "a shop domain that is not Shopify's",
      { body: order, headers: { "X-Shopify-Shop-Domain": "evil.example.com" } },
      400,
    ],
    [
      "a Shopify domain as a suffix only",
      { body: order, headers: { "X-Shopify-Shop-Domain": "x.myshopify.com.evil.io" } },
      400,
    ],
    ["a shop domain with a space", { body: order, headers: { "X-Shopify-Shop-Domain": "a b.myshopify.com" } }, 400],
    ["an empty body", { body: "" }, 400],
    ["a body that is not JSON", { body: "{not json" }, 400],
    ["a wrong method", { method: "GET", body: "" }, 405],
    [
      "a body with a BOM, signed over its bytes",
      { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(order)]) },
      401,
    ],
    [
      "invalid UTF-8, signed over its bytes",
      { body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]) },
      401,
    ],
    [
      "the admin-URL form of a shop",
      { body: order, headers: { "X-Shopify-Shop-Domain": "admin.shopify.com/store/some-shop" } },
      "library accepts",
    ],
    ["the Events API's headers", { body: order, headers: { "shopify-hmac-sha256": "x" } }, 401],
  ];

  it.each(cases)("%s", async (name, delivery, expected) => {
    const shop = uniqueShopDomain("verify") + (name.includes("trailing slash") ? "/" : "");
    const request = buildRequest(shop, delivery);
    if (name.includes("without its base64 padding")) {
      request.headers.set("x-shopify-hmac-sha256", request.headers.get("x-shopify-hmac-sha256")!.replace(/=+$/, ""));
    }
    if (name.includes("repeated"))
      request.headers.append("x-shopify-hmac-sha256", request.headers.get("x-shopify-hmac-sha256")!);
    const fast = await verify(request.method, request.headers, request.body);
    const lib = await library(request);
    if (expected === "fast") {
      expect(fast).toBeDefined();
      expect(fast).toEqual(lib);
    } else if (expected === "library accepts") {
      expect(fast).toBeUndefined();
      expect(typeof lib).toBe("object");
    } else {
      expect(fast).toBeUndefined();
      expect(lib).toBe(expected);
    }
  });

  it("leaves a session due for a token refresh to the library, and serves a fresh one itself", async () => {
    const shop = uniqueShopDomain("verify-session");
    const session = (expiresInMs: number) =>
      new Session({
        id: `offline_${shop}`,
        shop,
        state: "",
        isOnline: false,
        accessToken: "token",
        scope: "read_orders",
        expires: new Date(Date.now() + expiresInMs),
        refreshToken: "refresh",
      });
    await sessionStorage.storeSession(session(60 * 60_000));
    const fresh = buildRequest(shop, { body: order });
    expect(await verify(fresh.method, fresh.headers, fresh.body)).toMatchObject({ shop, topic: "ORDERS_CREATE" });

    await sessionStorage.storeSession(session(60_000)); // within the library's 5 minutes
    const due = buildRequest(shop, { body: order });
    expect(await verify(due.method, due.headers, due.body)).toBeUndefined();
    await sessionStorage.deleteSession(`offline_${shop}`);
  });
});

describe("the webhook route", () => {
  const post = (shop: string, d: Delivery) => {
    const { method, headers, body } = buildRequest(shop, d);
    return action({
      request: new Request(`${process.env.SHOPIFY_APP_URL}/webhooks/orders/create`, { method, headers, body }),
      params: {},
      context: {},
    });
  };

  it("answers as the library does on the fast path's refusals, and stores only the valid delivery", async () => {
    const shop = uniqueShopDomain("verify-route");
    expect((await post(shop, { body: order.replace("84.20", "0.01"), signed: order })).status).toBe(401);
    expect((await post(shop, { body: order, secret: "nope" })).status).toBe(401);
    expect((await post(shop, { body: order, headers: { "X-Shopify-Hmac-Sha256": undefined } })).status).toBe(400);
    expect((await post(shop, { body: order, headers: { "X-Shopify-Webhook-Id": undefined } })).status).toBe(400);
    expect((await post(shop, { body: "{not json" })).status).toBe(400);
    expect(await db.webhookEvent.count({ where: { shopDomain: shop } })).toBe(0);
    expect((await post(shop, { body: order })).status).toBe(200);
    const rows = await db.webhookEvent.findMany({ where: { shopDomain: shop } });
    expect(rows.map((r) => [r.topic, r.apiVersion, r.payload])).toEqual([
      ["ORDERS_CREATE", "2026-07", JSON.parse(order)],
    ]);
  });

  it("stores a delivery the library accepts and the fast path leaves to it (admin-URL shop form)", async () => {
    const domain = `admin.shopify.com/store/verify-${randomUUID().slice(0, 8)}`;
    const response = await post(domain, { body: order });
    expect(response.status).toBe(200);
    expect(await db.webhookEvent.count({ where: { shopDomain: domain } })).toBe(1);
    await db.webhookEvent.deleteMany({ where: { shopDomain: domain } });
  });
});
