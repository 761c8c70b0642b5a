import "@shopify/shopify-api/adapters/node";
import { ApiVersion, RequestedTokenType, shopifyApi } from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSessionToken } from "./auth";
import { startEmulator, type Emulator } from "./server";
import { adminGraphQL, TEST_APP } from "./test-helpers";

const SHOP = "auth-test.myshopify.com";
const OTHER = "auth-other.myshopify.com";
let emu: Emulator;

const shopify = shopifyApi({
  apiKey: TEST_APP.apiKey,
  apiSecretKey: TEST_APP.apiSecret,
  apiVersion: ApiVersion.July26,
  hostName: "segments.test",
  isEmbeddedApp: true,
  scopes: ["read_customers"],
  logger: { level: 0 },
});

beforeAll(async () => {
  emu = await startEmulator({
    ...TEST_APP,
    appUrl: "http://127.0.0.1:9",
    subscriptions: {},
    scopes: "read_customers,write_customers",
  });
  emu.addShop(SHOP, { customers: 10 });
  emu.addShop(OTHER, { customers: 10 });
  // The contract with the app: Shopify URLs go to the emulator's origin, the shop in X-Forwarded-Host.
  setAbstractFetchFunc(async (input, init) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    headers.set("X-Forwarded-Host", url.host);
    return fetch(`${emu.origin}${url.pathname}${url.search}`, { ...init, headers });
  });
});
afterAll(() => emu.close());

async function exchange(
  subjectToken: string,
  requested = "urn:shopify:params:oauth:token-type:offline-access-token",
  shop = SHOP,
) {
  const response = await fetch(`${emu.origin}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Forwarded-Host": shop },
    body: JSON.stringify({
      client_id: TEST_APP.apiKey,
      client_secret: TEST_APP.apiSecret,
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: subjectToken,
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: requested,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("session tokens and token exchange", () => {
  it("issues session tokens that @shopify/shopify-api accepts", async () => {
    const payload = await shopify.session.decodeSessionToken(emu.sessionToken(SHOP, { userId: 42 }));
    expect(payload).toMatchObject({
      iss: `https://${SHOP}/admin`,
      dest: `https://${SHOP}`,
      aud: TEST_APP.apiKey,
      sub: "42",
    });
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.sid).toEqual(expect.any(String));
  });

  it("exchanges a valid session token for a shop-scoped token, end to end through @shopify/shopify-api", async () => {
    const { session } = await shopify.auth.tokenExchange({
      shop: SHOP,
      sessionToken: emu.sessionToken(SHOP),
      requestedTokenType: RequestedTokenType.OfflineAccessToken,
    });
    expect(session).toMatchObject({ shop: SHOP, isOnline: false, scope: "read_customers,write_customers" });

    const client = new shopify.clients.Graphql({ session });
    const response = await client.request(`{ shop { myshopifyDomain } }`);
    expect(response.data).toEqual({ shop: { myshopifyDomain: SHOP } });
    expect(response.extensions?.cost).toMatchObject({ requestedQueryCost: 1 });

    const elsewhere = await adminGraphQL(emu, OTHER, `{ shop { id } }`, {}, session.accessToken!);
    expect(elsewhere.status).toBe(401);
  });

  it("returns an online token with its associated user", async () => {
    const { status, body } = await exchange(
      emu.sessionToken(SHOP, { userId: 7 }),
      "urn:shopify:params:oauth:token-type:online-access-token",
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      access_token: expect.any(String),
      expires_in: expect.any(Number),
      associated_user: { id: 7 },
    });
  });

  it("rejects a forged, expired or foreign session token", async () => {
    const forged = signSessionToken({ shop: SHOP, apiKey: TEST_APP.apiKey, apiSecret: "not-the-secret" });
    expect(await exchange(forged)).toMatchObject({ status: 400, body: { error: "invalid_subject_token" } });

    const expired = signSessionToken({
      shop: SHOP,
      apiKey: TEST_APP.apiKey,
      apiSecret: TEST_APP.apiSecret,
      now: Date.now() - 3_600_000,
    });
    expect(await exchange(expired)).toMatchObject({
      status: 400,
      body: { error_description: expect.stringContaining("expired") },
    });

    const otherShop = emu.sessionToken(OTHER);
    expect((await exchange(otherShop, undefined, SHOP)).status).toBe(400);

    const tampered = emu.sessionToken(SHOP).split(".");
    tampered[1] = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(tampered[1], "base64url").toString()), sub: "999" }),
    ).toString("base64url");
    expect((await exchange(tampered.join("."))).status).toBe(400);
  });
});
