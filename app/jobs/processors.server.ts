import type { JobDeps } from "~/jobs/job-deps.server";
import type { Processors } from "~/jobs/start-workers.server";
import { maintenanceProcessor } from "~/jobs/maintenance.server";
import { ingestProcessor, syncProcessor } from "~/jobs/sync.server";
import { pushProcessor } from "~/jobs/push.server";
import { computeProcessor, scoreProcessor } from "~/jobs/compute.server";
import { enqueueCollectionMemberships, enqueuePrivacyCheck, enqueueRescore } from "~/enqueue.server";

/** Every queue's processor, wired to its dependencies. */
export function createProcessors(deps: JobDeps): Processors {
  const { adminForShop } = deps;
  const withHooks: JobDeps = {
    ...deps,
    onCustomerChanged: deps.onCustomerChanged ?? ((shopId, customer) => enqueueRescore(deps.queues, shopId, customer)),
    onPrivacyCheckDue: deps.onPrivacyCheckDue ?? ((shopId) => enqueuePrivacyCheck(deps.queues, shopId)),
    onCollectionMembershipsDue:
      deps.onCollectionMembershipsDue ?? ((shopId) => enqueueCollectionMemberships(deps.queues, shopId)),
  };
  return {
    maintenance: maintenanceProcessor(withHooks),
    ingest: ingestProcessor(withHooks),
    compute: computeProcessor(deps),
    score: scoreProcessor(deps),
    ...(adminForShop
      ? { sync: syncProcessor({ ...deps, adminForShop }), push: pushProcessor({ ...deps, adminForShop }) }
      : {}),
  };
}
