import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Frame, FrameLocator, Page } from "playwright-core";
import { setUpValidSession } from "@shopify/shopify-api/test-helpers";
import { sessionStorage } from "~/shopify.server";
import { startEmulator, type Emulator } from "../shopify-emulator";
import {
  buildApp,
  freePort,
  launchChromium,
  screenshot,
  seriousA11yViolations,
  serveApp,
  type ServedApp,
} from "../helpers/browser";
import { seedAnalysedShop } from "../helpers/seed-analysis";
import { uniqueShopDomain } from "../helpers/shops";

// The overview's storefront card in Chromium, inside the emulated admin: App Bridge's
// `shopify.app.extensions()` (answered by the emulator's stand-in from the shop's theme state)
// says whether the Segment banner embed is on and where the blocks are placed.

const NOW = new Date("2026-06-15T12:00:00Z");
const apiKey = process.env.SHOPIFY_API_KEY!;

let emu: Emulator;
let app: ServedApp;
let browser: Browser;
let page: Page;
let domain: string;

beforeAll(async () => {
  const appDir = buildApp();
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  emu = await startEmulator({ apiKey, apiSecret: process.env.SHOPIFY_API_SECRET!, appUrl });
  domain = uniqueShopDomain("theme");
  emu.addShop(domain, { customers: 0, seed: domain });
  await sessionStorage.storeSession(setUpValidSession({ shop: domain, expires: undefined, scope: process.env.SCOPES }));
  await seedAnalysedShop(domain, 60, NOW);
  app = await serveApp(appDir, port, {
    SHOPIFY_APP_URL: appUrl,
    SHOPIFY_ADMIN_ORIGIN: emu.origin,
    APP_BRIDGE_URL: `${emu.origin}/app-bridge.js`,
    SEGMENTS_NOW: NOW.toISOString(),
  });
  browser = await launchChromium();
  // Shopify's library answers bots with 410 Gone, and headless Chromium says "HeadlessChrome".
  const probe = await browser.newPage();
  const userAgent = (await probe.evaluate(() => navigator.userAgent)).replace("HeadlessChrome", "Chrome");
  await probe.close();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, userAgent })).newPage();
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (e) => console.log("[browser error]", e.message));
}, 180_000);

afterAll(async () => {
  if (process.env.UI_DEBUG) console.log(app?.output());
  await browser?.close();
  await app?.close();
  await emu?.close();
});

/** Opens the app's overview in the emulated admin; returns the app's frame once React has hydrated. */
async function openOverview(): Promise<{ frame: FrameLocator; appFrame: Frame }> {
  await page.goto(`${emu.origin}/store/${domain.replace(".myshopify.com", "")}/apps/segments`);
  const frame = page.frameLocator("iframe[title='Segments app']");
  await frame.getByRole("heading", { name: "Storefront" }).waitFor();
  const appFrame = page.frames().find((f) => f.url().startsWith(app.url))!;
  await appFrame.waitForFunction(() => "__remixRouter" in window && document.readyState === "complete");
  return { frame, appFrame };
}

async function expectAccessible(frame: Frame) {
  const violations = await seriousA11yViolations(frame);
  expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
}

const embedLink = () =>
  `https://${domain}/admin/themes/current/editor?context=apps&activateAppId=${apiKey}/segment-banner`;
const blockLink = (handle: string) =>
  `https://${domain}/admin/themes/current/editor?template=index&addAppBlockId=${apiKey}/${handle}&target=newAppsSection`;

describe("storefront card on the overview", () => {
  it("after install nothing is on: it says so and links to the theme editor to activate", async () => {
    const { frame, appFrame } = await openOverview();
    await frame.getByText("Segment banner is off: customers don't see segment banners yet.").waitFor();
    await frame.getByText("Segment content isn't in your published theme yet.").waitFor();
    await frame.getByText("Recommended for you isn't in your published theme yet.").waitFor();
    const activate = frame.getByRole("link", { name: "Activate Segment banner" });
    expect(await activate.getAttribute("href")).toBe(embedLink());
    expect(await activate.getAttribute("target")).toBe("_blank");
    expect(await frame.getByRole("link", { name: "Add the Segment content block" }).getAttribute("href")).toBe(
      blockLink("segment-content"),
    );
    expect(await frame.getByRole("link", { name: "Add the Recommended for you block" }).getAttribute("href")).toBe(
      blockLink("segment-recommendations"),
    );
    await screenshot(page, "theme-status-off");
    await expectAccessible(appFrame);
  });

  it("shows the embed on and the blocks placed, read again when the merchant comes back from the editor", async () => {
    const { frame, appFrame } = await openOverview();
    await frame.getByText("Segment banner is off: customers don't see segment banners yet.").waitFor();

    // The merchant activates in the theme editor's tab, then returns to the admin's.
    emu.setThemeActivations(domain, {
      embeds: ["segment-banner"],
      blocks: { "segment-content": ["index", "product"] },
    });
    await appFrame.evaluate(() => window.dispatchEvent(new Event("focus")));
    await frame.getByText("Segment banner is on in your published theme.").waitFor();
    await frame.getByText("Segment content is placed in 2 places.").waitFor();
    await frame.getByText("Recommended for you isn't in your published theme yet.").waitFor();
    expect(await frame.getByRole("link", { name: "Activate Segment banner" }).count()).toBe(0);
    expect(
      await frame.getByRole("link", { name: "Check Segment banner in the theme editor" }).getAttribute("href"),
    ).toBe(embedLink());

    // And on a fresh load of the page.
    const reloaded = await openOverview();
    await reloaded.frame.getByText("Segment banner is on in your published theme.").waitFor();
    await screenshot(page, "theme-status-on");
    await expectAccessible(reloaded.appFrame);
  });

  it("without App Bridge's App API it says it couldn't check, and still links to the editor", async () => {
    emu.faults.appBridge.extensionsUnavailable = true;
    try {
      const { frame, appFrame } = await openOverview();
      await frame
        .getByText("We couldn't check your theme from here. Open the theme editor to make sure Segment banner is on.")
        .waitFor();
      await frame.getByText("We couldn't check where Segment content is placed.").waitFor();
      expect(
        await frame.getByRole("link", { name: "Check Segment banner in the theme editor" }).getAttribute("href"),
      ).toBe(embedLink());
      await expectAccessible(appFrame);
    } finally {
      emu.faults.appBridge.extensionsUnavailable = false;
    }
  });
});
