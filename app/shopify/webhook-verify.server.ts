import { createHmac, timingSafeEqual } from "node:crypto";
import type { Session } from "@shopify/shopify-api";

// The webhook route's fast path in front of the Shopify library's `authenticate.webhook`.
//
// Under load the library's own check cost more than the rest of the intake together (a CPU
// profile of the intake benchmark: a quarter of the process in re-canonicalising every header
// name for each of its dozen header look-ups, a seventh in a WebCrypto key import + sign per
// delivery). This does the same checks on the same inputs, and only ever ACCEPTS: whenever a
// delivery is not the plain, valid case it answers `undefined` and the route hands the request
// to `authenticate.webhook`, which then gives exactly today's answer (401 on a bad HMAC, 400 on
// missing headers, an invalid shop or a malformed body, 405 on a wrong method, the Events API's
// other headers, a session refresh). So a delivery is accepted here only if the library accepts
// it too, with the same fields:
//
// - POST, non-empty body (library: MissingBody);
// - `X-Shopify-Hmac-Sha256` equal, compared in constant time, to the base64 HMAC-SHA256 of the
//   raw body under the app secret. The library hashes the UTF-8 re-encoding of the decoded body
//   text; that is the raw body byte for byte unless the body has a BOM or an invalid sequence
//   (decoded as U+FFFD), so a body with either goes to the library;
// - topic, shop domain, API version and webhook id present and non-empty (library: MissingHeaders);
// - the shop domain a plain `<name>.<Shopify domain>` as the library's `sanitizeShop` accepts it
//   (its admin-URL form goes to the library), since the library takes the offline session id from it;
// - the shop's offline session loaded from the same storage; one due for a refresh (expiring
//   tokens, within the library's 5 minutes) goes to the library, which refreshes and stores it;
// - the body parses as JSON.

/** What the route needs of a verified delivery (the library's webhook context, minus session and admin). */
export interface VerifiedWebhook {
  shop: string;
  /** As the library stores it: `orders/create` → `ORDERS_CREATE`. */
  topic: string;
  webhookId: string;
  apiVersion: string;
  eventId?: string;
  triggeredAt?: string;
  name?: string;
  payload: unknown;
}

export interface WebhookVerifierOptions {
  secret: string;
  /** The offline session storage the library uses (`shopify.sessionStorage`). */
  loadSession: (id: string) => Promise<Session | undefined>;
  /** `future.expiringOfflineAccessTokens`: the library refreshes such a session when a webhook comes near its expiry. */
  expiringOfflineAccessTokens: boolean;
}

/** The library's margin (ensure-offline-token-is-not-expired: WITHIN_MILLISECONDS_OF_EXPIRY). */
const REFRESH_WITHIN_MS = 5 * 60 * 1000;

// @shopify/shopify-api lib/utils/shop-validator.ts without domain transformations (the app configures none).
const SHOP_DOMAIN = /^[a-zA-Z0-9][a-zA-Z0-9-_]*\.(myshopify\.com|shopify\.com|myshopify\.io|shop\.dev)[/]*$/;

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const decoder = new TextDecoder(); // what Request.text() does: UTF-8, BOM stripped, invalid bytes → U+FFFD

/** The library's `topicForStorage`. */
const topicForStorage = (topic: string) => topic.toUpperCase().replace(/\/|\./g, "_");

export function createWebhookVerifier(options: WebhookVerifierOptions) {
  const { loadSession, expiringOfflineAccessTokens } = options;
  const key = Buffer.from(options.secret, "utf8"); // as the library encodes it; a Buffer key is cheaper per call than a string

  /** The verified delivery, or undefined: then only `authenticate.webhook` may decide. */
  return async function verify(
    method: string,
    headers: Headers,
    body: Buffer | null,
  ): Promise<VerifiedWebhook | undefined> {
    if (method !== "POST" || !body || body.length === 0) return undefined;
    if (headers.has("shopify-hmac-sha256")) return undefined; // the Events API's headers
    const hmac = headers.get("x-shopify-hmac-sha256");
    const topic = headers.get("x-shopify-topic");
    const shop = headers.get("x-shopify-shop-domain");
    const apiVersion = headers.get("x-shopify-api-version");
    const webhookId = headers.get("x-shopify-webhook-id");
    if (!hmac || !topic || !shop || !apiVersion || !webhookId) return undefined;
    if (!SHOP_DOMAIN.test(shop)) return undefined;
    if (body[0] === UTF8_BOM[0] && body[1] === UTF8_BOM[1] && body[2] === UTF8_BOM[2]) return undefined;

    const expected = Buffer.from(createHmac("sha256", key).update(body).digest("base64"));
    const given = Buffer.from(hmac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;

    const text = decoder.decode(body);
    if (text.includes("\ufffd")) return undefined;

    let session: Session | undefined;
    try {
      session = await loadSession(`offline_${shop}`);
    } catch {
      return undefined;
    }
    if (expiringOfflineAccessTokens && session?.refreshToken && session.isExpired(REFRESH_WITHIN_MS)) return undefined;

    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      return undefined;
    }
    const hook: VerifiedWebhook = { shop, topic: topicForStorage(topic), webhookId, apiVersion, payload };
    const eventId = headers.get("x-shopify-event-id");
    if (eventId) hook.eventId = eventId;
    const triggeredAt = headers.get("x-shopify-triggered-at");
    if (triggeredAt) hook.triggeredAt = triggeredAt;
    const name = headers.get("x-shopify-name");
    if (name) hook.name = name;
    return hook;
  };
}
