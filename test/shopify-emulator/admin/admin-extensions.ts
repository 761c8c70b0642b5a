import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { parseToml } from "../app-config";
import { escapeHtml } from "./admin-page";

// The app's admin UI extensions in the emulated admin: its customer page shows the blocks that
// target `admin.customer-details.block.render`, each in a frame of its own (Shopify runs each
// extension in its own sandbox, whose `document.body` is the block). The frame provides what
// Shopify's sandbox provides: the `shopify` global (`data.selected`, `extension.target`), a
// `fetch` that resolves relative URLs against the app's URL and adds the admin's session token
// to requests to the app, and `app:` links that open the app's page in the admin. Its origin is
// the emulator's, which the app allows as the extension origin while SHOPIFY_ADMIN_ORIGIN names
// it. The extension's module is bundled with esbuild, as Shopify CLI does, on first request.

export const CUSTOMER_BLOCK_TARGET = "admin.customer-details.block.render";

export interface AdminExtensionTarget {
  handle: string;
  name: string;
  target: string;
  /** Absolute path of the target's module. */
  module: string;
}

export function readAdminExtensions(appRoot: string): AdminExtensionTarget[] {
  const dir = path.join(appRoot, "extensions");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, "shopify.extension.toml")))
    .flatMap((entry) => {
      const root = path.join(dir, entry.name);
      const toml = parseToml(readFileSync(path.join(root, "shopify.extension.toml"), "utf8"));
      const extensions = (Array.isArray(toml.extensions) ? toml.extensions : []) as Record<string, unknown>[];
      return extensions
        .filter((extension) => extension.type === "ui_extension")
        .flatMap((extension) =>
          ((extension.targeting ?? []) as Record<string, unknown>[]).map((targeting) => ({
            handle: String(extension.handle),
            name: String(extension.name ?? extension.handle),
            target: String(targeting.target),
            module: path.resolve(root, String(targeting.module)),
          })),
        );
    });
}

const bundles = new Map<string, Promise<string>>();

/** The target's module as one ES module (Preact included), built once per process. */
export function bundleExtension(extension: AdminExtensionTarget): Promise<string> {
  let bundle = bundles.get(extension.module);
  if (!bundle) {
    bundle = import("esbuild").then(async ({ build }) => {
      const result = await build({
        entryPoints: [extension.module],
        bundle: true,
        write: false,
        format: "esm",
        target: "es2020",
        jsx: "automatic",
        jsxImportSource: "preact",
        logLevel: "silent",
      });
      return result.outputFiles[0].text;
    });
    bundle.catch(() => bundles.delete(extension.module));
    bundles.set(extension.module, bundle);
  }
  return bundle;
}

/** Polaris web components drawn roughly as the admin draws them, so the demo reads like the admin. */
const FRAME_STYLE = `body{margin:0;font:13px/1.45 system-ui,sans-serif;color:#303030}
s-admin-block{display:block;padding:12px 16px}
s-admin-block::before{content:attr(heading);display:block;font-weight:650;font-size:14px;margin-bottom:10px}
s-stack{display:flex;flex-direction:column;gap:12px}
s-stack[direction=inline]{flex-direction:row;flex-wrap:wrap;gap:6px}
s-stack[gap=none]{gap:0}
s-text,s-paragraph{display:block}
s-paragraph{margin:0}
s-text[type=strong]{font-weight:650}
[color=subdued]{color:#616161}
s-badge{display:inline-block;padding:2px 8px;border-radius:8px;background:#e0f0ff;font-size:12px}
s-badge[tone=neutral]{background:#e3e3e3}
s-banner{display:block;padding:8px 12px;border-radius:8px;background:#fee9e8}
s-link{color:#005bd3;text-decoration:underline;cursor:pointer}
s-spinner::before{content:"Loading…";color:#616161}`;

export interface ExtensionFrameOptions {
  extension: AdminExtensionTarget;
  shop: string;
  /** `/store/<store>/apps/<app handle>`: where `app:` links lead. */
  appBase: string;
  appUrl: string;
  /** The resource the page shows, e.g. `gid://shopify/Customer/1`. */
  selected: string;
}

/** The sandbox of one extension target: its document renders the block. */
export function extensionFrame(options: ExtensionFrameOptions): string {
  const config = {
    shop: options.shop,
    appUrl: options.appUrl,
    appBase: options.appBase,
    target: options.extension.target,
    selected: options.selected,
    module: `/admin-emulator/extensions/${encodeURIComponent(options.extension.handle)}/${encodeURIComponent(options.extension.target)}.js`,
  };
  const script = String.raw`
const config = ${JSON.stringify(config).replace(/</g, "\\u003c")};
const nativeFetch = window.fetch.bind(window);
const appOrigin = new URL(config.appUrl).origin;
// Shopify's sandbox: relative URLs go to the app, and requests to the app carry a session token.
window.fetch = async (input, init = {}) => {
  const url = new URL(typeof input === "string" || input instanceof URL ? String(input) : input.url, config.appUrl);
  const headers = new Headers(init.headers);
  if (url.origin === appOrigin) {
    const answer = await nativeFetch("/admin-emulator/session-token?shop=" + encodeURIComponent(config.shop));
    headers.set("Authorization", "Bearer " + (await answer.json()).token);
  }
  return nativeFetch(url.toString(), { ...init, headers });
};
window.shopify = { extension: { target: config.target }, data: { selected: [{ id: config.selected }] } };
// app: links open the app's page in the admin.
document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("s-link") : null;
  const href = link && link.getAttribute("href");
  if (!href || !href.startsWith("app:")) return;
  event.preventDefault();
  window.top.location.href = config.appBase + "/" + href.slice(4).replace(/^\/+/, "");
});
const { default: run } = await import(config.module);
await run();`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(options.extension.name)}</title>
<style>${FRAME_STYLE}</style></head><body><script type="module">${script}</script></body></html>`;
}

export interface CustomerPageOptions {
  shop: string;
  customerId: string;
  frames: { name: string; src: string }[];
}

/** The admin's customer page: the customer's own details would be here; the app blocks below them. */
export function customerPage({ shop, customerId, frames }: CustomerPageOptions): string {
  const blocks = frames
    .map(
      (frame) =>
        `<section class="block"><iframe title="${escapeHtml(frame.name)}" src="${escapeHtml(frame.src)}"></iframe></section>`,
    )
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Customer · ${escapeHtml(shop)} · Shopify admin (emulated)</title>
<style>body{margin:0;font:14px system-ui,sans-serif;background:#f1f1f1;color:#303030}
header{background:#1a1a1a;color:#fff;padding:0 16px;height:40px;line-height:40px}
main{max-width:640px;margin:24px auto;display:flex;flex-direction:column;gap:16px}
.card,.block{background:#fff;border-radius:12px;box-shadow:0 1px 0 #0000001a}
.card{padding:16px}.block iframe{display:block;border:0;width:100%;height:640px;border-radius:12px}</style></head>
<body><header>${escapeHtml(shop)}</header><main>
<section class="card"><h1 style="margin:0 0 4px;font-size:20px">Customer ${escapeHtml(customerId)}</h1>
<p style="margin:0;color:#616161">The customer's details, orders and timeline would be here in the real admin.</p></section>
${blocks || `<p>No app blocks for this page.</p>`}</main></body></html>`;
}
