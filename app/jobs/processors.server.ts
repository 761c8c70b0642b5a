import type { Db } from "~/db.server";
import type { Queues } from "~/queues.server";
import type { Processors } from "~/jobs/runtime.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { maintenanceProcessor } from "~/jobs/maintenance.server";
import { ingestProcessor, syncProcessor } from "~/jobs/sync.server";
import { pushProcessor } from "~/jobs/push.server";
import { computeProcessor, enqueueRescore, scoreProcessor } from "~/jobs/compute.server";

export interface JobDeps {
  db: Db;
  queues: Queues;
  /** Admin API access for a shop (from its stored offline session in production). */
  adminForShop?: (shop: string) => Promise<AdminClient>;
  /** A customer's orders changed: re-score them (debounced). */
  onCustomerChanged?: (shopId: number, customerShopifyId: bigint) => Promise<void>;
}

/** Every queue's processor, wired to its dependencies. */
export function createProcessors(deps: JobDeps): Processors {
  const { adminForShop } = deps;
  const withHooks: JobDeps = {
    ...deps,
    onCustomerChanged: deps.onCustomerChanged ?? ((shopId, customer) => enqueueRescore(deps.queues, shopId, customer)),
  };
  return {
    maintenance: maintenanceProcessor(deps),
    ingest: ingestProcessor(withHooks),
    compute: computeProcessor(deps),
    score: scoreProcessor(deps),
    ...(adminForShop ? { sync: syncProcessor({ ...deps, adminForShop }), push: pushProcessor({ ...deps, adminForShop }) } : {}),
  };
}
