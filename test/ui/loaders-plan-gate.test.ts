import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import { RequestType, setUpValidRequest, setUpValidSession } from "@shopify/shopify-api/test-helpers";
import { appNow } from "~/clock.server";
import db from "~/db.server";
import { sessionStorage } from "~/shopify.server";
import { queues } from "~/queues.server";
import { planView, type PlanId } from "~/billing/plans";
import { loader as overviewLoader } from "~/routes/app._index";
import { loader as settingsLoader } from "~/routes/app.settings";
import { loader as segmentsLoader } from "~/routes/app.segments._index";
import { action as segmentAction } from "~/routes/app.segments.$key";
import { loader as customerBlockLoader } from "~/routes/api.customer-block";
import { loader as customerLoader } from "~/routes/app.customers.$id";
import { CustomerLimitBanner, PlanGateBanner } from "~/components/PlanGateBanner";
import { seedAnalysedShop, type SeededShop } from "../helpers/seed-analysis";
import { uniqueShopDomain } from "../helpers/shops";

// The plan gates through the admin's loaders and actions (real PostgreSQL, App Bridge's Bearer
// session tokens) and the gate's banner as it renders: the tier named, Shopify's plan page linked
// in the top window.

const apiKey = process.env.SHOPIFY_API_KEY!;
const apiSecretKey = process.env.SHOPIFY_API_SECRET!;
type Handler = (args: LoaderFunctionArgs) => Promise<unknown>;

async function call<T>(handler: Handler, shop: string, path: string, params = {}, form?: Record<string, string>) {
  const init: RequestInit = form ? { method: "POST", body: new URLSearchParams(form) } : {};
  const request = await setUpValidRequest(
    { type: RequestType.Bearer, store: shop.replace(".myshopify.com", ""), apiKey, apiSecretKey },
    new Request(`${process.env.SHOPIFY_APP_URL}${path}`, init),
  );
  try {
    return (await handler({ request, params, context: {} })) as T;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown as T;
    throw thrown;
  }
}

let shop: SeededShop;
const setPlan = (plan: PlanId | null) => db.shop.update({ where: { id: shop.shopId }, data: { appPlan: plan } });

beforeAll(async () => {
  const domain = uniqueShopDomain("plan-ui");
  await sessionStorage.storeSession(setUpValidSession({ shop: domain, expires: undefined, scope: process.env.SCOPES }));
  shop = await seedAnalysedShop(domain, 60, appNow());
});
afterAll(() => queues().close());

describe("plan gates in the admin", () => {
  it("Settings shows the plan, its subscription and Shopify's plan page", async () => {
    await db.shop.update({
      where: { id: shop.shopId },
      data: { appPlan: "growth", appSubscription: { name: "Growth", status: "ACTIVE", test: true } },
    });
    const data = await call<Awaited<ReturnType<typeof settingsLoader>>>(settingsLoader, shop.domain, "/app/settings");
    const store = shop.domain.replace(".myshopify.com", "");
    expect(data.plan).toMatchObject({
      id: "growth",
      name: "Growth",
      checked: true,
      subscription: { name: "Growth", status: "ACTIVE", test: true },
      pricingUrl: expect.stringMatching(new RegExp(`/store/${store}/charges/segments/pricing_plans$`)),
    });
    expect(data.plan.features).toMatchObject({ pushes: true, flow: false, storefrontBlocks: false });
  });

  it("a shop never checked reads as Pro", async () => {
    await setPlan(null);
    const data = await call<Awaited<ReturnType<typeof overviewLoader>>>(overviewLoader, shop.domain, "/app");
    expect(data.plan).toMatchObject({ id: "pro", checked: false });
  });

  it("Free: churn-risk segments are not listed; the overview gets the plan for its gates", async () => {
    const where = { shopId_key: { shopId: shop.shopId, key: "churn-risk-high" } };
    await db.segment.upsert({
      where,
      create: { shopId: shop.shopId, key: "churn-risk-high", kind: "PREDICTIVE", name: "High churn risk" },
      update: {},
    });
    await setPlan("free");
    const segments = await call<Awaited<ReturnType<typeof segmentsLoader>>>(
      segmentsLoader,
      shop.domain,
      "/app/segments",
    );
    expect(segments.plan.id).toBe("free");
    expect(segments.segments.filter((s) => s.kind === "PREDICTIVE")).toEqual([]);
    expect(await db.segment.count({ where: { shopId: shop.shopId, kind: "PREDICTIVE" } })).toBeGreaterThan(0);
    await setPlan("growth");
    const growth = await call<Awaited<ReturnType<typeof segmentsLoader>>>(segmentsLoader, shop.domain, "/app/segments");
    expect(growth.segments.filter((s) => s.kind === "PREDICTIVE").length).toBeGreaterThan(0);
  });

  it("the customer page shows no predictions (figures, reasons, caveats) and no cluster on Free", async () => {
    const id = String(shop.firstCustomerId);
    type Detail = Awaited<ReturnType<typeof customerLoader>>;
    await setPlan("growth");
    const growth = await call<Detail>(customerLoader, shop.domain, `/app/customers/${id}`, { id });
    expect(growth.score!.pAlive).not.toBeNull();
    expect(growth.why!.lines.map((l) => l.score)).toContain("clv");
    await setPlan("free");
    const free = await call<Detail>(customerLoader, shop.domain, `/app/customers/${id}`, { id });
    expect(free.plan.id).toBe("free");
    expect(free.score).toMatchObject({
      r: growth.score!.r,
      lifecycle: growth.score!.lifecycle,
      pAlive: null,
      churnRisk: null,
      expectedOrders: null,
      expectedAov: null,
      clv: null,
      nextOrderAt: null,
      cluster: null,
      clusterName: null,
    });
    expect(free.why!.lines.map((l) => l.score).sort()).toEqual(
      growth
        .why!.lines.map((l) => l.score)
        .filter((s) => s === "rfm" || s === "lifecycle")
        .sort(),
    );
    expect(free.why!.notes).toEqual([]);
  });

  it("refuses to switch Flow triggers on below Pro (403, nothing changed); Pro may", async () => {
    const key = "rfm-champions";
    const before = await db.segment.findUniqueOrThrow({ where: { shopId_key: { shopId: shop.shopId, key } } });
    await setPlan("growth");
    const refused = await call<Response>(
      segmentAction,
      shop.domain,
      `/app/segments/${key}`,
      { key },
      {
        intent: "flow",
        on: "true",
      },
    );
    expect(refused).toBeInstanceOf(Response);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toBe("Flow triggers need the Pro plan");
    const after = await db.segment.findUniqueOrThrow({ where: { shopId_key: { shopId: shop.shopId, key } } });
    expect(after.flowTriggersAfterEventId).toEqual(before.flowTriggersAfterEventId);
    // Switching off is always allowed.
    expect(
      await call(segmentAction, shop.domain, `/app/segments/${key}`, { key }, { intent: "flow", on: "false" }),
    ).toEqual({ flowTriggers: false });
    await setPlan("pro");
    expect(
      await call(segmentAction, shop.domain, `/app/segments/${key}`, { key }, { intent: "flow", on: "true" }),
    ).toEqual({ flowTriggers: true });
  });

  it("the customer details block's endpoint answers 403 naming Pro below it", async () => {
    const customer = await db.customer.findFirstOrThrow({ where: { shopId: shop.shopId }, orderBy: { id: "asc" } });
    const path = `/api/customer-block?customerId=gid://shopify/Customer/${customer.shopifyId}`;
    await setPlan("growth");
    const gated = await call<Response>(customerBlockLoader, shop.domain, path);
    expect(gated.status).toBe(403);
    expect(await gated.json()).toEqual({ error: "plan", plan: "Pro", current: "Growth" });
    await setPlan("pro");
    const open = await call<Response>(customerBlockLoader, shop.domain, path);
    expect(open.status).toBe(200);
  });
});

describe("PlanGateBanner", () => {
  const render = (node: ReturnType<typeof createElement>) =>
    renderToStaticMarkup(createElement(AppProvider, { i18n: en }, node));
  const view = (plan: PlanId) =>
    planView({ domain: "acme.myshopify.com", appPlan: plan, appSubscription: null }, undefined);

  it("names the tier, says the current plan and links to Shopify's plan page in the top window", () => {
    const html = render(createElement(PlanGateBanner, { plan: view("growth"), feature: "flow" }));
    expect(html).toContain("Shopify Flow triggers: Pro plan");
    expect(html).toContain("Your shop is on the Growth plan.");
    expect(html).toContain('href="https://admin.shopify.com/store/acme/charges/segments/pricing_plans"');
    expect(html).toContain('target="_top"');
    expect(html).toContain("Upgrade to Pro");
  });

  it("shows nothing when the plan has the feature", () => {
    expect(render(createElement(PlanGateBanner, { plan: view("pro"), feature: "flow" }))).not.toContain("Pro plan");
    expect(render(createElement(PlanGateBanner, { plan: view("growth"), feature: "pushes" }))).not.toContain("plan");
  });

  it("the customer limit: only past it, naming the plan that scores more", () => {
    expect(render(createElement(CustomerLimitBanner, { plan: view("free"), customers: 500 }))).toBe(
      render(createElement("span")).replace("<span></span>", ""),
    );
    const html = render(createElement(CustomerLimitBanner, { plan: view("free"), customers: 1_234 }));
    expect(html).toContain("The Free plan scores 500 of your 1,234 customers");
    expect(html).toContain("Growth scores up to 10,000.");
    expect(render(createElement(CustomerLimitBanner, { plan: view("growth"), customers: 20_000 }))).toContain(
      "Pro scores every customer.",
    );
  });
});
