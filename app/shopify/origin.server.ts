import { abstractFetch, setAbstractFetchFunc } from "@shopify/shopify-api/runtime";

// The one switch between real Shopify and the local emulator: when SHOPIFY_ADMIN_ORIGIN is set,
// requests the Shopify library makes to https://<shop>.myshopify.com/... go to that origin
// instead, with the shop named in X-Forwarded-Host. Every other code path stays the same:
// same GraphQL documents, same token exchange, same HMAC and JWT checks. Unset (production),
// requests pass through untouched.

const SHOP_HOST = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/i;
let installed = false;

export function rewriteToOrigin(input: string, origin: string): { url: string; shop: string } | undefined {
  const url = new URL(input);
  if (url.protocol !== "https:" || !SHOP_HOST.test(url.hostname)) return undefined;
  const target = new URL(url.pathname + url.search, origin);
  return { url: target.toString(), shop: url.hostname };
}

/** Wraps the Shopify library's fetch once per process; the origin is read per request. */
export function installShopifyOrigin(): void {
  if (installed) return;
  installed = true;
  const inner = abstractFetch;
  setAbstractFetchFunc(async (input, init) => {
    const origin = process.env.SHOPIFY_ADMIN_ORIGIN;
    if (!origin) return inner(input, init);
    const href = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const rewritten = rewriteToOrigin(href, origin);
    if (!rewritten) return inner(input, init);
    const headers = new Headers(init?.headers);
    headers.set("X-Forwarded-Host", rewritten.shop);
    return inner(rewritten.url, { ...init, headers });
  });
}

/** The emulated Shopify admin's origin (`SHOPIFY_ADMIN_ORIGIN`), or undefined against real Shopify. */
export function emulatedAdminOrigin(): string | undefined {
  const origin = process.env.SHOPIFY_ADMIN_ORIGIN;
  return origin ? new URL(origin).origin : undefined;
}

/**
 * The embedded admin lives at the same origin as the Admin API: with the emulator, that is the
 * emulator, so its admin page may frame the app too. Production (no SHOPIFY_ADMIN_ORIGIN) keeps
 * Shopify's frame-ancestors exactly as the library set them.
 */
export function allowAdminOriginToFrame(headers: Headers): void {
  const admin = emulatedAdminOrigin();
  const policy = headers.get("Content-Security-Policy");
  if (!admin || !policy) return;
  headers.set(
    "Content-Security-Policy",
    policy.replace(/frame-ancestors ([^;]*)/, (directive, sources: string) =>
      sources.includes(admin) ? directive : `frame-ancestors ${sources} ${admin}`,
    ),
  );
}
