import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser } from "happy-dom";
import { setUpValidSession } from "@shopify/shopify-api/test-helpers";
import db from "~/db.server";
import { sessionStorage } from "~/shopify.server";
import { loader } from "~/routes/api.customer-block";
import { queues } from "~/queues.server";
import { startEmulator, type Emulator } from "./index";
import { seedAnalysedShop, type SeededShop } from "../helpers/seed-analysis";
import { uniqueShopDomain, waitFor } from "../helpers/shops";

// The emulated admin's customer page with the app's customer details block, end to end over
// HTTP: the emulator serves the page, the block's sandbox frame and its bundled module; the
// frame (run by happy-dom, scripts on) fetches the app's endpoint cross-origin with a session
// token, through the app's CORS (happy-dom enforces it), and renders the answer. What the demo
// shows a merchant.

const NOW = new Date("2026-03-02T12:00:00Z");

let emu: Emulator;
let app: Server;
let appUrl: string;
let shop: SeededShop;
const savedAdminOrigin = process.env.SHOPIFY_ADMIN_ORIGIN;

/** The app's customer block endpoint over real HTTP (the route module Remix serves). */
async function serve(req: IncomingMessage, res: ServerResponse) {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(key, value);
  const request = new Request(new URL(req.url ?? "/", appUrl), { method: req.method, headers });
  let response: Response;
  if (new URL(request.url).pathname !== "/api/customer-block") response = new Response("Not found", { status: 404 });
  else
    try {
      response = (await loader({ request, params: {}, context: {} })) as Response;
    } catch (thrown) {
      if (!(thrown instanceof Response)) throw thrown;
      response = thrown;
    }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

beforeAll(async () => {
  app = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  emu = await startEmulator({
    apiKey: process.env.SHOPIFY_API_KEY!,
    apiSecret: process.env.SHOPIFY_API_SECRET!,
    appUrl,
  });
  // The admin's origin is the emulator's: the app allows it as the extension origin.
  process.env.SHOPIFY_ADMIN_ORIGIN = emu.origin;
  const domain = uniqueShopDomain("emu-block");
  emu.addShop(domain, { customers: 10, seed: "emu-block" });
  await sessionStorage.storeSession(setUpValidSession({ shop: domain, expires: undefined, scope: process.env.SCOPES }));
  shop = await seedAnalysedShop(domain, 40, NOW);
});

afterAll(async () => {
  if (savedAdminOrigin === undefined) delete process.env.SHOPIFY_ADMIN_ORIGIN;
  else process.env.SHOPIFY_ADMIN_ORIGIN = savedAdminOrigin;
  await emu?.close();
  await new Promise((resolve) => app?.close(resolve));
  await queues().close();
});

describe("the emulated admin's customer page", () => {
  it("shows the app's block with the customer's segments and scores, read from the app", async () => {
    const customer = await db.customer.findUniqueOrThrow({
      where: { shopId_id: { shopId: shop.shopId, id: shop.firstCustomerId } },
      include: { score: true },
    });
    const memberships = await db.membership.findMany({ where: { shopId: shop.shopId, customerId: customer.id } });
    const store = shop.domain.replace(".myshopify.com", "");
    const page = await fetch(`${emu.origin}/store/${store}/customers/${customer.shopifyId}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const src = /<iframe title="Segments scores" src="([^"]+)"/.exec(html)?.[1].replace(/&#38;/g, "&");
    expect(src).toBeDefined();
    const frameUrl = new URL(src!, emu.origin).toString();
    expect(new URL(frameUrl).searchParams.get("selected")).toBe(`gid://shopify/Customer/${customer.shopifyId}`);

    const browser = new Browser({
      settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true },
    });
    try {
      const tab = browser.newPage();
      await tab.goto(frameUrl);
      const document = tab.mainFrame.document;
      await waitFor(async () => document.querySelector("s-admin-block s-link"), {
        timeoutMs: 20_000,
        what: "the block rendered from the app's answer",
      });
      const segments = await db.segment.findMany({
        where: { shopId: shop.shopId, key: { in: memberships.map((m) => m.segmentKey) } },
      });
      const badges = [...document.querySelectorAll("s-badge")].map((b) => b.textContent).sort();
      expect(badges).toEqual(
        memberships
          .map((m) => {
            const name = segments.find((s) => s.key === m.segmentKey)?.name ?? m.segmentKey;
            return m.control ? `${name} (control group)` : name;
          })
          .sort(),
      );
      expect(document.body.textContent).toContain(customer.score!.explanation);
      expect(document.querySelector("s-link")!.getAttribute("href")).toBe(`app:app/customers/${customer.id}`);

      // The browser enforces the app's CORS: an admin origin the app does not allow reads nothing.
      delete process.env.SHOPIFY_ADMIN_ORIGIN;
      const refused = browser.newPage();
      await refused.goto(frameUrl);
      const banner = await waitFor(async () => refused.mainFrame.document.querySelector("s-admin-block s-banner"), {
        timeoutMs: 20_000,
        what: "the block's error",
      });
      expect(banner.textContent).toBe("Segments could not be reached.");
      expect(refused.mainFrame.document.querySelector("s-badge")).toBeNull();
    } finally {
      process.env.SHOPIFY_ADMIN_ORIGIN = emu.origin;
      await browser.close();
    }
  });

  it("serves the block's bundle and 404s for what it does not know", async () => {
    const bundle = await fetch(
      `${emu.origin}/admin-emulator/extensions/customer-scores-block/admin.customer-details.block.render.js`,
    );
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("Content-Type")).toMatch(/^text\/javascript/);
    expect(await bundle.text()).toContain("/api/customer-block");
    for (const path of [
      "/admin-emulator/extensions/nope/admin.customer-details.block.render.js",
      `/admin-emulator/extension-frame?shop=${shop.domain}&handle=customer-scores-block&target=admin.customer-details.block.render&selected=1`,
      "/store/no-such-store/customers/1",
    ])
      expect((await fetch(`${emu.origin}${path}`)).status, path).toBe(404);
  });
});
