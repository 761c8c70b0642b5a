import { Session } from "@shopify/shopify-api";
import { abstractFetch } from "@shopify/shopify-api/runtime";

// Expiring offline access tokens (Shopify requires them of public apps from 1 January 2027):
// new installs get them through token exchange (the library's `expiringOfflineAccessTokens`
// flag), and the library refreshes them when a context is created near their expiry. What the
// library does not do is move a shop installed before the flag off its non-expiring token until
// the merchant opens the app again; this does, with the token exchange Shopify documents for it.

const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
const OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token";

/** Refresh this long before expiry (the library's own margin). */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

interface ExpiringTokenAnswer {
  access_token: string;
  scope: string;
  expires_in: number;
  refresh_token: string;
  refresh_token_expires_in: number;
}

/** Whether a stored offline session still holds a non-expiring token. */
export function isNonExpiring(session: Session): boolean {
  return !session.isOnline && !session.expires && !session.refreshToken;
}

/**
 * Exchanges a shop's non-expiring offline token for an expiring one with its refresh token
 * (Shopify revokes the old token). The request goes through the Shopify library's fetch, so the
 * emulator origin switch applies as for every other call.
 */
export async function migrateToExpiringToken(
  session: Session,
  credentials: { apiKey: string; apiSecret: string },
  now = Date.now(),
): Promise<Session> {
  const response = await abstractFetch(`https://${session.shop}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({
      client_id: credentials.apiKey,
      client_secret: credentials.apiSecret,
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: session.accessToken,
      subject_token_type: OFFLINE_TOKEN_TYPE,
      requested_token_type: OFFLINE_TOKEN_TYPE,
      expiring: "1",
    }),
  });
  if (!response.ok) {
    const body = await response.text();
    throw new Error(
      `Shopify refused to migrate ${session.shop} to an expiring token (HTTP ${response.status}): ${body}`,
    );
  }
  const answer = (await response.json()) as ExpiringTokenAnswer;
  return new Session({
    id: session.id,
    shop: session.shop,
    state: "",
    isOnline: false,
    scope: answer.scope,
    accessToken: answer.access_token,
    expires: new Date(now + answer.expires_in * 1000),
    refreshToken: answer.refresh_token,
    refreshTokenExpires: new Date(now + answer.refresh_token_expires_in * 1000),
  });
}
