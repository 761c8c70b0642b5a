import { emulatedAdminOrigin } from "./origin.server";

// CORS for the app endpoints that Shopify admin UI extensions call (the customer details block).
// An admin extension runs in Shopify's sandbox, served from https://extensions.shopifycdn.com (the
// admin itself is https://admin.shopify.com), so its fetch to the app is cross-origin. Only those
// origins, and the local emulator's admin when SHOPIFY_ADMIN_ORIGIN is set, are ever named in
// Access-Control-Allow-Origin; never "*", whatever the Shopify library set (its CORS helper answers
// every foreign origin with "*"). CORS only lets those pages read the answer: every request is still
// authenticated by its session token, which a page without one cannot forge.

export const SHOPIFY_EXTENSION_ORIGINS: readonly string[] = [
  "https://admin.shopify.com",
  "https://extensions.shopifycdn.com",
];

const CORS_HEADERS = [
  "Access-Control-Allow-Origin",
  "Access-Control-Allow-Headers",
  "Access-Control-Allow-Methods",
  "Access-Control-Allow-Credentials",
  "Access-Control-Expose-Headers",
  "Access-Control-Max-Age",
];

/** The origins an admin extension's requests come from: Shopify's, plus the emulated admin in tests and the demo. */
export function allowedExtensionOrigins(): string[] {
  const emulated = emulatedAdminOrigin();
  return emulated ? [...SHOPIFY_EXTENSION_ORIGINS, emulated] : [...SHOPIFY_EXTENSION_ORIGINS];
}

/** The request's Origin when it is one of the allowed ones, else null. */
export function allowedOrigin(request: Request): string | null {
  const origin = request.headers.get("Origin");
  return origin && allowedExtensionOrigins().includes(origin) ? origin : null;
}

/**
 * Replaces whatever CORS headers the response carries with ours: the request's origin when it is
 * allowed, none otherwise. `Vary: Origin` always, so a cache never serves one origin's answer to another.
 */
export function withExtensionCors(request: Request, response: Response): Response {
  // A copy: a response's headers may be immutable (redirects, fetched responses).
  const headers = new Headers(response.headers);
  for (const name of CORS_HEADERS) headers.delete(name);
  const vary = headers.get("Vary");
  if (!vary?.split(",").some((v) => v.trim().toLowerCase() === "origin"))
    headers.set("Vary", vary ? `${vary}, Origin` : "Origin");
  const origin = allowedOrigin(request);
  if (origin) {
    headers.set("Access-Control-Allow-Origin", origin);
    headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type");
    headers.set("Access-Control-Allow-Methods", "GET, OPTIONS");
    // The library asks for a fresh session token with this header on a 401 for an expired one.
    headers.set("Access-Control-Expose-Headers", "X-Shopify-Retry-Invalid-Session-Request");
    headers.set("Access-Control-Max-Age", "7200");
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** The answer to a CORS preflight (OPTIONS): 204, with the CORS headers only for an allowed origin. */
export function extensionPreflight(request: Request): Response {
  return withExtensionCors(request, new Response(null, { status: 204 }));
}
