import db from "~/db.server";
import { shopForDomain } from "~/sync/shop-install.server";
import { shopSettings, type ShopSettings } from "~/settings";
import { planView, type PlanView } from "~/billing/plans";
import { emulatedAdminOrigin } from "~/shopify/origin.server";

// The shop behind an authenticated admin request. Every UI query is scoped by its id.

export interface ShopContext {
  id: number;
  domain: string;
  currency: string;
  timezone: string;
  settings: ShopSettings;
  /** The shop's pricing plan (app/billing/plans.ts) and what it allows. */
  plan: PlanView;
}

export async function requireShop(domain: string): Promise<ShopContext> {
  const shop = await shopForDomain(domain);
  return {
    id: shop.id,
    domain: shop.domain,
    currency: shop.currency,
    timezone: shop.timezone,
    settings: shopSettings(shop.settings),
    // With the emulator, its admin stands in for admin.shopify.com (it serves every /store/… page).
    plan: planView(shop, emulatedAdminOrigin()),
  };
}

/** A 404 thrown from a loader: the page's error boundary shows "not found", never another shop's data. */
export function notFound(what = "Not found"): Response {
  return new Response(what, { status: 404, statusText: "Not Found" });
}

export { db };
