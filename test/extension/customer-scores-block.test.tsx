/** @jsxImportSource preact */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Window } from "happy-dom";
import { render } from "preact";
import { RequestType, setUpValidRequest, setUpValidSession } from "@shopify/shopify-api/test-helpers";
import db from "~/db.server";
import { sessionStorage } from "~/shopify.server";
import { loader } from "~/routes/api.customer-block";
import { computeShop } from "~/compute/compute-shop.server";
import { queues } from "~/queues.server";
import type { CustomerBlock } from "~/admin/customer-block.server";
import runBlock from "../../extensions/customer-scores-block/src/BlockExtension";
import { CustomerScoresBlock } from "../../extensions/customer-scores-block/src/CustomerScoresBlock";
import { date, money, percent } from "../../extensions/customer-scores-block/src/format";
import { seedAnalysedShop, type SeededShop } from "../helpers/seed-analysis";
import { uniqueShopDomain, waitFor } from "../helpers/shops";

// The customer details block as Shopify's admin runs it, in a DOM (happy-dom): its entry reads the
// customer from `shopify.data.selected`, fetches the app's endpoint with a relative URL, and Shopify
// resolves that against the app URL and adds the admin's session token. Here that fetch is the real
// loader on the real database, so the block renders the endpoint's real answer.
//
// The DOM is a happy-dom Window of its own, lent to Preact as `document` only: vitest's happy-dom
// environment would also replace the process's fetch, Request and Response, which the Shopify
// library and the loader use.

const NOW = new Date("2026-03-02T12:00:00Z");
const apiKey = process.env.SHOPIFY_API_KEY!;
const apiSecretKey = process.env.SHOPIFY_API_SECRET!;
const EXTENSION_ORIGIN = "https://extensions.shopifycdn.com";
const gid = (shopifyId: bigint) => `gid://shopify/Customer/${shopifyId}`;

let shop: SeededShop;
let other: SeededShop;
let window: Window;

/** What the block fetched, and what the endpoint answered with a 200. */
const fetched: string[] = [];
const answers: CustomerBlock[] = [];

/** The admin's fetch for a block in `adminShop`'s admin: relative to the app URL, with a session token. */
function adminFetch(adminShop: string) {
  return async (input: string): Promise<Response> => {
    fetched.push(input);
    const request = await setUpValidRequest(
      { type: RequestType.Bearer, store: adminShop.replace(".myshopify.com", ""), apiKey, apiSecretKey },
      new Request(new URL(input, process.env.SHOPIFY_APP_URL), { headers: { Origin: EXTENSION_ORIGIN } }),
    );
    let response: Response;
    try {
      response = (await loader({ request, params: {}, context: {} })) as Response;
    } catch (thrown) {
      if (!(thrown instanceof Response)) throw thrown;
      response = thrown;
    }
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(EXTENSION_ORIGIN);
    if (response.ok) answers.push((await response.clone().json()) as CustomerBlock);
    return response;
  };
}

/** Runs the extension's entry as the admin does, for `customerId` in `adminShop`'s admin. */
async function openCustomerPage(adminShop: string, customerId: string | undefined) {
  vi.stubGlobal("shopify", { data: { selected: customerId ? [{ id: customerId }] : [] } });
  vi.stubGlobal("fetch", adminFetch(adminShop));
  await runBlock();
}

const body = () => window.document.body;
const block = () => body().querySelector("s-admin-block")!;
const texts = (selector: string) => [...body().querySelectorAll(selector)].map((e) => e.textContent ?? "");
const loaded = () => waitFor(async () => !body().querySelector("s-spinner") && block(), { what: "the block's data" });

beforeAll(async () => {
  const [domain, otherDomain] = [uniqueShopDomain("dom-block"), uniqueShopDomain("dom-other")];
  for (const d of [domain, otherDomain])
    await sessionStorage.storeSession(setUpValidSession({ shop: d, expires: undefined, scope: process.env.SCOPES }));
  [shop, other] = await Promise.all([seedAnalysedShop(domain, 120, NOW), seedAnalysedShop(otherDomain, 20, NOW)]);
  const run = await db.run.create({ data: { shopId: shop.shopId, kind: "COMPUTE", status: "RUNNING" } });
  await computeShop(db, shop.shopId, run.id, NOW);
  window = new Window({ url: `${EXTENSION_ORIGIN}/` });
  vi.stubGlobal("document", window.document);
});

/** Leaves the customer page: the block unmounts. */
function closePage() {
  render(null, body());
  fetched.length = 0;
  answers.length = 0;
}

afterEach(closePage);

afterAll(async () => {
  vi.unstubAllGlobals();
  await window.happyDOM.close();
  await queues().close();
});

describe("customer details block", () => {
  it("shows the customer's segments, scores and reasons from the endpoint's answer, and links to the app", async () => {
    // Customers 3 and 4 of the seed: a repeat and a one-time buyer.
    for (const offset of [2n, 3n]) {
      const customer = await db.customer.findUniqueOrThrow({
        where: { shopId_id: { shopId: shop.shopId, id: shop.firstCustomerId + offset } },
      });
      await openCustomerPage(shop.domain, gid(customer.shopifyId));
      // Loading first, then the answer.
      expect(body().querySelector("s-admin-block s-spinner")).not.toBeNull();
      await loaded();

      // The block asked the app with a relative URL, so Shopify adds the session token.
      expect(fetched).toEqual([`/api/customer-block?customerId=${encodeURIComponent(gid(customer.shopifyId))}`]);
      expect(answers).toHaveLength(1);
      const data = answers[0];
      expect(data.rfm).not.toBeNull();
      expect(data.reasons.length).toBeGreaterThan(0);

      expect(block().getAttribute("heading")).toBe("Segments");
      expect(block().getAttribute("collapsedSummary")).toBe(
        `${data.rfm!.segment} · P(active) ${percent(data.pAlive)} · CLV ${money(data.clv, data.currency)}`,
      );
      // Every segment as a badge, control-group holdouts marked.
      expect(texts("s-badge").sort()).toEqual(
        data.segments.map((s) => (s.control ? `${s.name} (control group)` : s.name)).sort(),
      );
      expect(data.segments.length).toBeGreaterThan(0);
      const text = body().textContent ?? "";
      expect(text).toContain(data.why!);
      expect(text).toContain(`${data.rfm!.r} · ${data.rfm!.f} · ${data.rfm!.m} · ${data.rfm!.segment}`);
      expect(text).toContain(percent(data.pAlive));
      expect(text).toContain(money(data.clv, data.currency));
      expect(text).toContain(date(data.nextOrderAt));
      // The reason of each figure shown, in the app's words.
      const paragraphs = texts("s-paragraph");
      for (const score of ["rfm", "pAlive", "clv", "nextOrder"]) {
        const reason = data.reasons.find((r) => r.score === score);
        expect(reason, score).toBeDefined();
        expect(paragraphs).toContain(reason!.because);
      }
      for (const note of data.notes) expect(paragraphs).toContain(note);
      // The link opens the app's own customer page inside the admin.
      const link = body().querySelector("s-link")!;
      expect(link.getAttribute("href")).toBe(`app:app/customers/${customer.id}`);
      expect(link.textContent).toBe("Open in Segments");
      // Only Polaris web components and text: no raw HTML elements inside the block.
      for (const element of block().querySelectorAll("*")) expect(element.tagName.toLowerCase()).toMatch(/^s-/);
      closePage();
    }
  });

  it("says the app has no data for a customer it does not know: another shop's, or none selected", async () => {
    const theirs = await db.customer.findUniqueOrThrow({
      where: { shopId_id: { shopId: other.shopId, id: other.firstCustomerId } },
    });
    // Shop A's admin showing shop B's customer id: the endpoint answers 404 for A's token.
    await openCustomerPage(shop.domain, gid(theirs.shopifyId));
    await loaded();
    expect(answers).toEqual([]);
    expect(block().textContent).toContain("Segments has no data for this customer yet");
    expect(body().querySelector("s-link")).toBeNull();
    closePage();

    await openCustomerPage(shop.domain, undefined);
    await loaded();
    expect(fetched).toEqual([]);
    expect(block().textContent).toContain("no data for this customer");
  });

  it("shows an unscored customer as such, and an unreachable app as an error", async () => {
    // The two shops were seeded at once, so their ids interleave: take the other shop's second customer.
    const unscored = await db.customer.findFirstOrThrow({
      where: { shopId: other.shopId, id: { gt: other.firstCustomerId } },
      orderBy: { id: "asc" },
    });
    await db.customerScore.deleteMany({ where: { shopId: other.shopId, customerId: unscored.id } });
    await openCustomerPage(other.domain, gid(unscored.shopifyId));
    await loaded();
    expect(answers[0].rfm).toBeNull();
    expect(block().textContent).toContain("Not scored yet");
    expect(block().getAttribute("collapsedSummary")).toBe("Not scored yet");
    closePage();

    render(<CustomerScoresBlock state={{ status: "error", message: "Segments answered 500." }} />, body());
    expect(body().querySelector("s-banner")?.getAttribute("tone")).toBe("critical");
    expect(body().querySelector("s-banner")?.textContent).toBe("Segments answered 500.");
  });

  it("on a plan without the block, names the plan that has it and links to the app's plans", async () => {
    const customer = await db.customer.findUniqueOrThrow({
      where: { shopId_id: { shopId: shop.shopId, id: shop.firstCustomerId } },
    });
    await db.shop.update({ where: { id: shop.shopId }, data: { appPlan: "growth" } });
    try {
      await openCustomerPage(shop.domain, gid(customer.shopifyId));
      await loaded();
      expect(answers).toEqual([]);
      expect(block().textContent).toContain("This block is part of the Pro plan of Segments.");
      expect(body().querySelector("s-link")?.getAttribute("href")).toBe("app:app/settings");
      expect(block().textContent).not.toContain("P(active)");
    } finally {
      await db.shop.update({ where: { id: shop.shopId }, data: { appPlan: null } });
    }
  });
});
