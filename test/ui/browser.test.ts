import { appNow } from "~/clock.server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Frame, Page } from "playwright-core";
import { setUpValidSession } from "@shopify/shopify-api/test-helpers";
import db from "~/db.server";
import { sessionStorage } from "~/shopify.server";
import { shopSettings } from "~/settings";
import { startEmulator, type Emulator } from "../shopify-emulator";
import { adminHostParam } from "../shopify-emulator/admin/admin-ui";
import { buildApp, freePort, launchChromium, screenshot, seriousA11yViolations, serveApp, type ServedApp } from "../helpers/browser";
import { seedAnalysedShop, type SeededShop } from "../helpers/seed-analysis";
import { uniqueShopDomain } from "../helpers/shops";

// The admin UI in a real browser: production build served by remix-serve, embedded in the
// emulated Shopify admin with its App Bridge stand-in, authenticated by real session tokens.

let emu: Emulator;
let app: ServedApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let shop: SeededShop;

beforeAll(async () => {
  const appDir = buildApp();
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  emu = await startEmulator({ apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET!, appUrl });
  const domain = uniqueShopDomain("browser");
  emu.addShop(domain, { customers: 0, seed: domain });
  // The app is installed: its offline session is stored, so no token exchange is needed.
  await sessionStorage.storeSession(setUpValidSession({ shop: domain, expires: undefined, scope: process.env.SCOPES }));
  shop = await seedAnalysedShop(domain, 120, appNow());
  app = await serveApp(appDir, port, {
    SHOPIFY_APP_URL: appUrl,
    SHOPIFY_ADMIN_ORIGIN: emu.origin,
    APP_BRIDGE_URL: `${emu.origin}/app-bridge.js`,
  });
  browser = await launchChromium();
  // Shopify's library answers bots with 410 Gone, and headless Chromium says "HeadlessChrome".
  const userAgent = (await browser.newContext().then(async (c) => {
    const ua = await (await c.newPage()).evaluate(() => navigator.userAgent);
    await c.close();
    return ua;
  })).replace("HeadlessChrome", "Chrome");
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, userAgent });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (e) => console.log("[browser error]", e.message));
}, 120_000);

afterAll(async () => {
  if (process.env.UI_DEBUG) console.log(app?.output());
  await browser?.close();
  await app?.close();
  await emu?.close();
});

const store = () => shop.domain.replace(".myshopify.com", "");

/** Opens an app path top-level, as the admin would after a reload: the bounce page fetches the token. */
async function openApp(path: string): Promise<Frame> {
  const url = new URL(path, app.url);
  url.searchParams.set("embedded", "1");
  url.searchParams.set("shop", shop.domain);
  url.searchParams.set("host", adminHostParam(store()));
  await page.goto(url.toString());
  await page.waitForURL((u) => u.pathname === path.split("?")[0] && u.searchParams.has("id_token"));
  await hydrated(page.mainFrame());
  return page.mainFrame();
}

/**
 * Waits until React has hydrated the page: typing into a controlled input or clicking a link
 * before that is lost (the input is reset, the link does a full page load).
 */
async function hydrated(frame: Frame) {
  await frame.waitForFunction(() => "__remixRouter" in window && document.readyState === "complete");
  await frame.evaluate(
    () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 50)))),
  );
}

async function expectAccessible(frame: Frame) {
  const violations = await seriousA11yViolations(frame);
  expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
}

describe("admin UI in Chromium", () => {
  it("opens the overview inside the emulated admin", async () => {
    await page.goto(`${emu.origin}/store/${store()}/apps/segments`);
    const frame = page.frameLocator("iframe[title='Segments app']");
    await frame.getByText("Segments ready: 120 customers scored").waitFor();
    await frame.getByRole("heading", { name: "RFM grid" }).waitFor();
    await screenshot(page, "overview");
    const appFrame = page.frames().find((f) => f.url().startsWith(app.url))!;
    await hydrated(appFrame);
    await expectAccessible(appFrame);

    // The nav menu navigates inside the frame (Remix data requests carry the session token).
    await frame.locator("ui-nav-menu").getByRole("link", { name: "Segments" }).click();
    await frame.getByRole("heading", { name: "Segments", level: 1 }).waitFor();
    await frame.getByText("seg:rfm-champions").waitFor();
  });

  it("shows a segment with its members, pages on, and opens a customer", async () => {
    const frame = await openApp("/app/segments");
    await frame.getByRole("link", { name: "Champions" }).first().click();
    await frame.getByRole("heading", { name: "Who is in it" }).waitFor();
    await frame.getByText("Bought recently, buy often and spend the most").waitFor();
    const members = await db.membership.count({ where: { shopId: shop.shopId, segmentKey: "rfm-champions" } });
    expect(await frame.locator("tbody tr").count()).toBe(Math.min(25, members));
    await frame.getByText("Open the theme editor").waitFor();
    await screenshot(page, "segment");
    await expectAccessible(frame);

    await frame.locator("tbody tr").first().getByRole("link").click();
    await frame.getByRole("heading", { name: "Why here" }).waitFor();
    await frame.getByText(/Ordered \d times, last \d+ days ago/).waitFor();
    await screenshot(page, "customer");
    await expectAccessible(frame);
  });

  it("changes a setting and confirms with a toast", async () => {
    const frame = await openApp("/app/settings");
    const prefix = frame.getByLabel("Segment tag prefix");
    await prefix.fill("vip:");
    await frame.getByRole("button", { name: "Save" }).click();
    await frame.locator(".emulated-toast", { hasText: "Settings saved" }).waitFor();
    await screenshot(page, "settings");
    const stored = shopSettings((await db.shop.findUniqueOrThrow({ where: { id: shop.shopId } })).settings);
    expect(stored.tagPrefix).toBe("vip:");

    await frame.getByLabel("Fewest clusters").fill("9");
    await frame.getByRole("button", { name: "Save" }).click();
    await frame.getByText("Must be at least the minimum number of clusters").waitFor();
    await expectAccessible(frame);
  });

  it("builds a rule segment with a live count and saves it", async () => {
    const frame = await openApp("/app/rules/new");
    await frame.getByLabel("Segment name").fill("High value");
    await frame.getByLabel("Value").fill("600");
    const expected = await db.customerScore.count({ where: { shopId: shop.shopId, clv: { gt: 600 } } });
    await frame.getByText(`${expected} customers match`).waitFor().catch(async (e) => {
      await screenshot(page, "rule-builder-failed");
      throw e;
    });
    await frame.getByText("Customers who predicted lifetime value over 600.").waitFor();
    await screenshot(page, "rule-builder");
    await expectAccessible(frame);

    await frame.getByRole("button", { name: "Save segment" }).click();
    await frame.getByRole("heading", { name: "High value", level: 1 }).waitFor().catch(async (e) => {
      await screenshot(page, "rule-save-failed");
      throw e;
    });
    await frame.getByText("Customers who predicted lifetime value over 600.").waitFor();
    const saved = await db.segment.findUniqueOrThrow({ where: { shopId_key: { shopId: shop.shopId, key: "rule-high-value" } } });
    expect(saved.definition).toEqual({ rule: { all: [{ field: "clv", op: ">", value: 600 }] } });
  });

  it("shows cohorts in both modes", async () => {
    const frame = await openApp("/app/cohorts");
    await frame.getByRole("columnheader", { name: "Month 0" }).waitFor();
    await frame.getByRole("tab", { name: "Revenue" }).click();
    await frame.getByText(/Net revenue \(USD\)/).waitFor();
    await screenshot(page, "cohorts");
    await expectAccessible(frame);
  });
});
