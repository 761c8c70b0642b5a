import type { Job } from "bullmq";
import type { JobDeps } from "~/jobs/job-deps.server";
import { checkShopPlan } from "~/billing/plan-check.server";
import { checkCustomerPrivacy } from "~/sync/privacy-check.server";
import { syncCollectionMemberships } from "~/sync/collection-memberships.server";
import { productsChanged } from "~/sync/apply-event.server";
import type { JobData, Queues } from "~/queues.server";
import { sweepInbox } from "~/sync/inbox.server";
import { runRetention } from "~/sync/retention.server";

export function maintenanceProcessor(deps: JobDeps) {
  return async (job: Job<JobData["maintenance"]>) => {
    switch (job.data.task) {
      case "heartbeat":
        return { at: new Date().toISOString() };
      case "sweep-inbox":
        return { requeued: await sweepInbox(deps.db, deps.queues) };
      case "retention":
        return runRetention(deps.db);
      case "privacy-check":
        return job.data.shopId === undefined ? { skipped: "no shop" } : checkCustomerPrivacy(deps, job.data.shopId);
      case "collection-memberships":
        return job.data.shopId === undefined
          ? { skipped: "no shop" }
          : syncCollectionMemberships(
              { ...deps, onProductsChanged: (shopId, products) => productsChanged(deps, shopId, products) },
              job.data.shopId,
            );
      case "plan-check":
        return job.data.shopId === undefined ? { skipped: "no shop" } : checkShopPlan(deps, job.data.shopId);
    }
  };
}

/** Repeatable housekeeping, registered once by the worker (BullMQ schedulers are idempotent). */
export async function scheduleMaintenance(queues: Queues): Promise<void> {
  const queue = queues.get("maintenance");
  await queue.upsertJobScheduler(
    "sweep-inbox",
    { every: 60_000 },
    { name: "sweep-inbox", data: { task: "sweep-inbox" } },
  );
  // Uninstalled shops past their window, applied webhook payloads, orders past a shop's retention.
  await queue.upsertJobScheduler("retention", { every: 3_600_000 }, { name: "retention", data: { task: "retention" } });
}
