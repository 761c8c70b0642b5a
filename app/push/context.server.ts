import type { PlanFeatures } from "~/billing/plans";
import type { Db } from "~/db.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import type { ShopSettings } from "~/settings";

// What every push step shares: the shop, its settings, the Admin client and the run's tally.

export interface PushTuning {
  /** Changed customers from which tags and metafields go as one bulk mutation instead of calls. */
  bulkThreshold: number;
  /**
   * Concurrent Admin calls on the per-call path. One by default: the cost bucket, not latency,
   * bounds throughput once a push exceeds the burst, and parallel callers only race for points.
   */
  concurrency: number;
  /** Customers whose results are written to PushedTag/PushedMetafields per database round trip. */
  saveEvery: number;
  /** Products per segment in the recommendations metaobject. */
  recommendedProducts: number;
  /** First poll interval for a bulk operation, growing up to `bulkMaxPollMs`. */
  bulkPollMs: number;
  bulkMaxPollMs: number;
}

export const DEFAULT_TUNING: PushTuning = {
  bulkThreshold: 500,
  concurrency: 1,
  saveEvery: 200,
  recommendedProducts: 8,
  bulkPollMs: 1_000,
  bulkMaxPollMs: 10_000,
};

export interface PushCounts {
  /** Customers whose tags or metafields were changed in Shopify. */
  customersChanged: number;
  tagsAdded: number;
  tagsRemoved: number;
  /** Tags not sent because of Shopify's limits (length, count per customer). */
  tagsSkipped: number;
  metafieldsSet: number;
  metafieldsDeleted: number;
  segmentsCreated: number;
  segmentsUpdated: number;
  segmentsDeleted: number;
  /** Enabled segments below the minimum size, so without a Shopify customer segment (settings). */
  segmentsBelowMinimum: number;
  recommendationsUpserted: number;
  recommendationsDeleted: number;
  bulkOperations: number;
  /** Flow triggers Flow accepted, refused (userErrors), lost to a crash or an ambiguous failure, or skipped. */
  flowTriggersSent: number;
  flowTriggersRejected: number;
  flowTriggersLost: number;
  flowTriggersSkipped: number;
  /** Items Shopify refused; they stay unrecorded, so the next push tries them again. */
  errors: number;
  errorSamples: string[];
}

export type PushPhase = "tags" | "segments" | "metafields" | "recommendations" | "flow";

export interface PushProgress {
  phase: PushPhase;
  done: number;
  total: number;
}

export interface PushContext {
  db: Db;
  admin: AdminClient;
  shopId: number;
  timezone: string;
  settings: ShopSettings;
  /**
   * The newest prediction check found the history insufficient: predictive segments and score
   * metafields are not pushed (and taken back off); see app/compute/prediction-check.server.ts.
   */
  predictionsWithheld: boolean;
  /** The shop's plan's features (app/billing/plans.ts); `settings` already has the gated pushes off. */
  features: PlanFeatures;
  /** Secret of the storefront's segment tokens (see storefront.server.ts). */
  storefrontKey: string;
  tuning: PushTuning;
  counts: PushCounts;
  /** Distinct customers changed so far (tags and metafields both count once). */
  changedCustomers: Set<bigint>;
  fail(what: string, message: string): void;
  progress(progress: PushProgress): Promise<void>;
}

export function emptyCounts(): PushCounts {
  return {
    customersChanged: 0,
    tagsAdded: 0,
    tagsRemoved: 0,
    tagsSkipped: 0,
    metafieldsSet: 0,
    metafieldsDeleted: 0,
    segmentsCreated: 0,
    segmentsUpdated: 0,
    segmentsDeleted: 0,
    segmentsBelowMinimum: 0,
    recommendationsUpserted: 0,
    recommendationsDeleted: 0,
    bulkOperations: 0,
    flowTriggersSent: 0,
    flowTriggersRejected: 0,
    flowTriggersLost: 0,
    flowTriggersSkipped: 0,
    errors: 0,
    errorSamples: [],
  };
}

/** Runs `work` over `items` with at most `limit` in flight, in order of start. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
