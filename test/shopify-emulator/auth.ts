// The admin side of embedded-app auth: session tokens (HS256 JWTs signed with the app
// secret, as App Bridge hands them to the app) and OAuth token exchange, which trades a
// session token for an offline or online access token scoped to one shop; expiring offline
// tokens with rotating refresh tokens, and the exchange that migrates a non-expiring one.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

export interface SessionTokenClaims {
  iss: string;
  dest: string;
  aud: string;
  sub: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  sid: string;
  sig?: string;
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

export function signSessionToken(options: {
  shop: string;
  apiKey: string;
  apiSecret: string;
  userId?: number | string;
  lifetimeSeconds?: number;
  now?: number;
}): string {
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const claims: SessionTokenClaims = {
    iss: `https://${options.shop}/admin`,
    dest: `https://${options.shop}`,
    aud: options.apiKey,
    sub: String(options.userId ?? 1),
    exp: now + (options.lifetimeSeconds ?? 60),
    nbf: now,
    iat: now,
    jti: randomUUID(),
    sid: randomBytes(16).toString("hex"),
  };
  const unsigned = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}`;
  return `${unsigned}.${createHmac("sha256", options.apiSecret).update(unsigned).digest("base64url")}`;
}

const CLOCK_TOLERANCE_SECONDS = 10;

/** Verifies signature, algorithm, times and audience; returns the claims or an error message. */
export function verifySessionToken(
  token: string,
  apiKey: string,
  apiSecret: string,
  now = Date.now(),
): SessionTokenClaims | string {
  const parts = token.split(".");
  if (parts.length !== 3) return "malformed token";
  const [header, payload, signature] = parts;
  let alg: unknown;
  let claims: SessionTokenClaims;
  try {
    alg = (JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: unknown }).alg;
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as SessionTokenClaims;
  } catch {
    return "malformed token";
  }
  if (alg !== "HS256") return "unsupported algorithm";
  const expected = createHmac("sha256", apiSecret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "signature verification failed";
  const seconds = Math.floor(now / 1000);
  if (typeof claims.exp !== "number" || claims.exp + CLOCK_TOLERANCE_SECONDS < seconds) return "token expired";
  if (typeof claims.nbf !== "number" || claims.nbf - CLOCK_TOLERANCE_SECONDS > seconds) return "token not yet valid";
  if (claims.aud !== apiKey) return "audience mismatch";
  return claims;
}

export interface AccessTokenGrant {
  shop: string;
  scope: string;
  online: boolean;
  userId: number | null;
  expiresAt: number | null;
}

interface RefreshGrant {
  shop: string;
  scope: string;
  expiresAt: number;
  /** The access token issued with this refresh token. */
  accessToken: string;
  /** The refresh token this one replaced: valid until this pair's access token is first used. */
  previous: string | null;
}

/** An expiring offline token and its refresh token, as Shopify answers both grants that issue them. */
export interface ExpiringPair {
  access_token: string;
  scope: string;
  expires_in: number;
  refresh_token: string;
  refresh_token_expires_in: number;
}

/** 90 days, as Shopify's refresh tokens. */
const REFRESH_TOKEN_LIFETIME_SECONDS = 7_776_000;

/**
 * Access tokens issued by the emulator, each valid for exactly one shop, and the refresh tokens
 * of expiring offline ones. Refresh tokens rotate: each refresh returns a new pair. The one it
 * replaced stays valid until the new access token is first used (Shopify's grace since August
 * 2026, so a lost refresh answer can be retried).
 */
export class TokenRegistry {
  private readonly tokens = new Map<string, AccessTokenGrant>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  /** Refresh token whose pair's access token has not been used yet → the refresh token it replaced. */
  private readonly pendingReplacement = new Map<string, string>();
  /** Grants by kind, for tests: `refresh` counts refresh-token grants. */
  readonly issued = { refresh: 0, migrated: 0 };

  /** @param offlineLifetimeMs how long expiring offline tokens live (Shopify: one hour). */
  constructor(readonly offlineLifetimeMs = 3_600_000) {}

  issue(grant: AccessTokenGrant): string {
    const token = `shpat_${randomBytes(16).toString("hex")}`;
    this.tokens.set(token, grant);
    return token;
  }

  /** A new expiring offline token with its refresh token (`previous`: the refresh token it replaces). */
  issueExpiring(shop: string, scope: string, previous: string | null = null, now = Date.now()): ExpiringPair {
    const accessToken = this.issue({
      shop,
      scope,
      online: false,
      userId: null,
      expiresAt: now + this.offlineLifetimeMs,
    });
    const refreshToken = `shprt_${randomBytes(16).toString("hex")}`;
    this.refreshTokens.set(refreshToken, {
      shop,
      scope,
      expiresAt: now + REFRESH_TOKEN_LIFETIME_SECONDS * 1000,
      accessToken,
      previous,
    });
    if (previous) this.pendingReplacement.set(accessToken, previous);
    return {
      access_token: accessToken,
      scope,
      expires_in: Math.round(this.offlineLifetimeMs / 1000),
      refresh_token: refreshToken,
      refresh_token_expires_in: REFRESH_TOKEN_LIFETIME_SECONDS,
    };
  }

  /** The refresh grant if `token` is a live refresh token of `shop`, else null. */
  checkRefresh(token: string | undefined, shop: string, now = Date.now()): RefreshGrant | null {
    const grant = token ? this.refreshTokens.get(token) : undefined;
    if (!grant || grant.shop !== shop || grant.expiresAt < now) return null;
    return grant;
  }

  /** The grant if `token` is valid for `shop` now, else null. */
  check(token: string | null | undefined, shop: string, now = Date.now()): AccessTokenGrant | null {
    const grant = token ? this.tokens.get(token) : undefined;
    if (!grant || grant.shop !== shop) return null;
    if (grant.expiresAt !== null && grant.expiresAt < now) return null;
    // First use of a refreshed pair: the refresh token it replaced stops working.
    const replaced = this.pendingReplacement.get(token!);
    if (replaced) {
      this.refreshTokens.delete(replaced);
      this.pendingReplacement.delete(token!);
    }
    return grant;
  }

  revoke(token: string): void {
    this.tokens.delete(token);
  }

  revokeShop(shop: string): void {
    for (const [token, grant] of this.tokens) if (grant.shop === shop) this.tokens.delete(token);
    for (const [token, grant] of this.refreshTokens) if (grant.shop === shop) this.refreshTokens.delete(token);
  }
}

const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
const REFRESH_TOKEN_GRANT = "refresh_token";
const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
const ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token";
const OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token";

export interface TokenExchangeResult {
  status: number;
  body: object;
}

/** `POST /admin/oauth/access_token` with the token-exchange grant. */
export function exchangeToken(
  params: Record<string, string>,
  shop: string,
  app: { apiKey: string; apiSecret: string; scopes: string },
  registry: TokenRegistry,
): TokenExchangeResult {
  const error = (status: number, code: string, description: string) => ({
    status,
    body: { error: code, error_description: description },
  });
  if (params.client_id !== app.apiKey || params.client_secret !== app.apiSecret)
    return error(401, "invalid_client", "Client authentication failed");
  if (params.grant_type === REFRESH_TOKEN_GRANT) return refresh(params, shop, registry, error);
  if (params.grant_type !== TOKEN_EXCHANGE_GRANT)
    return error(400, "unsupported_grant_type", `Unsupported grant_type: ${params.grant_type}`);
  if (params.subject_token_type === OFFLINE_TOKEN_TYPE) return migrate(params, shop, registry, error);
  if (params.subject_token_type !== ID_TOKEN_TYPE)
    return error(400, "invalid_request", "subject_token_type must be an id_token");
  const claims = verifySessionToken(params.subject_token ?? "", app.apiKey, app.apiSecret);
  if (typeof claims === "string") return error(400, "invalid_subject_token", `Invalid session token: ${claims}`);
  if (claims.dest !== `https://${shop}`)
    return error(400, "invalid_subject_token", "Session token was issued for another shop");

  const online = params.requested_token_type === ONLINE_TOKEN_TYPE;
  if (!online && params.requested_token_type !== OFFLINE_TOKEN_TYPE)
    return error(400, "invalid_request", "Unsupported requested_token_type");
  const now = Date.now();
  if (online) {
    const userId = Number(claims.sub);
    const expiresIn = 86_399;
    const accessToken = registry.issue({
      shop,
      scope: app.scopes,
      online: true,
      userId,
      expiresAt: now + expiresIn * 1000,
    });
    return {
      status: 200,
      body: {
        access_token: accessToken,
        scope: app.scopes,
        expires_in: expiresIn,
        associated_user_scope: app.scopes,
        associated_user: {
          id: userId,
          first_name: "Staff",
          last_name: `Member ${userId}`,
          email: `staff${userId}@${shop}`,
          email_verified: true,
          account_owner: userId === 1,
          locale: "en",
          collaborator: false,
        },
      },
    };
  }
  if (params.expiring === "1") return { status: 200, body: registry.issueExpiring(shop, app.scopes) };
  const accessToken = registry.issue({ shop, scope: app.scopes, online: false, userId: null, expiresAt: null });
  return { status: 200, body: { access_token: accessToken, scope: app.scopes } };
}

type ErrorAnswer = (status: number, code: string, description: string) => TokenExchangeResult;

/** `grant_type=refresh_token`: a new expiring pair for a live refresh token of the shop. */
function refresh(
  params: Record<string, string>,
  shop: string,
  registry: TokenRegistry,
  error: ErrorAnswer,
): TokenExchangeResult {
  const grant = registry.checkRefresh(params.refresh_token, shop);
  if (!grant) return error(400, "invalid_grant", "The refresh token is invalid, expired or was replaced");
  registry.issued.refresh++;
  return { status: 200, body: registry.issueExpiring(shop, grant.scope, params.refresh_token) };
}

/**
 * Token exchange of a non-expiring offline token for an expiring pair (`expiring=1`), how an
 * installed app moves its shops to expiring tokens; the old token is revoked.
 */
function migrate(
  params: Record<string, string>,
  shop: string,
  registry: TokenRegistry,
  error: ErrorAnswer,
): TokenExchangeResult {
  if (params.expiring !== "1" || params.requested_token_type !== OFFLINE_TOKEN_TYPE)
    return error(400, "invalid_request", "An offline token can only be exchanged for an expiring offline token");
  const grant = registry.check(params.subject_token, shop);
  if (!grant || grant.online || grant.expiresAt !== null)
    return error(400, "invalid_subject_token", "The subject token is not a non-expiring offline token of this shop");
  registry.revoke(params.subject_token!);
  registry.issued.migrated++;
  return { status: 200, body: registry.issueExpiring(shop, grant.scope) };
}
