import type { IncomingMessage, ServerResponse } from "node:http";
import { appAdminPage, escapeHtml } from "./admin-page";
import {
  CUSTOMER_BLOCK_TARGET,
  bundleExtension,
  customerPage,
  extensionFrame,
  type AdminExtensionTarget,
} from "./admin-extensions";
import { APP_BRIDGE_SCRIPT } from "./app-bridge-script";

// The emulated Shopify admin, for browser tests and the demo:
//   GET /app-bridge.js                         the App Bridge stand-in (see app-bridge-script.ts)
//   GET /admin-emulator/session-token?shop=…   a fresh session token for the frame's shop
//   GET /admin-emulator/app-extensions?shop=…  what `shopify.app.extensions()` answers (theme-extensions.ts)
//   GET /store/<store>/apps/<handle>[/<path>]  the admin page with the app in an iframe, at the
//                                              app's URL + <path> (see admin-page.ts)
//   GET /store/<store>/customers/<id>          the customer page with the app's customer details
//                                              blocks, each in its sandbox frame (admin-extensions.ts)
//   GET /admin-emulator/extension-frame?…      one admin UI extension's sandbox document
//   GET /admin-emulator/extensions/<handle>/<target>.js  its module, bundled
//   GET /store/<store>/…                       any other admin page (where shopify://admin links land)

export interface AdminUiContext {
  appUrl: string;
  appName: string;
  /** The app's handle (`shopify.app.toml`): app pages are at `/store/<store>/apps/<handle>`. */
  appHandle: string;
  /** The app's admin UI extension targets (`type = "ui_extension"`). */
  adminExtensions: AdminExtensionTarget[];
  hasShop(domain: string): boolean;
  sessionToken(domain: string, lifetimeSeconds: number): string;
  /** The shop's `shopify.app.extensions()` answer; null while that API is made to fail. */
  appExtensions(domain: string): unknown[] | null;
}

const TOKEN_LIFETIME_SECONDS = 60;

/** The `host` query parameter Shopify gives embedded apps: base64 of the admin URL of the store. */
export function adminHostParam(store: string): string {
  return Buffer.from(`admin.shopify.com/store/${store}`).toString("base64url");
}

/**
 * The URL the admin loads in the app's iframe: the app's URL with the admin path after
 * `/apps/<handle>` (and its query) appended, plus Shopify's parameters, the session token included.
 */
export function embeddedAppUrl(appUrl: string, shop: string, idToken: string, path = "/"): string {
  // Leading slashes collapsed: "//host" would be another origin, not a path of the app.
  const url = new URL(path.replace(/^\/+/, "/"), appUrl);
  if (url.origin !== new URL(appUrl).origin) throw new Error(`not a path of the app: ${path}`);
  url.searchParams.set("embedded", "1");
  url.searchParams.set("shop", shop);
  url.searchParams.set("host", adminHostParam(shop.replace(/\.myshopify\.com$/, "")));
  url.searchParams.set("id_token", idToken);
  return url.toString();
}

function adminPage(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Shopify admin (emulated)</title>
<style>body{margin:0;font:14px system-ui,sans-serif;background:#f1f1f1}header{background:#1a1a1a;color:#fff;padding:10px 16px}
iframe{border:0;width:100%;height:calc(100vh - 40px);display:block}main{padding:24px}</style></head>
<body><header>${escapeHtml(title)}</header>${body}</body></html>`;
}

/** Handles the admin UI paths; returns false for any other request. */
export function handleAdminUi(req: IncomingMessage, res: ServerResponse, url: URL, context: AdminUiContext): boolean {
  if (req.method !== "GET") return false;

  if (url.pathname === "/app-bridge.js") {
    // Loaded by the app's pages (another origin), some with crossorigin.
    res.writeHead(200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "no-store",
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Private-Network": "true",
    });
    res.end(APP_BRIDGE_SCRIPT);
    return true;
  }

  if (url.pathname === "/admin-emulator/session-token") {
    const shop = url.searchParams.get("shop") ?? "";
    // The app's frame is on another origin; the real App Bridge hands tokens over postMessage.
    const headers = {
      "Content-Type": "application/json",
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Private-Network": "true",
      "Cache-Control": "no-store",
    };
    if (!context.hasShop(shop)) {
      res.writeHead(404, headers).end(JSON.stringify({ error: "unknown shop" }));
      return true;
    }
    res.writeHead(200, headers).end(
      JSON.stringify({
        token: context.sessionToken(shop, TOKEN_LIFETIME_SECONDS),
        expiresIn: TOKEN_LIFETIME_SECONDS,
      }),
    );
    return true;
  }

  if (url.pathname === "/admin-emulator/app-extensions") {
    const shop = url.searchParams.get("shop") ?? "";
    const headers = {
      "Content-Type": "application/json",
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Private-Network": "true",
      "Cache-Control": "no-store",
    };
    const answer = context.hasShop(shop) ? context.appExtensions(shop) : undefined;
    if (answer === undefined) res.writeHead(404, headers).end(JSON.stringify({ error: "unknown shop" }));
    else if (answer === null) res.writeHead(503, headers).end(JSON.stringify({ error: "App API unavailable" }));
    else res.writeHead(200, headers).end(JSON.stringify(answer));
    return true;
  }

  const bundle = /^\/admin-emulator\/extensions\/([\w-]+)\/([\w.-]+)\.js$/.exec(url.pathname);
  if (bundle) {
    const extension = context.adminExtensions.find((e) => e.handle === bundle[1] && e.target === bundle[2]);
    if (!extension) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("Unknown extension target");
      return true;
    }
    bundleExtension(extension).then(
      (code) =>
        res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-store" }).end(code),
      (error: unknown) => res.writeHead(500, { "Content-Type": "text/plain" }).end(String(error)),
    );
    return true;
  }

  if (url.pathname === "/admin-emulator/extension-frame") {
    const shop = url.searchParams.get("shop") ?? "";
    const extension = context.adminExtensions.find(
      (e) => e.handle === url.searchParams.get("handle") && e.target === url.searchParams.get("target"),
    );
    const selected = url.searchParams.get("selected") ?? "";
    if (!context.hasShop(shop) || !extension || !/^gid:\/\/shopify\/\w+\/\d+$/.test(selected)) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("Unknown shop, extension or resource");
      return true;
    }
    const store = shop.replace(/\.myshopify\.com$/, "");
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end(
      extensionFrame({
        extension,
        shop,
        selected,
        appUrl: context.appUrl,
        appBase: `/store/${store}/apps/${context.appHandle}`,
      }),
    );
    return true;
  }

  const storePage = /^\/store\/([a-z0-9-]+)(\/.*)?$/.exec(url.pathname);
  if (storePage) {
    const shop = `${storePage[1]}.myshopify.com`;
    const rest = storePage[2] ?? "/";
    if (!context.hasShop(shop)) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("Unknown store");
      return true;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    const customer = /^\/customers\/(\d{1,18})$/.exec(rest);
    const appPage = /^\/apps\/([\w-]+)(\/.*)?$/.exec(rest);
    if (customer) {
      const selected = `gid://shopify/Customer/${customer[1]}`;
      const frames = context.adminExtensions
        .filter((e) => e.target === CUSTOMER_BLOCK_TARGET)
        .map((e) => ({
          name: e.name,
          src: `/admin-emulator/extension-frame?${new URLSearchParams({ shop, handle: e.handle, target: e.target, selected })}`,
        }));
      res.end(customerPage({ shop, customerId: selected, frames }));
    } else if (appPage) {
      const base = `/store/${storePage[1]}/apps/${appPage[1]}`;
      const src = embeddedAppUrl(
        context.appUrl,
        shop,
        context.sessionToken(shop, TOKEN_LIFETIME_SECONDS),
        (appPage[2] ?? "/") + url.search,
      );
      res.end(appAdminPage({ shop, appName: context.appName, base, src }));
    } else {
      res.end(
        adminPage(
          shop,
          `<main><h1>Shopify admin (emulated)</h1><p>This would be <code>${escapeHtml(rest)}</code> in the real admin.</p></main>`,
        ),
      );
    }
    return true;
  }
  return false;
}
