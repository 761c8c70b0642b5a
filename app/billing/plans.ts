// The app's pricing plans (Shopify App Pricing: the plans are defined with the app's listing,
// Shopify hosts the plan page, trials, proration and test charges). Pure: no database or Shopify
// imports, so the compute, the push, the admin and the tests share one definition.

export type PlanId = "free" | "growth" | "pro";

/** What a plan can switch on. Every gate in the app reads one of these. */
export interface PlanFeatures {
  /** Most customers one compute scores (the most recently ordering first); null: no limit. */
  customerLimit: number | null;
  /** Predictive scores and segments (churn risk, P(active), CLV, expected orders) and the backtest card. */
  predictions: boolean;
  /** k-means cluster segments. */
  clusters: boolean;
  /** Pushes to Shopify: app-managed tags, native customer segments, customer metafields. */
  pushes: boolean;
  /** Shopify Flow triggers (Customer entered/left segment, churn risk changed). */
  flow: boolean;
  /** The storefront blocks (their config and recommendation metaobjects) and the customer details block. */
  storefrontBlocks: boolean;
}

export interface Plan {
  id: PlanId;
  /** The name of the plan in the listing, and so of its subscription (`AppSubscription.name`). */
  name: string;
  features: PlanFeatures;
}

export const FREE_CUSTOMER_LIMIT = 500;
export const GROWTH_CUSTOMER_LIMIT = 10_000;

export const PLANS: Record<PlanId, Plan> = {
  free: {
    id: "free",
    name: "Free",
    features: {
      customerLimit: FREE_CUSTOMER_LIMIT,
      predictions: false,
      clusters: false,
      pushes: false,
      flow: false,
      storefrontBlocks: false,
    },
  },
  growth: {
    id: "growth",
    name: "Growth",
    features: {
      customerLimit: GROWTH_CUSTOMER_LIMIT,
      predictions: true,
      clusters: true,
      pushes: true,
      flow: false,
      storefrontBlocks: false,
    },
  },
  pro: {
    id: "pro",
    name: "Pro",
    features: {
      customerLimit: null,
      predictions: true,
      clusters: true,
      pushes: true,
      flow: true,
      storefrontBlocks: true,
    },
  },
};

/** The app's handle (`handle` in shopify.app.toml): part of the hosted plan page's URL. */
export const APP_HANDLE = "segments";

export const PLAN_ORDER: readonly PlanId[] = ["free", "growth", "pro"];

export type Feature = Exclude<keyof PlanFeatures, "customerLimit">;

/** Merchant-facing names of the gated features (banners, the plan card). */
export const FEATURE_LABELS: Record<Feature, string> = {
  predictions: "Predictions and backtests",
  clusters: "Cluster segments",
  pushes: "Pushes to Shopify (tags, customer segments, metafields)",
  flow: "Shopify Flow triggers",
  storefrontBlocks: "Storefront and customer blocks",
};

/** One active subscription as `currentAppInstallation.activeSubscriptions` returns it. */
export interface ActiveSubscription {
  id?: string;
  name: string;
  status: string;
  test?: boolean;
}

/**
 * The plan of a subscription's name: the listing's plan names, compared without regard to case
 * or surrounding words ("Growth", "growth (annual)", "Pro yearly"). An unknown name is Free: the
 * app never grants more than it can name.
 */
export function planOfName(name: string): PlanId {
  const words = name.toLowerCase().split(/[^a-z]+/);
  if (words.includes("pro")) return "pro";
  if (words.includes("growth")) return "growth";
  return "free";
}

/**
 * The plan of an installation's active subscriptions: the highest plan among those ACTIVE
 * (Shopify lists only active ones, but a PENDING/FROZEN/CANCELLED one grants nothing); none is
 * Free. Test charges count (development stores can only make those).
 */
export function planOfSubscriptions(subscriptions: readonly ActiveSubscription[]): PlanId {
  let best: PlanId = "free";
  for (const s of subscriptions) {
    if (s.status !== "ACTIVE") continue;
    const plan = planOfName(s.name);
    if (PLAN_ORDER.indexOf(plan) > PLAN_ORDER.indexOf(best)) best = plan;
  }
  return best;
}

/**
 * The plan a shop's stored value reads as. Null is an installation whose subscription the app has
 * not read yet (installed before pricing, or the check is still queued): it reads as Pro, as
 * before pricing existed, until the plan check (queued at every install, on the webhook and at
 * worker start for unchecked shops) stores what Shopify says.
 */
export function effectivePlan(stored: string | null | undefined): PlanId {
  if (stored === null || stored === undefined) return "pro";
  return (PLAN_ORDER as readonly string[]).includes(stored) ? (stored as PlanId) : "free";
}

export function planFeatures(plan: PlanId): PlanFeatures {
  return PLANS[plan].features;
}

export function allows(plan: PlanId, feature: Feature): boolean {
  return PLANS[plan].features[feature];
}

/** The lowest plan that has a feature (the tier a gate names). */
export function lowestPlanWith(feature: Feature): Plan {
  return PLANS[PLAN_ORDER.find((id) => PLANS[id].features[feature])!];
}

/** True when `to` lacks something `from` had (what a downgrade has to take back). */
export function isDowngrade(from: PlanId, to: PlanId): boolean {
  return PLAN_ORDER.indexOf(to) < PLAN_ORDER.indexOf(from);
}

/**
 * Shopify's hosted plan page for the app (App Pricing): `admin.shopify.com/store/<store>/charges/<handle>/pricing_plans`,
 * where `<store>` is the shop's myshopify subdomain. Opened in the top window: the app runs in the admin's frame.
 */
export function pricingPlansUrl(
  shopDomain: string,
  appHandle: string,
  adminOrigin = "https://admin.shopify.com",
): string {
  const store = shopDomain.replace(/\.myshopify\.com$/, "");
  return `${adminOrigin}/store/${encodeURIComponent(store)}/charges/${encodeURIComponent(appHandle)}/pricing_plans`;
}

/** What the admin pages know of the shop's plan (loader data: plain JSON). */
export interface PlanView {
  id: PlanId;
  name: string;
  /** False until the plan check first read the subscriptions (the plan then reads as Pro). */
  checked: boolean;
  /** The active subscription the plan comes from; null on Free or before the check. */
  subscription: { name: string; status: string; test: boolean } | null;
  features: PlanFeatures;
  /** Shopify's hosted plan page, opened in the top window. */
  pricingUrl: string;
}

export function planView(
  shop: { domain: string; appPlan: string | null; appSubscription: unknown },
  adminOrigin?: string,
): PlanView {
  const id = effectivePlan(shop.appPlan);
  const stored = shop.appSubscription as { name?: unknown; status?: unknown; test?: unknown } | null;
  return {
    id,
    name: PLANS[id].name,
    checked: shop.appPlan !== null,
    subscription:
      stored && typeof stored === "object" && typeof stored.name === "string"
        ? { name: stored.name, status: String(stored.status ?? ""), test: stored.test === true }
        : null,
    features: PLANS[id].features,
    pricingUrl: pricingPlansUrl(shop.domain, APP_HANDLE, adminOrigin),
  };
}
