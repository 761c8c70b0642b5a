import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "./server";
import { TEST_APP } from "./test-helpers";

// The emulated admin's pages over HTTP; test/ui/browser.test.ts drives them in Chromium.

const SHOP = "admin-ui-test.myshopify.com";
const APP_URL = "http://127.0.0.1:9";
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ ...TEST_APP, appUrl: APP_URL, subscriptions: {}, publicHost: "localhost" });
  emu.addShop(SHOP, { customers: 0 });
});
afterAll(() => emu.close());

/** The URL the admin page at `adminPath` loads in the app's iframe. */
async function frameSrc(adminPath: string): Promise<URL> {
  const response = await fetch(emu.origin + adminPath);
  expect(response.status).toBe(200);
  const src = /<iframe id="app-frame"[^>]* src="([^"]+)"/.exec(await response.text())?.[1];
  expect(src).toBeDefined();
  return new URL(src!.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))));
}

describe("emulated admin", () => {
  it("is served at the public host name it was given", () => {
    expect(new URL(emu.origin).hostname).toBe("localhost");
  });

  it("loads the app's URL for the app's home, with Shopify's parameters and a session token", async () => {
    const src = await frameSrc("/store/admin-ui-test/apps/segments");
    expect(src.origin + src.pathname).toBe(`${APP_URL}/`);
    expect(src.searchParams.get("embedded")).toBe("1");
    expect(src.searchParams.get("shop")).toBe(SHOP);
    expect(Buffer.from(src.searchParams.get("host")!, "base64url").toString()).toBe(
      "admin.shopify.com/store/admin-ui-test",
    );
    expect(src.searchParams.get("id_token")?.split(".")).toHaveLength(3);
  });

  it("appends the admin path after /apps/<handle>, and its query, to the app's URL (deep links)", async () => {
    const src = await frameSrc("/store/admin-ui-test/apps/segments/app/segments/rfm-champions?sort=clv&direction=asc");
    expect(src.origin + src.pathname).toBe(`${APP_URL}/app/segments/rfm-champions`);
    expect(src.searchParams.get("sort")).toBe("clv");
    expect(src.searchParams.get("direction")).toBe("asc");
    expect(src.searchParams.get("shop")).toBe(SHOP);
  });

  it("keeps a path that looks like another host on the app's origin", async () => {
    const src = await frameSrc("/store/admin-ui-test/apps/segments//evil.example/x");
    expect(src.origin).toBe(APP_URL);
    expect(src.pathname).toBe("/evil.example/x");
  });

  it("renders the sidebar with the app's name and a labelled nav", async () => {
    const html = await (await fetch(`${emu.origin}/store/admin-ui-test/apps/segments`)).text();
    expect(html).toContain('<nav class="sidebar" aria-label="Apps">');
    expect(html).toContain('<a id="app-home" href="/store/admin-ui-test/apps/segments">Segments</a>');
    expect(html).toContain('title="Segments app"');
  });

  it("serves an App Bridge stand-in that never touches browser storage", async () => {
    const script = await (await fetch(`${emu.origin}/app-bridge.js`)).text();
    expect(script).toContain("window.shopify");
    expect(script).not.toMatch(/sessionStorage|localStorage|document\.cookie|indexedDB/);
  });

  it("answers 404 for a store it does not know", async () => {
    expect((await fetch(`${emu.origin}/store/nobody/apps/segments`)).status).toBe(404);
  });
});
