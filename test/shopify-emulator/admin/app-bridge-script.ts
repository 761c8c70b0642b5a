// The App Bridge stand-in the emulated admin serves at /app-bridge.js. It does, for this app,
// what Shopify's App Bridge does inside the admin iframe:
// - `shopify.idToken()`: a fresh session token, signed by the emulated admin (which holds the
//   app secret) for the frame's shop;
// - adds `Authorization: Bearer <token>` to the app's own fetch requests (how Remix data
//   requests authenticate) and retries once when the app asks for a new token;
// - the session-token bounce page (`/auth/session-token?shopify-reload=…`): reloads with `id_token`;
// - `shopify.app.extensions()`: theme app extension status from the emulator's per-shop state;
// - `shopify.toast.show`; `<ui-title-bar>`/`<ui-modal>` are inert; `shopify://admin/…` links
//   open the emulated admin;
// - talks to the admin page around the frame by postMessage (admin-page.ts): reports the
//   `<ui-nav-menu>` links, which the admin renders in its sidebar, and clicks the matching link
//   when the merchant picks one there; reports every history change of the frame, which the
//   admin mirrors in its own URL so a reload of the admin opens the same app page.
// It never touches sessionStorage, localStorage or cookies: in the admin's cross-site frame they
// throw when the browser blocks third-party storage, and Shopify's App Bridge works there.
// Written as plain browser JavaScript (a string), because it is served as is.

/** postMessage types between the stand-in (in the app's frame) and the emulated admin page. */
export const MESSAGES = {
  /** frame → admin: `{ path }`, the app's path, query and hash without Shopify's own parameters. */
  location: "emulated-app-bridge:location",
  /** frame → admin: `{ items: [{ label, href, home }] }`, the links of `<ui-nav-menu>`. */
  navMenu: "emulated-app-bridge:nav-menu",
  /** admin → frame: `{ href }`, a nav menu item the merchant clicked in the admin's sidebar. */
  navigate: "emulated-app-bridge:navigate",
} as const;

/** Query parameters the admin adds to the app's URL; they are not part of the app's path. */
export const SHOPIFY_PARAMS = ["embedded", "shop", "host", "id_token", "hmac", "locale", "session", "timestamp"];

export const APP_BRIDGE_SCRIPT = String.raw`(() => {
  const MESSAGES = ${JSON.stringify(MESSAGES)};
  const SHOPIFY_PARAMS = ${JSON.stringify(SHOPIFY_PARAMS)};
  const script = document.currentScript;
  const adminOrigin = new URL(script.src).origin;
  const apiKey = script.getAttribute("data-api-key") || "";
  const params = new URLSearchParams(location.search);
  // The admin opens every app document with shop and host in the URL; client-side navigations
  // keep this document, and with it these values. No storage: see above.
  const shop = params.get("shop") || "";
  const host = params.get("host") || "";
  const store = shop.replace(/\.myshopify\.com$/, "");
  const bouncePage = location.pathname.endsWith("/auth/session-token") && Boolean(params.get("shopify-reload"));

  // --- Session tokens and authenticated fetch ---

  let cached = null;
  async function idToken() {
    if (cached && cached.expires > Date.now() + 5000) return cached.token;
    if (!shop) throw new Error("emulated App Bridge: no shop in the URL this document was opened with");
    const response = await originalFetch(adminOrigin + "/admin-emulator/session-token?shop=" + encodeURIComponent(shop));
    if (!response.ok) throw new Error("emulated App Bridge: no session token for " + shop);
    const body = await response.json();
    cached = { token: body.token, expires: Date.now() + body.expiresIn * 1000 };
    return body.token;
  }

  const originalFetch = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url).origin !== location.origin) return originalFetch(request);
    const send = async () => {
      const authorised = request.clone();
      authorised.headers.set("Authorization", "Bearer " + (await idToken()));
      return originalFetch(authorised);
    };
    let response = await send();
    if (response.status === 401 && response.headers.get("X-Shopify-Retry-Invalid-Session-Request")) {
      cached = null;
      response = await send();
    }
    return response;
  };

  // --- Toasts ---

  function showToast(message, options) {
    let region = document.getElementById("emulated-toasts");
    if (!region) {
      region = document.createElement("div");
      region.id = "emulated-toasts";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      region.style.cssText = "position:fixed;bottom:16px;left:50%;transform:translateX(-50%);z-index:10000;display:flex;flex-direction:column;gap:8px";
      document.body.appendChild(region);
    }
    const toast = document.createElement("div");
    toast.className = "emulated-toast" + (options && options.isError ? " emulated-toast--error" : "");
    toast.textContent = message;
    toast.style.cssText = "background:" + (options && options.isError ? "#8e1f0b" : "#1a1a1a") + ";color:#fff;padding:10px 16px;border-radius:8px;font:14px sans-serif";
    region.appendChild(toast);
    setTimeout(() => toast.remove(), (options && options.duration) || 5000);
    return "toast-" + Date.now();
  }

  // --- The global shopify object ---

  window.shopify = {
    config: { apiKey, shop, host, locale: "en" },
    origin: adminOrigin,
    idToken,
    toast: { show: showToast, hide: () => {} },
    loading: () => {},
    modal: { show: async () => {}, hide: async () => {}, toggle: async () => {} },
    saveBar: { show: async () => {}, hide: async () => {}, toggle: async () => {}, leaveConfirmation: async () => {} },
    environment: { embedded: true, mobile: false, pos: false },
  };

  // shopify.app.extensions(): the app's theme app extension with its blocks/embeds and whether the
  // shop's published theme has them on, as the emulator holds them (emu.setThemeActivations).
  // Rejects, as App Bridge does, when the App API is unavailable (emu.faults.appBridge).
  window.shopify.app = {
    extensions: async () => {
      const response = await originalFetch(adminOrigin + "/admin-emulator/app-extensions?shop=" + encodeURIComponent(shop));
      if (!response.ok) throw new Error("emulated App Bridge: App API unavailable (" + response.status + ")");
      return response.json();
    },
  };

  // --- Bounce page: the app asked for a session token in the URL ---

  if (bouncePage) {
    idToken().then((token) => {
      const target = new URL(params.get("shopify-reload"), location.origin);
      target.searchParams.set("id_token", token);
      location.replace(target.toString());
    });
  }

  // --- The admin page around the frame ---

  const admin = window.top !== window ? window.parent : null;
  const toAdmin = (message) => admin && admin.postMessage(message, adminOrigin);

  let reportedMenu = "";
  function reportNavMenu() {
    const menu = document.querySelector("ui-nav-menu");
    const items = menu
      ? [...menu.querySelectorAll("a[href]")].map((a) => ({ label: a.textContent.trim(), href: a.getAttribute("href"), home: a.getAttribute("rel") === "home" }))
      : [];
    const json = JSON.stringify(items);
    if (json === reportedMenu) return;
    reportedMenu = json;
    toAdmin({ type: MESSAGES.navMenu, items });
  }
  document.addEventListener("DOMContentLoaded", reportNavMenu);

  // --- App Bridge elements ---

  // Hidden in the frame: the admin renders the nav menu in its sidebar. Styled through
  // an adopted stylesheet, so the DOM stays exactly as the server rendered it and React's
  // hydration of the whole document never sees a node it did not render.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync("ui-nav-menu,ui-title-bar,ui-modal,ui-save-bar{display:none}");
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  class NavMenu extends HTMLElement {
    connectedCallback() {
      // The parser (or React) adds the links after the element itself.
      this.observer = new MutationObserver(reportNavMenu);
      this.observer.observe(this, { childList: true, subtree: true, characterData: true, attributes: true });
      reportNavMenu();
    }
    disconnectedCallback() {
      if (this.observer) this.observer.disconnect();
      reportNavMenu();
    }
  }
  const elements = { "ui-nav-menu": NavMenu, "ui-title-bar": HTMLElement, "ui-modal": HTMLElement, "ui-save-bar": HTMLElement };
  for (const [name, base] of Object.entries(elements)) {
    if (!customElements.get(name)) customElements.define(name, base === HTMLElement ? class extends HTMLElement {} : base);
  }

  // shopify://admin/<path> → the emulated admin, in the top window (as App Bridge does).
  document.addEventListener("click", (event) => {
    const anchor = event.target instanceof Element ? event.target.closest("a[href^='shopify://admin']") : null;
    if (!anchor) return;
    event.preventDefault();
    const path = anchor.getAttribute("href").replace("shopify://admin", "");
    window.top.location.href = adminOrigin + "/store/" + store + path;
  }, true);

  // --- Navigation with the admin ---

  // The merchant picked an item in the admin's sidebar: click the app's own link, so the app's
  // router navigates inside the frame (a Remix <Link> handles the click without a page load).
  addEventListener("message", (event) => {
    if (event.source !== admin || event.origin !== adminOrigin || !event.data || event.data.type !== MESSAGES.navigate) return;
    const link = [...document.querySelectorAll("ui-nav-menu a[href]")].find((a) => a.getAttribute("href") === event.data.href);
    if (link) link.click();
    else console.warn("emulated App Bridge: no <ui-nav-menu> link to " + event.data.href);
  });

  // Every URL change of the frame goes to the admin: a new document, pushState/replaceState (the
  // app's router), popstate (back and forward). The bounce page is a step of a load, not a page.
  function reportLocation() {
    if (bouncePage) return;
    const query = new URLSearchParams(location.search);
    for (const name of SHOPIFY_PARAMS) query.delete(name);
    const search = query.toString();
    toAdmin({ type: MESSAGES.location, path: location.pathname + (search ? "?" + search : "") + location.hash });
  }
  for (const method of ["pushState", "replaceState"]) {
    const original = history[method];
    history[method] = function (...args) {
      const result = original.apply(this, args);
      reportLocation();
      return result;
    };
  }
  addEventListener("popstate", reportLocation);
  reportLocation();
})();
`;
