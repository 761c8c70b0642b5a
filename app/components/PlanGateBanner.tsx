import { Banner, Text } from "@shopify/polaris";
import {
  FEATURE_LABELS,
  lowestPlanWith,
  PLAN_ORDER,
  PLANS,
  type Feature,
  type Plan,
  type PlanView,
} from "~/billing/plans";

/**
 * Shown where a feature the shop's plan does not include would be (Built for Shopify 4.3.7: gated
 * features are disabled visibly and functionally, with the tier named). It names the lowest plan
 * that has the feature and links to Shopify's hosted plan page in the top window (the app runs in
 * the admin's frame, and the plan page is the admin's). Nothing when the plan has the feature.
 */
export function PlanGateBanner({ plan, feature, detail }: { plan: PlanView; feature: Feature; detail?: string }) {
  if (plan.features[feature]) return null;
  const tier = lowestPlanWith(feature).name;
  return (
    <Banner
      tone="info"
      title={`${FEATURE_LABELS[feature]}: ${tier} plan`}
      action={{ content: `Upgrade to ${tier}`, url: plan.pricingUrl, target: "_top" }}
    >
      <Text as="p">{`Your shop is on the ${plan.name} plan. ${detail ?? ""}`.trim()}</Text>
    </Banner>
  );
}

/** True when the feature is gated (for controls that disable themselves beside the banner). */
export function isGated(plan: PlanView, feature: Feature): boolean {
  return !plan.features[feature];
}

/**
 * The plan's customer limit, when the shop has more customers than it scores: the most recently
 * ordering ones are scored, and the next plan up scores more. Nothing within the limit.
 */
export function CustomerLimitBanner({ plan, customers }: { plan: PlanView; customers: number }) {
  const limit = plan.features.customerLimit;
  if (limit === null || customers <= limit) return null;
  const next = nextPlanAbove(limit);
  const more = next.features.customerLimit === null ? "every customer" : `up to ${fmt(next.features.customerLimit)}`;
  return (
    <Banner
      tone="warning"
      title={`The ${plan.name} plan scores ${fmt(limit)} of your ${fmt(customers)} customers`}
      action={{ content: `Upgrade to ${next.name}`, url: plan.pricingUrl, target: "_top" }}
    >
      <Text as="p">
        {`The ${fmt(limit)} customers who ordered most recently are scored; the others are in no segment. ${next.name} scores ${more}.`}
      </Text>
    </Banner>
  );
}

function nextPlanAbove(limit: number): Plan {
  return PLANS[PLAN_ORDER.find((id) => (PLANS[id].features.customerLimit ?? Infinity) > limit)!];
}

const fmt = (n: number) => n.toLocaleString("en-US");
