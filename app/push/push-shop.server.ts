import type { Db } from "~/db.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { shopSettings } from "~/settings";
import { DEFAULT_TUNING, emptyCounts, type PushContext, type PushCounts, type PushProgress, type PushTuning } from "~/push/context.server";
import { pushMetafields } from "~/push/metafields.server";
import { pushNativeSegments } from "~/push/native-segments.server";
import { pushRecommendations } from "~/push/recommendations.server";
import { pushStorefrontConfig, storefrontKey } from "~/push/storefront.server";
import { pushTags } from "~/push/tags.server";

// One push of a shop's computed segments to Shopify: the storefront blocks' config, tags (native
// segments select them), then native segments, metafields and the recommendation metaobjects. Every step compares with
// what it recorded as pushed and sends only the difference, so a push with nothing new sends
// no mutation, and a push that stopped half-way is finished by the next one.

export interface PushOptions {
  tuning?: Partial<PushTuning>;
  onProgress?: (progress: PushProgress & { counts: PushCounts }) => Promise<void> | void;
}

const MAX_ERROR_SAMPLES = 10;

export async function pushShop(db: Db, admin: AdminClient, shopId: number, options: PushOptions = {}): Promise<PushCounts> {
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
  const settings = shopSettings(shop.settings);
  const counts = emptyCounts();
  const ctx: PushContext = {
    db,
    admin,
    shopId,
    timezone: settings.timezone ?? shop.timezone,
    settings,
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
  } finally {
    counts.customersChanged = ctx.changedCustomers.size;
  }
  return counts;
}
