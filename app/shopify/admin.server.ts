import { unauthenticated } from "~/shopify.server";
import { AdminClient, type AdminClientOptions } from "~/shopify/admin-client.server";

/** An Admin API client for a background job, from the shop's stored offline session. */
export async function adminForShop(shop: string, options?: AdminClientOptions): Promise<AdminClient> {
  const { admin } = await unauthenticated.admin(shop);
  return new AdminClient(admin.graphql, options);
}
