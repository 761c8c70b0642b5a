import type { Db } from "~/db.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { shopSettings, type ShopSettings } from "~/settings";
import { effectivePlan, planFeatures, type PlanFeatures } from "~/billing/plans";
import { predictionsWithheld } from "~/compute/prediction-check.server";
import {
  DEFAULT_TUNING,
  emptyCounts,
  type PushContext,
  type PushCounts,
  type PushProgress,
  type PushTuning,
} from "~/push/context.server";
import { pushFlowTriggers } from "~/push/flow-triggers.server";
import { pushMetafields } from "~/push/metafields.server";
import { pushNativeSegments } from "~/push/native-segments.server";
import { pushRecommendations } from "~/push/recommendations.server";
import { pushStorefrontConfig, storefrontKey } from "~/push/storefront.server";
import { pushTags } from "~/push/tags.server";

// One push of a shop's computed segments to Shopify: the storefront blocks' config, tags (native
// segments select them), then native segments, metafields, the recommendation metaobjects and Flow triggers. Every step compares with
// what it recorded as pushed and sends only the difference, so a push with nothing new sends
// no mutation, and a push that stopped half-way is finished by the next one.

export interface PushOptions {
  tuning?: Partial<PushTuning>;
  onProgress?: (progress: PushProgress & { counts: PushCounts }) => Promise<void> | void;
}

const MAX_ERROR_SAMPLES = 10;

/**
 * The push switches as the plan allows them: a plan without pushes turns tags, native segments and
 * metafields off, exactly as the merchant turning them off in Settings would, so a downgrade takes
 * back what was pushed (tags removed, segments and metafields deleted) by the same code paths.
 */
export function gatedSettings(settings: ShopSettings, features: PlanFeatures): ShopSettings {
  if (features.pushes) return settings;
  return { ...settings, pushTags: false, pushNativeSegments: false, pushMetafields: false };
}

export async function pushShop(
  db: Db,
  admin: AdminClient,
  shopId: number,
  options: PushOptions = {},
): Promise<PushCounts> {
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
  const features = planFeatures(effectivePlan(shop.appPlan));
  const settings = gatedSettings(shopSettings(shop.settings), features);
  const counts = emptyCounts();
  const ctx: PushContext = {
    db,
    admin,
    shopId,
    timezone: settings.timezone ?? shop.timezone,
    settings,
    // Without predictions in the plan they are withheld as for too little history: taken back off.
    predictionsWithheld: !features.predictions || (await predictionsWithheld(db, shopId)),
    features,
    storefrontKey: await storefrontKey(db, shopId),
    tuning: { ...DEFAULT_TUNING, ...options.tuning },
    counts,
    changedCustomers: new Set(),
    fail(what, message) {
      counts.errors++;
      if (counts.errorSamples.length < MAX_ERROR_SAMPLES) counts.errorSamples.push(`${what}: ${message}`);
    },
    async progress(progress) {
      counts.customersChanged = ctx.changedCustomers.size;
      await options.onProgress?.({ ...progress, counts });
    },
  };
  try {
    // First the blocks' config: the tokens and tag prefixes below mean nothing to them without it.
    await pushStorefrontConfig(ctx);
    await pushTags(ctx);
    await pushNativeSegments(ctx);
    await pushMetafields(ctx);
    await pushRecommendations(ctx);
    // Last, so a workflow that reads the customer's tags or metafields sees this push's.
    await pushFlowTriggers(ctx);
  } finally {
    counts.customersChanged = ctx.changedCustomers.size;
  }
  return counts;
}
