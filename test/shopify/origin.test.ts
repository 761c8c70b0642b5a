import { afterEach, describe, expect, it } from "vitest";
import { allowAdminOriginToFrame, rewriteToOrigin } from "~/shopify/origin.server";

const saved = process.env.SHOPIFY_ADMIN_ORIGIN;
afterEach(() => {
  if (saved === undefined) delete process.env.SHOPIFY_ADMIN_ORIGIN;
  else process.env.SHOPIFY_ADMIN_ORIGIN = saved;
});

const policy = "frame-ancestors https://acme.myshopify.com https://admin.shopify.com;";

describe("Shopify origin switch", () => {
  it("sends a shop's Admin API URL to the configured origin and keeps other URLs", () => {
    expect(
      rewriteToOrigin("https://acme.myshopify.com/admin/api/2026-07/graphql.json?x=1", "http://127.0.0.1:4000"),
    ).toEqual({
      url: "http://127.0.0.1:4000/admin/api/2026-07/graphql.json?x=1",
      shop: "acme.myshopify.com",
    });
    expect(rewriteToOrigin("https://example.com/admin", "http://127.0.0.1:4000")).toBeUndefined();
    expect(rewriteToOrigin("http://acme.myshopify.com/admin", "http://127.0.0.1:4000")).toBeUndefined();
  });

  it("leaves frame-ancestors untouched in production", () => {
    delete process.env.SHOPIFY_ADMIN_ORIGIN;
    const headers = new Headers({ "Content-Security-Policy": policy });
    allowAdminOriginToFrame(headers);
    expect(headers.get("Content-Security-Policy")).toBe(policy);
  });

  it("lets the emulated admin frame the app, once", () => {
    process.env.SHOPIFY_ADMIN_ORIGIN = "http://127.0.0.1:4000/";
    const headers = new Headers({ "Content-Security-Policy": policy });
    allowAdminOriginToFrame(headers);
    allowAdminOriginToFrame(headers);
    expect(headers.get("Content-Security-Policy")).toBe(
      "frame-ancestors https://acme.myshopify.com https://admin.shopify.com http://127.0.0.1:4000;",
    );
  });
});
