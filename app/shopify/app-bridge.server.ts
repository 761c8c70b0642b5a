import { env } from "~/env.server";

// The App Bridge script tag of the embedded app's documents. Shopify requires it to be the first
// script in <head> (App Store 2.2.3, Built for Shopify 3.1.1), synchronous and from its CDN;
// against the local emulator it is the emulated admin's stand-in at <SHOPIFY_ADMIN_ORIGIN>/app-bridge.js.
// (The Shopify library's own pages, such as the session-token bounce page, take their URL from
// APP_BRIDGE_URL instead: the emulator's launchers set both.)

export const APP_BRIDGE_CDN_URL = "https://cdn.shopify.com/shopifycloud/app-bridge.js";

export interface AppBridgeScript {
  src: string;
  apiKey: string;
}

export function appBridgeScript(): AppBridgeScript {
  const { shopifyApiKey, shopifyAdminOrigin } = env();
  return {
    src: shopifyAdminOrigin ? new URL("/app-bridge.js", shopifyAdminOrigin).toString() : APP_BRIDGE_CDN_URL,
    apiKey: shopifyApiKey,
  };
}
