import { readFile } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Frame, FrameLocator, Locator, Page } from "playwright-core";
import { setUpValidSession } from "@shopify/shopify-api/test-helpers";
import db from "~/db.server";
import { Prisma } from "~/generated/prisma/client";
import { ruleSql } from "~/admin/rule-segments.server";
import type { Rule } from "~/segmentation/rules";
import { sessionStorage } from "~/shopify.server";
import { shopSettings } from "~/settings";
import { MEMBER_CSV_COLUMNS } from "~/admin/export.server";
import { KPI_CSV_COLUMNS } from "~/admin/kpis.server";
import { startEmulator, type Emulator } from "../shopify-emulator";
import {
  buildApp,
  freePort,
  launchWithoutThirdPartyStorage,
  screenshot,
  seriousA11yViolations,
  serveApp,
  type BlockedStorageBrowser,
  type ServedApp,
} from "../helpers/browser";
import { seedAnalysedShop, type SeededShop } from "../helpers/seed-analysis";
import { seedMeasuredLiftShop, type MeasuredLiftShop } from "../helpers/measured-lift-shop";
import { uniqueShopDomain } from "../helpers/shops";

// The admin UI as a merchant uses it: the production build (remix-serve) inside the emulated
// Shopify admin, reached only by clicking — the admin's sidebar (the app's nav menu) and links
// inside the app's frame — plus back, forward and reload. The admin (localhost) and the app
// (127.0.0.1) are different sites, and Chromium blocks third-party cookies and storage, as for
// a merchant with strict privacy settings: App Store requirement 1.1.1.

const NOW = new Date("2026-06-15T12:00:00Z");
/** When the app's clock (and the emulated world's) reads NOW; from then on both run in real time. */
const NOW_SET_AT = Date.now();

let emu: Emulator;
let app: ServedApp;
let chromium: BlockedStorageBrowser;
let page: Page;
let shop: SeededShop;
/** A second installed shop whose lift the compute has measured (control share 0.3). */
const measuredDomain = uniqueShopDomain("browser-lift");
let measured: MeasuredLiftShop;
/** Uncaught exceptions in the admin page or the app's frame, collected as they happen. */
const problems: string[] = [];

beforeAll(async () => {
  const appDir = buildApp();
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  // The emulated admin (and Admin API) at http://localhost:<port>: another site than the app.
  // It is SHOPIFY_ADMIN_ORIGIN, so the app's CSP frame-ancestors name exactly that origin.
  emu = await startEmulator({
    apiKey: process.env.SHOPIFY_API_KEY!,
    apiSecret: process.env.SHOPIFY_API_SECRET!,
    appUrl,
    publicHost: "localhost",
    clock: () => NOW.getTime() + (Date.now() - NOW_SET_AT),
  });
  const domain = uniqueShopDomain("browser");
  emu.addShop(domain, { customers: 0, seed: domain });
  // The app is installed: its offline session is stored, so no token exchange is needed.
  await sessionStorage.storeSession(setUpValidSession({ shop: domain, expires: undefined, scope: process.env.SCOPES }));
  shop = await seedAnalysedShop(domain, 120, NOW);
  // Segment health in view: a minimum size of 20 puts the RFM segments (about 11 each) below it
  // and the lifecycle stages (24 each) above; "Active" half its size in the previous run raises
  // the overview's size-shift banner.
  await db.shop.update({ where: { id: shop.shopId }, data: { settings: { minSegmentCustomers: 20 } } });
  await db.segmentSnapshot.updateMany({
    where: { shopId: shop.shopId, segmentKey: "lifecycle-active", runId: { not: shop.computeRunId } },
    data: { size: 12 },
  });
  emu.addShop(measuredDomain, { customers: 0, seed: measuredDomain });
  await sessionStorage.storeSession(
    setUpValidSession({ shop: measuredDomain, expires: undefined, scope: process.env.SCOPES }),
  );
  measured = await seedMeasuredLiftShop(measuredDomain, {
    t0: new Date(NOW.getTime() - 100 * 86_400_000),
    controlShare: 0.3,
    seed: "browser-lift",
  });
  app = await serveApp(appDir, port, {
    SHOPIFY_APP_URL: appUrl,
    SHOPIFY_ADMIN_ORIGIN: emu.origin,
    SEGMENTS_NOW: NOW.toISOString(),
    SEGMENTS_NOW_SET_AT: String(NOW_SET_AT),
  });
  chromium = await launchWithoutThirdPartyStorage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (error) => problems.push(`uncaught exception: ${error.stack ?? error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && /^Uncaught\b|SecurityError/.test(message.text()))
      problems.push(`console error: ${message.text()}`);
  });
}, 120_000);

afterEach(() => {
  const seen = problems.splice(0);
  expect(seen, seen.join("\n")).toEqual([]);
});

afterAll(async () => {
  if (process.env.UI_DEBUG) console.log(app?.output());
  await chromium?.close();
  await app?.close();
  await emu?.close();
});

/** The admin URL of the app's home; an app page's admin URL is this plus the app's path. */
const adminBaseOf = (domain: string) => `${emu.origin}/store/${domain.replace(".myshopify.com", "")}/apps/segments`;
const adminBase = () => adminBaseOf(shop.domain);

const frame = (): FrameLocator => page.frameLocator("#app-frame");
/** Rows of the segment page's members table (the page has other tables). */
const memberRows = (): Locator => frame().locator(".Polaris-IndexTable__Table tbody tr");
const sidebar = (): Locator => page.getByRole("navigation", { name: "Apps" });
/** An item of the app's nav menu in the admin's sidebar (the app's name, Segments, is the home link above them). */
const navItem = (name: string): Locator => sidebar().getByRole("list").getByRole("link", { name, exact: true });

/** The app's frame as a playwright Frame (for evaluate and axe), once it shows `path`. */
async function appFrame(path?: string): Promise<Frame> {
  for (const deadline = Date.now() + 10_000; ;) {
    const found = page
      .frames()
      .find(
        (f) => f !== page.mainFrame() && f.url().startsWith(app.url) && (!path || new URL(f.url()).pathname === path),
      );
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(
        `no app frame at ${path ?? "any path"}; frames: ${page
          .frames()
          .map((f) => f.url())
          .join(", ")}`,
      );
    await page.waitForTimeout(50);
  }
}

/**
 * Waits until React has hydrated the frame's document: typing into a controlled input or
 * clicking a link before that is lost (the input is reset, the link does a full page load).
 */
async function hydrated(target: Frame) {
  await target.waitForFunction(() => "__remixRouter" in window && document.readyState === "complete");
  await target.evaluate(
    () =>
      new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 50)))),
  );
}

/** Opens the admin at `adminPath` (a typed URL or bookmark): the admin frames the app at that path. */
async function openAdmin(appPath = ""): Promise<Frame> {
  await page.goto(adminBase() + appPath);
  const target = await appFrame(appPath.split("?")[0] || "/app");
  await hydrated(target);
  return target;
}

/** The admin's URL mirrors the app's path (App Bridge's address bar sync). */
async function expectAdminUrl(appPath: string) {
  await page.waitForURL(adminBase() + appPath);
}

/** No error boundary in the frame: Remix's "Application Error" or the app's RouteError. */
async function expectNoErrorPage() {
  for (const text of ["Application Error", "We couldn't load this page", "This page doesn't exist"]) {
    expect(await frame().getByText(text).count(), `error page shown: ${text}`).toBe(0);
  }
}

/** Soft: the walk goes on to the next pages, and the test still fails with every violation found. */
async function expectAccessible(target: Frame | Page) {
  const violations = await seriousA11yViolations(target);
  expect.soft(violations, JSON.stringify(violations, null, 2)).toEqual([]);
}

/** The checks every page gets: no error page, no serious axe violations, a screenshot. */
async function checkPage(name: string, path: string) {
  await expectNoErrorPage();
  await screenshot(page, name);
  await expectAccessible(await appFrame(path));
}

describe("admin UI in Chromium, embedded cross-site with third-party storage blocked", () => {
  it("opens the overview in the admin, on another site, with the frame's storage blocked", async () => {
    const target = await openAdmin();
    await frame().getByText("Segments ready: 120 customers scored").waitFor();
    await frame().getByRole("heading", { name: "RFM grid" }).waitFor();
    // The seeded 120 customers are too few for predictions: the card says so.
    await frame().getByRole("heading", { name: "How good are the predictions?" }).waitFor();
    await frame().getByText("Not enough data yet for churn risk, CLV and other predictions:").waitFor();
    await frame().getByText("1 segment changed size by more than 25 % since the previous run").waitFor();
    await frame().getByRole("listitem").filter({ hasText: "Active: 12 → 24 customers (+100 %)" }).waitFor();

    // The precondition of everything below: the admin and the app are different sites, and in
    // the app's frame sessionStorage, localStorage and cookies are blocked, while the admin's
    // own (first-party) storage works.
    expect(new URL(page.url()).hostname).toBe("localhost");
    expect(new URL(target.url()).hostname).toBe("127.0.0.1");
    const inFrame = await target.evaluate(() => {
      const attempt = (f: () => unknown) => {
        try {
          f();
          return "allowed";
        } catch (error) {
          return error instanceof DOMException ? error.name : String(error);
        }
      };
      document.cookie = "segments-probe=1; SameSite=None; Secure";
      return {
        sessionStorage: attempt(() => window.sessionStorage.getItem("x")),
        localStorage: attempt(() => window.localStorage.getItem("x")),
        cookie: document.cookie.includes("segments-probe") ? "stored" : "blocked",
      };
    });
    expect(inFrame).toEqual({ sessionStorage: "SecurityError", localStorage: "SecurityError", cookie: "blocked" });
    expect(
      await page.evaluate(() => (window.sessionStorage.setItem("x", "1"), window.sessionStorage.getItem("x"))),
    ).toBe("1");

    // The admin renders the app's nav menu in its sidebar, the app's name marked as current.
    await expectAdminUrl("/app");
    await navItem("Settings").waitFor();
    expect(await sidebar().getByRole("list").getByRole("link").allTextContents()).toEqual([
      "Segments",
      "Cohorts",
      "Results",
      "New rule segment",
      "Settings",
    ]);
    expect(
      await sidebar().getByRole("link", { name: "Segments", exact: true }).first().getAttribute("aria-current"),
    ).toBe("page");
    expect(await frame().locator("ui-nav-menu").isVisible()).toBe(false);
    await expectAccessible(page);
    await checkPage("overview", "/app");
  });

  it("lists the segments from the sidebar", async () => {
    await navItem("Segments").click();
    await frame().getByRole("heading", { name: "Segments", level: 1 }).waitFor();
    await frame().getByText("seg:rfm-champions").waitFor();
    await expectAdminUrl("/app/segments");
    expect(await navItem("Segments").getAttribute("aria-current")).toBe("page");
    // Segment health: the RFM segments are below the minimum size of 20, and the overlap matrix
    // is a table with row and column headers and every percentage printed.
    await frame().getByText("11 segments are below the minimum size").waitFor();
    expect(await frame().getByText("Not created: below the minimum size").count()).toBe(11);
    await frame().getByRole("heading", { name: "How segments overlap" }).waitFor();
    const matrix = frame().getByRole("table").filter({ hasText: "Overlap between the 12 largest enabled segments" });
    expect(await matrix.getByRole("columnheader").count()).toBe(13);
    expect(await matrix.getByRole("rowheader").count()).toBe(12);
    expect(await matrix.getByRole("cell", { name: /^\d+ %$/ }).count()).toBe(12 * 11);
    expect(
      await sidebar().getByRole("link", { name: "Segments", exact: true }).first().getAttribute("aria-current"),
    ).toBeNull();
    await checkPage("segments", "/app/segments");
  });

  it("opens a segment with its members and exports them as CSV", async () => {
    await frame().getByRole("link", { name: "Champions" }).first().click();
    await frame().getByRole("heading", { name: "Who is in it" }).waitFor();
    await frame().getByText("Bought recently, buy often and spend the most").waitFor();
    await expectAdminUrl("/app/segments/rfm-champions");
    const members = await db.customer.findMany({
      where: {
        shopId: shop.shopId,
        id: {
          in: (
            await db.membership.findMany({
              where: { shopId: shop.shopId, segmentKey: "rfm-champions" },
              select: { customerId: true },
            })
          ).map((m) => m.customerId),
        },
      },
      select: { shopifyId: true },
    });
    expect(await memberRows().count()).toBe(Math.min(25, members.length));
    await frame().getByRole("heading", { name: "Below the minimum segment size" }).waitFor();
    await frame().getByText("No Shopify segment: below the minimum segment size (Settings).").waitFor();
    await frame().getByText("Open the theme editor").waitFor();
    expect(await navItem("Segments").getAttribute("aria-current")).toBe("page");
    await checkPage("segment", "/app/segments/rfm-champions");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      frame().getByRole("button", { name: "Export members (CSV)" }).click(),
    ]);
    const lines = (await readFile(await download.path(), "utf8")).trimEnd().split("\r\n");
    expect(lines[0]).toBe(MEMBER_CSV_COLUMNS.join(","));
    expect(
      lines
        .slice(1)
        .map((line) => line.split(",")[0])
        .sort(),
    ).toEqual(members.map((m) => m.shopifyId.toString()).sort());
    await frame().locator(".emulated-toast", { hasText: "Export downloaded" }).waitFor();

    // Period KPIs: monthly first, weekly a tab away; both as a table and a CSV.
    await frame().getByRole("heading", { name: "Revenue and orders over time" }).waitFor();
    const kpis = frame()
      .getByRole("table")
      .filter({ has: frame().getByRole("columnheader", { name: "Retention" }) });
    await kpis.getByRole("columnheader", { name: "Month" }).waitFor();
    expect(await kpis.locator("tbody tr").count()).toBe(12);
    await frame().getByRole("tab", { name: "Weekly" }).click();
    await kpis.getByRole("columnheader", { name: "Week" }).waitFor();
    expect(await kpis.locator("tbody tr").count()).toBe(26);
    await expectAdminUrl("/app/segments/rfm-champions?kpis=week");
    await checkPage("segment-kpis-weekly", "/app/segments/rfm-champions");
    const [kpiDownload] = await Promise.all([
      page.waitForEvent("download"),
      frame().getByRole("button", { name: "Export KPIs (CSV)" }).click(),
    ]);
    const kpiLines = (await readFile(await kpiDownload.path(), "utf8")).trimEnd().split("\r\n");
    expect(kpiLines[0]).toBe(KPI_CSV_COLUMNS.join(","));
    expect(kpiLines).toHaveLength(27);
  });

  it("opens a customer from the members", async () => {
    await memberRows().first().getByRole("link").click();
    await frame().getByRole("heading", { name: "Why here" }).waitFor();
    await frame()
      .getByText(/Ordered \d times, last \d+ days ago/)
      .waitFor();
    // Every score's why, as a description list (the seeded scores are flagged as not the model's).
    await frame()
      .locator("dl")
      .getByText(/expected orders over the next \d+ months ×/)
      .waitFor();
    const target = await appFrame();
    const path = new URL(target.url()).pathname;
    expect(path).toMatch(/^\/app\/customers\/\d+$/);
    await expectAdminUrl(path);
    await checkPage("customer", path);
  });

  it("walks back and forward through the app's pages with the browser", async () => {
    const customerPath = new URL((await appFrame()).url()).pathname;
    await page.goBack();
    await frame().getByRole("heading", { name: "Who is in it" }).waitFor();
    // The KPI card's Weekly tab replaced the entry's query.
    await expectAdminUrl("/app/segments/rfm-champions?kpis=week");
    await page.goBack();
    await frame().getByText("seg:rfm-champions").waitFor();
    await expectAdminUrl("/app/segments");
    expect(await navItem("Segments").getAttribute("aria-current")).toBe("page");
    await page.goForward();
    await frame().getByRole("heading", { name: "Who is in it" }).waitFor();
    await expectAdminUrl("/app/segments/rfm-champions?kpis=week");
    await page.goForward();
    await frame().getByRole("heading", { name: "Why here" }).waitFor();
    await expectAdminUrl(customerPath);
    await expectNoErrorPage();
  });

  it("reloads the admin on the same app page, query included", async () => {
    await navItem("Segments").click();
    await frame().getByRole("link", { name: "Champions" }).first().click();
    await frame().getByRole("button", { name: "P(active)" }).click();
    await expectAdminUrl("/app/segments/rfm-champions?sort=pAlive&direction=desc");
    await page.reload();
    const target = await appFrame("/app/segments/rfm-champions");
    await hydrated(target);
    expect(new URL(target.url()).searchParams.get("sort")).toBe("pAlive");
    await frame().getByRole("heading", { name: "Who is in it" }).waitFor();
    await expectAdminUrl("/app/segments/rfm-champions?sort=pAlive&direction=desc");
    await expectNoErrorPage();

    // A deep link (typed or bookmarked) opens that page in the frame too.
    await openAdmin(`/app/customers/${shop.firstCustomerId}`);
    await frame().getByRole("heading", { name: "Why here" }).waitFor();
    await expectAdminUrl(`/app/customers/${shop.firstCustomerId}`);
    await expectNoErrorPage();
  });

  it("shows cohorts by customers and by revenue", async () => {
    await navItem("Cohorts").click();
    await frame().getByRole("columnheader", { name: "Month 0" }).waitFor();
    await expectAdminUrl("/app/cohorts");
    expect(await navItem("Cohorts").getAttribute("aria-current")).toBe("page");
    await checkPage("cohorts-customers", "/app/cohorts");

    await frame().getByRole("tab", { name: "Revenue" }).click();
    await frame()
      .getByText(/Net revenue \(USD\)/)
      .waitFor();
    await expectAdminUrl("/app/cohorts?mode=revenue");
    await checkPage("cohorts-revenue", "/app/cohorts");
  });

  it("opens the results from the sidebar: no control group held out yet, and what to do", async () => {
    await navItem("Results").click();
    await frame().getByRole("heading", { name: "Results", level: 1 }).waitFor();
    await frame().getByText("No control group is held out: set a control share in Settings").waitFor();
    await expectAdminUrl("/app/results");
    expect(await navItem("Results").getAttribute("aria-current")).toBe("page");
    // Revenue by segment in the last complete month (May 2026), ranked, each linking to its segment.
    await frame().getByRole("heading", { name: "Revenue by segment, May 2026" }).waitFor();
    await checkPage("results", "/app/results");
    const ranking = frame()
      .getByRole("table")
      .filter({ has: frame().getByRole("columnheader", { name: "Rank" }) });
    const first = ranking.locator("tbody tr").first();
    const name = (await first.getByRole("link").textContent())!;
    await first.getByRole("link").click();
    await frame().getByRole("heading", { name, level: 1 }).waitFor();
    await frame().getByRole("heading", { name: "Revenue and orders over time" }).waitFor();
  });

  it("builds a rule segment with a live count and saves it", async () => {
    await navItem("New rule segment").click();
    await frame().getByRole("heading", { name: "New rule segment", level: 1 }).waitFor();
    await expectAdminUrl("/app/rules/new");
    await frame().getByLabel("Segment name").fill("High value");
    await frame().getByLabel("Value").fill("600");
    const expected = await db.customerScore.count({ where: { shopId: shop.shopId, clv: { gt: 600 } } });
    await frame().getByText(`${expected} customers match`).waitFor();
    await frame().getByText("Customers who predicted lifetime value over 600.").waitFor();
    await checkPage("rule-builder", "/app/rules/new");

    await frame().getByRole("button", { name: "Save segment" }).click();
    await frame().getByRole("heading", { name: "High value", level: 1 }).waitFor();
    await frame().getByText("Customers who predicted lifetime value over 600.").waitFor();
    await expectAdminUrl("/app/segments/rule-high-value?saved=1");
    const saved = await db.segment.findUniqueOrThrow({
      where: { shopId_key: { shopId: shop.shopId, key: "rule-high-value" } },
    });
    expect(saved.definition).toEqual({ rule: { all: [{ field: "clv", op: ">", value: 600 }] } });
  });

  it("edits the rule segment it saved", async () => {
    await frame().getByRole("link", { name: "Edit rule" }).click();
    await frame().getByRole("heading", { name: "Edit High value", level: 1 }).waitFor();
    await expectAdminUrl("/app/rules/rule-high-value");
    const value = frame().getByLabel("Value");
    expect(await value.inputValue()).toBe("600");
    await value.fill("700");
    const expected = await db.customerScore.count({ where: { shopId: shop.shopId, clv: { gt: 700 } } });
    await frame().getByText(`${expected} customers match`).waitFor();
    await checkPage("rule-edit", "/app/rules/rule-high-value");

    await frame().getByRole("button", { name: "Save segment" }).click();
    await frame().getByText("Customers who predicted lifetime value over 700.").waitFor();
    await expectAdminUrl("/app/segments/rule-high-value?saved=1");
    const saved = await db.segment.findUniqueOrThrow({
      where: { shopId_key: { shopId: shop.shopId, key: "rule-high-value" } },
    });
    expect(saved.definition).toEqual({ rule: { all: [{ field: "clv", op: ">", value: 700 }] } });
  });

  it("offers 'orders with product type … in the last … days' with a product type field, and says when it is missing", async () => {
    await navItem("New rule segment").click();
    await frame().getByRole("heading", { name: "New rule segment", level: 1 }).waitFor();
    await frame().getByLabel("Condition 1 field").selectOption("productTypeOrders");
    await frame().getByLabel("Comparison").selectOption(">=");
    await frame().getByLabel("Value").fill("2");
    await frame().getByLabel("In the last (days)").fill("365");
    await frame().getByText("rule.all[0] (productTypeOrders): name a product type").waitFor();
    await frame().getByLabel("Product type").fill("coffee");
    const rule: Rule = { all: [{ field: "productTypeOrders", op: ">=", value: 2, days: 365, name: "coffee" }] };
    const now = new Date(NOW.getTime() + (Date.now() - NOW_SET_AT));
    const [{ n }] = await db.$queryRaw<{ n: bigint }[]>(
      Prisma.sql`SELECT count(*) AS n FROM "CustomerScore" s JOIN "Customer" c ON c."shopId" = s."shopId" AND c."id" = s."customerId"
        WHERE s."shopId" = ${shop.shopId} AND ${ruleSql(rule, shop.shopId, now)}`,
    );
    await frame()
      .getByText(`${Number(n)} customers match`)
      .waitFor();
    await frame().getByText("Customers who bought coffee at least 2 times in the last 365 days.").waitFor();
  });

  it("saves settings with a toast and shows a validation error beside the field", async () => {
    await navItem("Settings").click();
    const prefix = frame().getByLabel("Segment tag prefix");
    await prefix.waitFor();
    await expectAdminUrl("/app/settings");
    await prefix.fill("vip:");
    await frame().getByRole("button", { name: "Save" }).click();
    await frame().locator(".emulated-toast", { hasText: "Settings saved" }).waitFor();
    await checkPage("settings", "/app/settings");
    const stored = shopSettings((await db.shop.findUniqueOrThrow({ where: { id: shop.shopId } })).settings);
    expect(stored.tagPrefix).toBe("vip:");

    await frame().getByLabel("Fewest clusters").fill("9");
    await frame().getByRole("button", { name: "Save" }).click();
    await frame().getByText("Must be at least the minimum number of clusters").waitFor();
    await checkPage("settings-invalid", "/app/settings");

    // The app's name in the sidebar goes home.
    await sidebar().getByRole("link", { name: "Segments", exact: true }).first().click();
    await frame().getByRole("heading", { name: "RFM grid" }).waitFor();
    await expectAdminUrl("/app");
  });

  it("shows a measured shop's lift: results ranked with their interval, reachable audience, the segment's lift card", async () => {
    const { name } = await db.segment.findUniqueOrThrow({
      where: { shopId_key: { shopId: measured.shopId, key: measured.treatedKey } },
    });
    await page.goto(adminBaseOf(measuredDomain));
    await hydrated(await appFrame("/app"));
    await navItem("Results").click();
    await frame().getByRole("heading", { name: "Results", level: 1 }).waitFor();
    const lift = frame()
      .getByRole("table")
      .filter({ has: frame().getByRole("columnheader", { name: "95 % interval" }) });
    const row = lift.locator("tbody tr").filter({ has: frame().getByRole("link", { name, exact: true }) });
    await row.getByText(/^In the 90 days after joining, members spent \d+ % more than the control group/).waitFor();
    await frame().getByRole("heading", { name: "Reachable audience" }).waitFor();
    await checkPage("results-measured", "/app/results");
    await row.getByRole("link", { name, exact: true }).click();
    await frame().getByRole("heading", { name, level: 1 }).waitFor();
    await frame().getByRole("heading", { name: "Lift against the control group" }).waitFor();
    await frame()
      .getByText(/^In the 90 days after joining, members spent \d+ % more than the control group/)
      .waitFor();
    await checkPage("segment-lift", `/app/segments/${measured.treatedKey}`);
  });
});
