import { describe, expect, it } from "vitest";
import { RequestType, setUpValidRequest, setUpValidSession } from "@shopify/shopify-api/test-helpers";
import { loader } from "~/routes/app";
import { sessionStorage } from "~/shopify.server";
import { uniqueShopDomain } from "../helpers/shops";

const apiKey = process.env.SHOPIFY_API_KEY!;
const apiSecretKey = process.env.SHOPIFY_API_SECRET!;

async function callLoader(request: Request) {
  try {
    return await loader({ request, params: {}, context: {} });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

describe("/app authentication", () => {
  it("rejects a request without a session token", async () => {
    const result = await callLoader(new Request(`${process.env.SHOPIFY_APP_URL}/app`));
    expect(result).toBeInstanceOf(Response);
    const response = result as Response;
    expect([302, 401]).toContain(response.status);
    if (response.status === 302) expect(response.headers.get("Location")).toContain("/auth/login");
  });

  it("rejects a session token signed with another secret", async () => {
    const shop = uniqueShopDomain();
    await sessionStorage.storeSession(setUpValidSession({ shop, expires: undefined, scope: process.env.SCOPES }));
    const forged = await setUpValidRequest(
      { type: RequestType.Bearer, store: shop.replace(".myshopify.com", ""), apiKey, apiSecretKey: "not-the-secret" },
      new Request(`${process.env.SHOPIFY_APP_URL}/app`),
    );
    const result = await callLoader(forged);
    expect(result).toBeInstanceOf(Response);
    expect((result as Response).status).toBe(401);
  });

  it("accepts a session token signed with the app secret for a shop with a stored session", async () => {
    const shop = uniqueShopDomain();
    await sessionStorage.storeSession(setUpValidSession({ shop, expires: undefined, scope: process.env.SCOPES }));
    const request = await setUpValidRequest(
      { type: RequestType.Bearer, store: shop.replace(".myshopify.com", ""), apiKey, apiSecretKey },
      new Request(`${process.env.SHOPIFY_APP_URL}/app`),
    );
    const result = await callLoader(request);
    expect(result).not.toBeInstanceOf(Response);
    expect(result).toEqual({ apiKey });
  });
});
