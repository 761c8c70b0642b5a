import { MESSAGES } from "./app-bridge-script";

// The emulated admin's page for an embedded app, as Shopify's admin lays it out: a sidebar with
// the app's name and its nav menu, and the app in an iframe beside it. What the admin knows of
// the app it learns from App Bridge in the frame (app-bridge-script.ts), over postMessage:
// - the `<ui-nav-menu>` links, rendered here (the link with rel="home" is the app's name);
//   a click asks the frame to follow the app's own link, so the app navigates client-side;
// - every location of the frame, mirrored in this page's URL (`<admin base>/<app path>`) with
//   replaceState: the frame's pushState already made the history entry, so back and forward
//   walk the app's pages, and a reload of this URL opens the same app page (admin-ui.ts).

export interface AppAdminPage {
  shop: string;
  appName: string;
  /** `/store/<store>/apps/<handle>`: admin URLs of app pages are this plus the app's path. */
  base: string;
  /** The iframe's URL: the app's URL with the app path, embedded=1, shop, host, id_token. */
  src: string;
}

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `body{margin:0;font:14px system-ui,sans-serif;background:#f1f1f1;color:#303030}
.topbar{background:#1a1a1a;color:#fff;padding:0 16px;height:40px;line-height:40px}
.layout{display:flex;height:calc(100vh - 40px)}
.sidebar{flex:none;width:220px;box-sizing:border-box;padding:12px 8px;background:#ebebeb;overflow-y:auto}
.sidebar h2{margin:0;padding:4px 10px 8px;font-size:12px;font-weight:600;color:#616161}
.sidebar a{display:block;padding:6px 10px;border-radius:8px;color:#303030;text-decoration:none}
.sidebar a:hover{background:#e3e3e3}
.sidebar a[aria-current=page]{background:#fff;font-weight:600}
.sidebar a:focus-visible{outline:2px solid #005bd3;outline-offset:1px}
.sidebar ul{list-style:none;margin:2px 0 0;padding:0 0 0 12px;display:flex;flex-direction:column;gap:2px}
main{flex:1;min-width:0}
iframe{display:block;border:0;width:100%;height:100%}`;

// Plain browser JavaScript, inlined into the page. Messages count only from the app's frame and
// origin; messages to the frame name the app's origin.
const SCRIPT = String.raw`(() => {
  const MESSAGES = ${JSON.stringify(MESSAGES)};
  const frame = document.getElementById("app-frame");
  const appOrigin = new URL(frame.src).origin;
  const base = document.body.dataset.appBase;
  const home = document.getElementById("app-home");
  const list = document.getElementById("app-nav");
  let items = [];
  let current = null;

  const pathname = (path) => path.split(/[?#]/)[0];
  const within = (href, path) => path === href || path.startsWith(href.endsWith("/") ? href : href + "/");

  // The current item: the longest link the app's path starts with (the app's name when that is home).
  function markCurrent() {
    const path = current === null ? null : pathname(current);
    const best = path === null ? undefined : items.filter((item) => within(pathname(item.href), path)).sort((a, b) => b.href.length - a.href.length)[0];
    const mark = (link, on) => (on ? link.setAttribute("aria-current", "page") : link.removeAttribute("aria-current"));
    mark(home, Boolean(best && best.home));
    for (const link of list.querySelectorAll("a")) mark(link, Boolean(best && !best.home && link.dataset.appHref === best.href));
  }

  function render() {
    list.replaceChildren(...items.filter((item) => !item.home).map((item) => {
      const link = document.createElement("a");
      link.href = base + item.href;
      link.dataset.appHref = item.href;
      link.textContent = item.label;
      const li = document.createElement("li");
      li.append(link);
      return li;
    }));
    markCurrent();
  }

  // A plain click navigates the app inside the frame; modified clicks open the admin URL as links do.
  document.querySelector(".sidebar").addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a") : null;
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const homeItem = items.find((item) => item.home);
    const href = link === home ? homeItem && homeItem.href : link.dataset.appHref;
    if (!href) return;
    event.preventDefault();
    frame.contentWindow.postMessage({ type: MESSAGES.navigate, href }, appOrigin);
  });

  addEventListener("message", (event) => {
    if (event.source !== frame.contentWindow || event.origin !== appOrigin || !event.data) return;
    const data = event.data;
    if (data.type === MESSAGES.location && typeof data.path === "string" && /^\/(?!\/)/.test(data.path)) {
      current = data.path;
      history.replaceState(history.state, "", base + data.path);
      markCurrent();
    } else if (data.type === MESSAGES.navMenu && Array.isArray(data.items)) {
      items = data.items.filter((item) => item && typeof item.label === "string" && typeof item.href === "string" && item.href.startsWith("/"));
      render();
    }
  });
})();`;

export function appAdminPage({ shop, appName, base, src }: AppAdminPage): string {
  const name = escapeHtml(appName);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${name} · ${escapeHtml(shop)} · Shopify admin (emulated)</title>
<style>${STYLE}</style></head>
<body data-app-base="${escapeHtml(base)}"><header class="topbar">${escapeHtml(shop)}</header>
<div class="layout">
<nav class="sidebar" aria-label="Apps"><h2>Apps</h2><a id="app-home" href="${escapeHtml(base)}">${name}</a><ul id="app-nav"></ul></nav>
<main><iframe id="app-frame" title="${name} app" src="${escapeHtml(src)}"></iframe></main>
</div>
<script>${SCRIPT}</script>
</body></html>`;
}
