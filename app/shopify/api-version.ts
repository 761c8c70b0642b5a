// The Admin API version the whole app speaks (webhooks too: see shopify.app.toml).
export const API_VERSION = "2026-07";
