// The App Bridge stand-in the emulated admin serves at /app-bridge.js. It does, for this app,
// what Shopify's App Bridge does inside the admin iframe:
// - `shopify.idToken()`: a fresh session token, signed by the emulated admin (which holds the
//   app secret) for the frame's shop;
// - adds `Authorization: Bearer <token>` to the app's own fetch requests (how Remix data
//   requests authenticate) and retries once when the app asks for a new token;
// - the session-token bounce page (`/auth/session-token?shopify-reload=…`): reloads with `id_token`;
// - `shopify.app.extensions()`: theme app extension status from the emulator's per-shop state;
// - `shopify.toast.show`, and `<ui-nav-menu>` rendered as a plain nav so a browser can navigate;
//   `<ui-title-bar>`/`<ui-modal>` are inert; `shopify://admin/…` links open the emulated admin.
// Written as plain browser JavaScript (a string), because it is served as is.

export const APP_BRIDGE_SCRIPT = String.raw`(() => {
  const script = document.currentScript;
  const adminOrigin = new URL(script.src).origin;
  const apiKey = script.getAttribute("data-api-key") || "";
  const params = new URLSearchParams(location.search);
  const shop = params.get("shop") || sessionStorage.getItem("emulated-app-bridge:shop") || "";
  const host = params.get("host") || sessionStorage.getItem("emulated-app-bridge:host") || "";
  if (shop) sessionStorage.setItem("emulated-app-bridge:shop", shop);
  if (host) sessionStorage.setItem("emulated-app-bridge:host", host);
  const store = shop.replace(/\.myshopify\.com$/, "");

  let cached = null;
  async function idToken() {
    if (cached && cached.expires > Date.now() + 5000) return cached.token;
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

  // Bounce page: the app asked for a session token in the URL.
  if (location.pathname.endsWith("/auth/session-token") && params.get("shopify-reload")) {
    idToken().then((token) => {
      const target = new URL(params.get("shopify-reload"), location.origin);
      target.searchParams.set("id_token", token);
      location.replace(target.toString());
    });
  }

  // Styled through an adopted stylesheet: the DOM stays exactly as the server rendered it, so
  // React's hydration of the whole document never sees a node it did not render.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync("ui-nav-menu{display:flex;gap:16px;padding:8px 16px;background:#ebebeb;font:14px sans-serif}" +
    "ui-title-bar,ui-modal,ui-save-bar{display:none}");
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  for (const name of ["ui-nav-menu", "ui-title-bar", "ui-modal", "ui-save-bar"]) {
    if (!customElements.get(name)) customElements.define(name, class extends HTMLElement {});
  }

  // shopify://admin/<path> → the emulated admin, in the top window (as App Bridge does).
  document.addEventListener("click", (event) => {
    const anchor = event.target instanceof Element ? event.target.closest("a[href^='shopify://admin']") : null;
    if (!anchor) return;
    event.preventDefault();
    const path = anchor.getAttribute("href").replace("shopify://admin", "");
    window.top.location.href = adminOrigin + "/store/" + store + path;
  }, true);
})();
`;
