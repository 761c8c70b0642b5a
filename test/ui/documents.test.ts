import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext } from "playwright-core";
import { setUpValidSession } from "@shopify/shopify-api/test-helpers";
import db from "~/db.server";
import { sessionStorage } from "~/shopify.server";
import { APP_BRIDGE_CDN_URL } from "~/shopify/app-bridge.server";
import { signSessionToken, startEmulator, type Emulator } from "../shopify-emulator";
import { adminHostParam } from "../shopify-emulator/admin/admin-ui";
import { buildApp, freePort, launchChromium, serveApp, type ServedApp } from "../helpers/browser";
import { seedAnalysedShop, type SeededShop } from "../helpers/seed-analysis";
import { uniqueShopDomain } from "../helpers/shops";

// The served HTML of every kind of document the app serves in the admin (App Store 2.2.3, Built
// for Shopify 3.1.1): app-bridge.js must be the first <script> in <head>, once, with the app's
// client id. Documents come from the production build under remix-serve, requested as the admin
// requests them (session token in the URL), and are parsed by Chromium's HTML parser with
// JavaScript off and every subresource blocked, so what is checked is the markup itself.

const NOW = new Date("2026-06-15T12:00:00Z");
const apiKey = process.env.SHOPIFY_API_KEY!;
const apiSecret = process.env.SHOPIFY_API_SECRET!;
// Shopify's library answers bots (headless Chromium included) with 410 Gone.
const BROWSER_UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

let emu: Emulator;
let app: ServedApp;
let production: ServedApp;
let browser: Browser;
let parser: BrowserContext;
let shop: SeededShop;
const ruleKey = "rule-big-spenders";

beforeAll(async () => {
  const appDir = buildApp();
  const [port, productionPort] = [await freePort(), await freePort()];
  emu = await startEmulator({ apiKey, apiSecret, appUrl: `http://127.0.0.1:${port}` });
  const domain = uniqueShopDomain("docs");
  emu.addShop(domain, { customers: 0, seed: domain });
  await sessionStorage.storeSession(setUpValidSession({ shop: domain, expires: undefined, scope: process.env.SCOPES }));
  shop = await seedAnalysedShop(domain, 40, NOW);
  await db.segment.create({
    data: {
      shopId: shop.shopId,
      key: ruleKey,
      kind: "RULE",
      name: "Big spenders",
      definition: { rule: { all: [{ field: "clv", op: ">", value: 100 }] } },
    },
  });
  [app, production] = await Promise.all([
    serveApp(appDir, port, {
      SHOPIFY_APP_URL: `http://127.0.0.1:${port}`,
      SHOPIFY_ADMIN_ORIGIN: emu.origin,
      APP_BRIDGE_URL: `${emu.origin}/app-bridge.js`,
      SEGMENTS_NOW: NOW.toISOString(),
    }),
    // The same build as in production: no emulator, so App Bridge must come from Shopify's CDN.
    serveApp(appDir, productionPort, {
      SHOPIFY_APP_URL: `http://127.0.0.1:${productionPort}`,
      SHOPIFY_ADMIN_ORIGIN: "",
      APP_BRIDGE_URL: "",
      SEGMENTS_NOW: NOW.toISOString(),
    }),
  ]);
  browser = await launchChromium();
  parser = await browser.newContext({ javaScriptEnabled: false });
  await parser.route("**/*", (route) => route.abort());
}, 180_000);

afterAll(async () => {
  if (process.env.UI_DEBUG) console.log(app?.output(), production?.output());
  await browser?.close();
  await Promise.all([app?.close(), production?.close()]);
  await emu?.close();
});

/** An app document as the admin's iframe requests it: shop, host and a fresh session token. */
async function adminDocument(
  server: ServedApp,
  path: string,
  options: { userAgent?: string; token?: boolean } = {},
): Promise<Response> {
  const url = new URL(path, server.url);
  url.searchParams.set("embedded", "1");
  url.searchParams.set("shop", shop.domain);
  url.searchParams.set("host", adminHostParam(shop.domain.replace(".myshopify.com", "")));
  if (options.token !== false)
    url.searchParams.set("id_token", signSessionToken({ shop: shop.domain, apiKey, apiSecret }));
  return fetch(url, { headers: { "User-Agent": options.userAgent ?? BROWSER_UA }, redirect: "manual" });
}

interface ParsedDocument {
  /** Every <script> in <head>, in order. */
  headScripts: { src: string | null; apiKey: string | null; async: boolean; defer: boolean; type: string }[];
  /** Whether the first <script> of the whole document is the first one of <head>. */
  firstScriptIsInHead: boolean;
  appBridgeTags: number;
  h1: string | null;
}

async function parse(html: string): Promise<ParsedDocument> {
  const page = await parser.newPage();
  try {
    await page.setContent(html, { waitUntil: "domcontentloaded" });
    return await page.evaluate(() => {
      const headScripts = [...document.head.querySelectorAll("script")];
      return {
        headScripts: headScripts.map((s) => ({
          src: s.getAttribute("src"),
          apiKey: s.getAttribute("data-api-key"),
          async: s.async,
          defer: s.defer,
          type: s.type,
        })),
        firstScriptIsInHead: document.scripts.length > 0 && document.scripts[0] === headScripts[0],
        appBridgeTags: [...document.scripts].filter((s) => /\/app-bridge\.js$/.test(s.getAttribute("src") ?? ""))
          .length,
        h1: document.querySelector("h1")?.textContent ?? null,
      };
    });
  } finally {
    await page.close();
  }
}

function expectAppBridgeFirst(doc: ParsedDocument, src: string) {
  expect(doc.headScripts.length).toBeGreaterThan(0);
  // Synchronous, classic, from the right place, with the app's client id: what App Bridge checks.
  expect(doc.headScripts[0]).toEqual({ src, apiKey, async: false, defer: false, type: "" });
  expect(doc.firstScriptIsInHead).toBe(true);
  expect(doc.appBridgeTags).toBe(1);
}

describe("app-bridge.js is the first script in <head> of every document", () => {
  const emulated = () => `${emu.origin}/app-bridge.js`;
  const pages: [string, () => string, number, string][] = [
    ["overview", () => "/app", 200, "Overview"],
    ["segments", () => "/app/segments", 200, "Segments"],
    ["a segment", () => "/app/segments/rfm-champions", 200, "Champions"],
    ["a customer", () => `/app/customers/${shop.firstCustomerId}`, 200, "Customer No1"],
    ["cohorts", () => "/app/cohorts", 200, "Cohorts"],
    ["results", () => "/app/results", 200, "Results"],
    ["a new rule segment", () => "/app/rules/new", 200, "New rule segment"],
    ["a rule segment", () => `/app/rules/${ruleKey}`, 200, "Big spenders"],
    ["settings", () => "/app/settings", 200, "Settings"],
    ["a segment of no such key (route error page)", () => "/app/segments/no-such-segment", 404, "Not found"],
    ["a customer of no such id (route error page)", () => "/app/customers/999999999999", 404, "Not found"],
    ["an unknown admin path (not-found page)", () => "/app/no-such-page", 404, "Not found"],
  ];

  for (const [name, path, status, heading] of pages) {
    it(name, async () => {
      const response = await adminDocument(app, path());
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toContain("text/html");
      const doc = await parse(await response.text());
      // The page itself, not a redirect or a bare error document.
      expect(doc.h1).toContain(heading);
      expectAppBridgeFirst(doc, emulated());
    });
  }

  it("the session-token bounce page (a document request without id_token)", async () => {
    const first = await adminDocument(app, "/app/segments", { token: false });
    expect(first.status).toBe(302);
    const bounce = new URL(first.headers.get("location")!, app.url);
    expect(bounce.pathname).toBe("/auth/session-token");
    expect(bounce.searchParams.get("shopify-reload")).toContain("/app/segments");
    const response = await fetch(bounce, { headers: { "User-Agent": BROWSER_UA }, redirect: "manual" });
    expect(response.status).toBe(200);
    expectAppBridgeFirst(await parse(await response.text()), emulated());
  });

  it("the layout's Shopify boundary page (Shopify's library turns a bot away with 410)", async () => {
    const response = await adminDocument(app, "/app", { userAgent: "Googlebot/2.1 (+http://www.google.com/bot.html)" });
    expect(response.status).toBe(410);
    const doc = await parse(await response.text());
    expect(doc.h1).toBeNull();
    expectAppBridgeFirst(doc, emulated());
  });

  it("in production the tag loads Shopify's CDN script, on app pages and the bounce page", async () => {
    const overview = await adminDocument(production, "/app");
    expect(overview.status).toBe(200);
    const doc = await parse(await overview.text());
    expect(doc.h1).toContain("Overview");
    expectAppBridgeFirst(doc, APP_BRIDGE_CDN_URL);

    const first = await adminDocument(production, "/app", { token: false });
    expect(first.status).toBe(302);
    const bounce = await fetch(new URL(first.headers.get("location")!, production.url), {
      headers: { "User-Agent": BROWSER_UA },
    });
    expectAppBridgeFirst(await parse(await bounce.text()), APP_BRIDGE_CDN_URL);
  });

  it("pages outside the admin (the login form) carry no App Bridge", async () => {
    const response = await fetch(new URL("/auth/login", app.url), { headers: { "User-Agent": BROWSER_UA } });
    expect(response.status).toBe(200);
    const doc = await parse(await response.text());
    expect(doc.appBridgeTags).toBe(0);
  });
});
