import { authenticate } from "~/shopify.server";
import { requireShop } from "./admin-shop.server";

// Kept apart from admin-shop.server.ts so that read models, which import that file for `db`,
// do not load the Shopify library's setup.

/**
 * Authenticates an admin request and loads its shop: the admin context (Admin API client,
 * session, redirect…) with the shop beside it. Throws the library's auth responses unchanged.
 */
export async function requireAdminShop(request: Request) {
  const context = await authenticate.admin(request);
  return { ...context, shop: await requireShop(context.session.shop) };
}
