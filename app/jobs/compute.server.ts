import type { Job } from "bullmq";
import type { JobDeps } from "~/jobs/job-deps.server";
import { failAbandonedRuns, finishRun, startRun } from "~/jobs/runs.server";
import { tryWithShopLock } from "~/push/shop-lock.server";
import type { JobData } from "~/queues.server";
import { computeShop } from "~/compute/compute-shop.server";
import { rescoreCustomer } from "~/compute/rescore-customer.server";
import { enqueueCompute, enqueuePush } from "~/enqueue.server";

// The compute and score processors; what queues them is app/enqueue.server.ts.

/**
 * The full recompute. One per shop at a time: the claim is a PostgreSQL session lock held by a
 * connection of the computing process, so it ends when that process does (even by kill -9) and
 * a retry is never turned away by a run that only looks busy; the claimer marks runs that a dead
 * worker left RUNNING as failed. A compute that finds the claim held by a live one is cancelled.
 */
export function computeProcessor(deps: JobDeps) {
  return async (job: Job<JobData["compute"]>) => {
    const { db } = deps;
    const shop = await db.shop.findUnique({ where: { id: job.data.shopId } });
    if (!shop || shop.uninstalledAt) return { skipped: "shop not installed" };
    const run = await db.run.create({ data: { shopId: shop.id, kind: "COMPUTE", trigger: job.data.trigger } });
    const claim = await tryWithShopLock("compute", shop.id, async () => {
      await failAbandonedRuns(db, shop.id, "COMPUTE", run.id, "compute");
      await startRun(db, run);
      try {
        const result = await computeShop(db, shop.id, run.id);
        await db.run.update({
          where: { shopId_id: { shopId: run.shopId, id: run.id } },
          data: { progressDone: result.customers, progressTotal: result.customers },
        });
        await enqueuePush(deps.queues, shop.id, `compute-${run.id}`);
        // Last, so that a compute queued once this one shows as finished is not merged into it.
        await finishRun(db, run, "SUCCEEDED", { ...result });
        return result;
      } catch (error) {
        await finishRun(db, run, "FAILED", {}, (error as Error).message);
        throw error;
      }
    });
    if (!claim.held) {
      await finishRun(db, run, "CANCELLED", { reason: "another compute of this shop was running" });
      return { skipped: "busy" };
    }
    return claim.value;
  };
}

export function scoreProcessor(deps: JobDeps) {
  return async (job: Job<JobData["score"]>) => {
    const outcome = await rescoreCustomer(deps.db, job.data.shopId, BigInt(job.data.customerId));
    if (outcome === "no-model") await enqueueCompute(deps.queues, job.data.shopId, "first-orders");
    if (outcome === "rescored" || outcome === "removed") await enqueuePush(deps.queues, job.data.shopId, "dynamic");
    return { outcome };
  };
}
