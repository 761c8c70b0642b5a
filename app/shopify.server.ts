import "@shopify/shopify-app-remix/adapters/node";
import type { ApiVersion } from "@shopify/shopify-app-remix/server";
import { AppDistribution, shopifyApp } from "@shopify/shopify-app-remix/server";
import db from "~/db.server";
import { env } from "~/env.server";
import { assertNodeVersion } from "~/node-version.server";
import { API_VERSION as APP_API_VERSION } from "~/shopify/api-version";
import { installShopifyOrigin } from "~/shopify/origin.server";
import { PrismaSessionStorage } from "~/shopify/session-storage.server";
import { onShopInstalled } from "~/sync/shop-install.server";

assertNodeVersion();
const config = env();
installShopifyOrigin();

// ApiVersion is a string enum; api-version.ts holds the value for code that must not load this module.
export const API_VERSION = APP_API_VERSION as ApiVersion;
/** Offline tokens that expire after an hour (see `future` below); the webhook route's fast path reads it too. */
export const EXPIRING_OFFLINE_ACCESS_TOKENS = true;

const shopify = shopifyApp({
  apiKey: config.shopifyApiKey,
  apiSecretKey: config.shopifyApiSecret,
  apiVersion: API_VERSION,
  scopes: config.scopes,
  appUrl: config.appUrl,
  authPathPrefix: "/auth",
  sessionStorage: new PrismaSessionStorage(db),
  distribution: AppDistribution.AppStore,
  future: {
    unstable_newEmbeddedAuthStrategy: true,
    // Offline tokens that expire after an hour, with refresh tokens (required of public apps
    // from 1 January 2027); background jobs refresh them, see app/jobs/admin-for-shop.server.ts.
    expiringOfflineAccessTokens: EXPIRING_OFFLINE_ACCESS_TOKENS,
  },
  hooks: {
    // Runs after token exchange stored the offline session: record the shop and start its back-fill.
    afterAuth: async ({ session }) => {
      await onShopInstalled(session.shop);
    },
  },
});

export default shopify;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const sessionStorage = shopify.sessionStorage;
