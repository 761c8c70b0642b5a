import { env } from "~/env.server";
import { sessionStorage, unauthenticated } from "~/shopify.server";
import { AdminClient, type AdminClientOptions, type GraphqlFn } from "~/shopify/admin-client.server";
import { TOKEN_REFRESH_MARGIN_MS, isNonExpiring, migrateToExpiringToken } from "~/shopify/expiring-tokens.server";

/**
 * An Admin API client for a background job, from the shop's stored offline session. Offline
 * tokens expire after an hour and jobs (a large back-fill, a push) can run longer: before each
 * call the client checks the token and, near its expiry, takes a new context, for which the
 * library refreshes the token and stores the new one.
 */
export async function adminForShop(shop: string, options?: AdminClientOptions): Promise<AdminClient> {
  await ensureExpiringToken(shop);
  let context = await unauthenticated.admin(shop);
  const graphql: GraphqlFn = async (query, variables) => {
    if (context.session.isExpired(TOKEN_REFRESH_MARGIN_MS)) context = await unauthenticated.admin(shop);
    return context.admin.graphql(query, variables);
  };
  return new AdminClient(graphql, options);
}

/** Moves a shop still on a non-expiring offline token to an expiring one (once per shop). */
async function ensureExpiringToken(shop: string): Promise<void> {
  const id = `offline_${shop}`;
  const session = await sessionStorage.loadSession(id);
  if (!session || !isNonExpiring(session)) return;
  const { shopifyApiKey: apiKey, shopifyApiSecret: apiSecret } = env();
  try {
    await sessionStorage.storeSession(await migrateToExpiringToken(session, { apiKey, apiSecret }));
  } catch (error) {
    // Another process may have migrated it first (Shopify then refuses the revoked token).
    const now = await sessionStorage.loadSession(id);
    if (!now || isNonExpiring(now)) throw error;
  }
}
