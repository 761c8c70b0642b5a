import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  allows,
  APP_HANDLE,
  effectivePlan,
  isDowngrade,
  lowestPlanWith,
  planFeatures,
  planOfName,
  planOfSubscriptions,
  planView,
  PLAN_ORDER,
  PLANS,
  pricingPlansUrl,
} from "~/billing/plans";
import { gatedSettings } from "~/push/push-shop.server";
import { DEFAULT_SETTINGS } from "~/settings";

describe("pricing plans", () => {
  it("gives each plan more than the one below it", () => {
    expect(PLAN_ORDER).toEqual(["free", "growth", "pro"]);
    expect(planFeatures("free")).toEqual({
      customerLimit: 500,
      predictions: false,
      clusters: false,
      pushes: false,
      flow: false,
      storefrontBlocks: false,
    });
    expect(planFeatures("growth")).toEqual({
      customerLimit: 10_000,
      predictions: true,
      clusters: true,
      pushes: true,
      flow: false,
      storefrontBlocks: false,
    });
    expect(planFeatures("pro")).toEqual({
      customerLimit: null,
      predictions: true,
      clusters: true,
      pushes: true,
      flow: true,
      storefrontBlocks: true,
    });
    for (let i = 1; i < PLAN_ORDER.length; i++) {
      const lower = PLANS[PLAN_ORDER[i - 1]].features;
      const higher = PLANS[PLAN_ORDER[i]].features;
      for (const key of ["predictions", "clusters", "pushes", "flow", "storefrontBlocks"] as const)
        if (lower[key]) expect(higher[key], key).toBe(true);
      expect(higher.customerLimit ?? Infinity).toBeGreaterThan(lower.customerLimit ?? Infinity);
    }
  });

  it("names the lowest plan with each feature (what a gate shows)", () => {
    expect(lowestPlanWith("predictions").name).toBe("Growth");
    expect(lowestPlanWith("clusters").name).toBe("Growth");
    expect(lowestPlanWith("pushes").name).toBe("Growth");
    expect(lowestPlanWith("flow").name).toBe("Pro");
    expect(lowestPlanWith("storefrontBlocks").name).toBe("Pro");
    expect(allows("growth", "flow")).toBe(false);
    expect(allows("pro", "flow")).toBe(true);
  });

  it("reads the plan from the subscription's name, the highest active one, never more than it can name", () => {
    expect(planOfName("Growth")).toBe("growth");
    expect(planOfName("growth (annual)")).toBe("growth");
    expect(planOfName("Pro yearly")).toBe("pro");
    expect(planOfName("PRO")).toBe("pro");
    expect(planOfName("Professional")).toBe("free");
    expect(planOfName("Enterprise")).toBe("free");
    expect(planOfSubscriptions([])).toBe("free");
    expect(planOfSubscriptions([{ name: "Growth", status: "ACTIVE" }])).toBe("growth");
    expect(planOfSubscriptions([{ name: "Pro", status: "ACTIVE", test: true }])).toBe("pro");
    expect(
      planOfSubscriptions([
        { name: "Growth", status: "ACTIVE" },
        { name: "Pro", status: "ACTIVE" },
      ]),
    ).toBe("pro");
    for (const status of ["PENDING", "FROZEN", "CANCELLED", "DECLINED", "EXPIRED"])
      expect(planOfSubscriptions([{ name: "Pro", status }]), status).toBe("free");
  });

  it("reads a shop never checked as Pro (as before pricing), and an unknown stored value as Free", () => {
    expect(effectivePlan(null)).toBe("pro");
    expect(effectivePlan(undefined)).toBe("pro");
    expect(effectivePlan("growth")).toBe("growth");
    expect(effectivePlan("gold")).toBe("free");
    expect(isDowngrade("pro", "growth")).toBe(true);
    expect(isDowngrade("growth", "free")).toBe(true);
    expect(isDowngrade("free", "pro")).toBe(false);
  });

  it("links to Shopify's hosted plan page of the app's handle in shopify.app.toml", () => {
    expect(readFileSync("shopify.app.toml", "utf8")).toMatch(new RegExp(`^handle = "${APP_HANDLE}"$`, "m"));
    expect(pricingPlansUrl("acme-store.myshopify.com", APP_HANDLE)).toBe(
      "https://admin.shopify.com/store/acme-store/charges/segments/pricing_plans",
    );
    expect(pricingPlansUrl("acme.myshopify.com", "segments", "http://127.0.0.1:4000")).toBe(
      "http://127.0.0.1:4000/store/acme/charges/segments/pricing_plans",
    );
    expect(
      planView({
        domain: "acme.myshopify.com",
        appPlan: "growth",
        appSubscription: { name: "Growth", status: "ACTIVE", test: true },
      }),
    ).toMatchObject({
      id: "growth",
      name: "Growth",
      checked: true,
      subscription: { name: "Growth", status: "ACTIVE", test: true },
      pricingUrl: "https://admin.shopify.com/store/acme/charges/segments/pricing_plans",
    });
    expect(planView({ domain: "acme.myshopify.com", appPlan: null, appSubscription: null })).toMatchObject({
      id: "pro",
      checked: false,
      subscription: null,
    });
  });

  it("turns the push switches off on a plan without pushes, as the merchant would in Settings", () => {
    expect(gatedSettings(DEFAULT_SETTINGS, planFeatures("growth"))).toBe(DEFAULT_SETTINGS);
    expect(gatedSettings(DEFAULT_SETTINGS, planFeatures("free"))).toEqual({
      ...DEFAULT_SETTINGS,
      pushTags: false,
      pushNativeSegments: false,
      pushMetafields: false,
    });
  });
});
