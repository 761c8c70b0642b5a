import type { LoaderFunctionArgs } from "@remix-run/node";
import { customerBlock } from "~/admin/customer-block.server";
import { requireAdminShop } from "~/admin/require-admin-shop.server";
import { lowestPlanWith } from "~/billing/plans";
import { extensionPreflight, withExtensionCors } from "~/shopify/extension-cors.server";

// GET /api/customer-block?customerId=gid://shopify/Customer/N — what the customer details block
// (extensions/customer-scores-block) shows on Shopify's customer page. The block's fetch carries
// the admin's session token (`Authorization: Bearer …`, added by Shopify); the shop comes from
// that token only, so another shop's customer is not found. No token: 401, never the library's
// login redirect (this is an API, not a page). CORS names only the admin extension origins.
// Remix sends OPTIONS to a resource route's loader: that is the CORS preflight.

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "private, no-store" },
  });
}

function hasBearerToken(request: Request): boolean {
  return /^Bearer \S+$/.test(request.headers.get("Authorization") ?? "");
}

async function answer(request: Request): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") return json({ error: "Method not allowed" }, 405);
  if (!hasBearerToken(request)) return json({ error: "A session token is required" }, 401);
  try {
    const { shop } = await requireAdminShop(request);
    // The block on Shopify's customer page is a plan feature: refused, naming the plan that has it.
    if (!shop.plan.features.storefrontBlocks)
      return json({ error: "plan", plan: lowestPlanWith("storefrontBlocks").name, current: shop.plan.name }, 403);
    return json(await customerBlock(shop, new URL(request.url).searchParams.get("customerId")));
  } catch (thrown) {
    // The library's auth answers (401 for a bad token) and our 404 pass through, with our CORS.
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  if (request.method === "OPTIONS") return extensionPreflight(request);
  return withExtensionCors(request, await answer(request));
};
