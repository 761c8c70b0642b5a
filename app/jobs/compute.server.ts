import type { Job } from "bullmq";
import type { JobDeps } from "~/jobs/processors.server";
import { failAbandonedRuns, finishRun, startRun } from "~/jobs/runs.server";
import { tryWithShopLock } from "~/push/shop-lock.server";
import type { JobData, Queues } from "~/queues.server";
import { computeShop } from "~/compute/run.server";
import { rescoreCustomer } from "~/compute/dynamic.server";
import { shopSettings } from "~/settings";

// Compute scheduling: one compute per shop at a time, queued computes collapse into one,
// a daily full recompute in the shop's timezone, and a debounced re-score per customer.

/** Queues a full recompute; while one is already waiting for this shop, this is a no-op. */
export async function enqueueCompute(queues: Queues, shopId: number, trigger: string) {
  await queues.enqueue(
    "compute",
    { shopId, trigger },
    { jobId: `compute-${shopId}`, removeOnComplete: true, removeOnFail: true },
  );
}

export function scoreDebounceMs(): number {
  return Number(process.env.SCORE_DEBOUNCE_MS ?? 60_000);
}

/** A customer's orders changed: re-score them once the debounce window closes. */
export async function enqueueRescore(queues: Queues, shopId: number, customerShopifyId: bigint) {
  await queues.enqueue(
    "score",
    { shopId, customerId: customerShopifyId.toString() },
    { jobId: `score-${shopId}-${customerShopifyId}`, delay: scoreDebounceMs(), removeOnComplete: true, removeOnFail: true },
  );
}

/** Queues a push of what changed; pushes queued within a few seconds collapse into one. */
export async function enqueuePush(queues: Queues, shopId: number, trigger: string) {
  await queues.enqueue(
    "push",
    { shopId, trigger },
    { jobId: `push-${shopId}`, delay: 2_000, removeOnComplete: true, removeOnFail: true },
  );
}

/** The daily full recompute at the merchant's chosen hour, in the shop's time zone. */
export async function scheduleDailyCompute(queues: Queues, shop: { id: number; timezone: string; settings: unknown }) {
  const settings = shopSettings(shop.settings);
  await queues.get("compute").upsertJobScheduler(
    `compute-daily-${shop.id}`,
    { pattern: `0 ${settings.recomputeHour} * * *`, tz: settings.timezone ?? shop.timezone },
    { name: "compute", data: { shopId: shop.id, trigger: "schedule" } },
  );
}

export async function unscheduleShop(queues: Queues, shopId: number) {
  await queues.get("compute").removeJobScheduler(`compute-daily-${shopId}`);
}

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
      await startRun(db, run.id);
      try {
        const result = await computeShop(db, shop.id, run.id);
        await db.run.update({ where: { id: run.id }, data: { progressDone: result.customers, progressTotal: result.customers } });
        await enqueuePush(deps.queues, shop.id, `compute-${run.id}`);
        // Last, so that a compute queued once this one shows as finished is not merged into it.
        await finishRun(db, run.id, "SUCCEEDED", { ...result });
        return result;
      } catch (error) {
        await finishRun(db, run.id, "FAILED", {}, (error as Error).message);
        throw error;
      }
    });
    if (!claim.held) {
      await finishRun(db, run.id, "CANCELLED", { reason: "another compute of this shop was running" });
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
