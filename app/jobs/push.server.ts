import type { Job } from "bullmq";
import type { JobDeps } from "~/jobs/job-deps.server";
import type { JobData } from "~/queues.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { failAbandonedRuns, finishRun, startRun, updateRunProgress } from "~/jobs/runs.server";
import type { PushTuning } from "~/push/context.server";
import { pushShop } from "~/push/push-shop.server";
import { withShopLock } from "~/push/shop-lock.server";

/**
 * A push job's run, reused by the job's retries, carries the job's id and creation time as its
 * external id (ids alone restart from 1 if Redis loses the queue).
 */
export const pushRunExternalId = (job: Pick<Job, "id" | "timestamp">) => `job:${job.id}:${job.timestamp}`;

/**
 * The push queue: send a shop's segments to Shopify, recording progress and counts on a PUSH
 * run. Pushes of one shop never overlap (a second waits for the first, then finds little or
 * nothing left to send), whichever worker process runs them. The lock is a PostgreSQL session
 * lock of the pushing process, so a killed worker's lock goes with it and its retried job
 * resumes the push; a run is RUNNING only while its process holds the lock.
 */
export function pushProcessor(
  deps: JobDeps & { adminForShop: (shop: string) => Promise<AdminClient> },
  tuning: Partial<PushTuning> = {},
) {
  return async (job: Job<JobData["push"]>) => {
    const { db } = deps;
    const shop = await db.shop.findUniqueOrThrow({ where: { id: job.data.shopId } });
    if (shop.uninstalledAt) return { skipped: "uninstalled" };
    const jobKey = pushRunExternalId(job);
    const run =
      (await db.run.findFirst({ where: { shopId: shop.id, kind: "PUSH", externalId: jobKey } })) ??
      (await db.run.create({ data: { shopId: shop.id, kind: "PUSH", trigger: job.data.trigger, externalId: jobKey } }));
    try {
      return await withShopLock("push", shop.id, async () => {
        // Holding the lock, no other push of the shop is alive: a RUNNING one lost its worker.
        await failAbandonedRuns(db, shop.id, "PUSH", run.id, "push");
        await startRun(db, run);
        const admin = await deps.adminForShop(shop.domain);
        const usage = () => ({
          apiCalls: admin.usage.calls,
          costUsed: admin.usage.costUsed,
          throttled: admin.usage.throttled,
        });
        const counts = await pushShop(db, admin, shop.id, {
          tuning,
          onProgress: ({ phase, done, total, counts }) =>
            updateRunProgress(db, run, { phase, done, total, ...counts, ...usage() }),
        });
        const result = { ...counts, ...usage() };
        await finishRun(db, run, "SUCCEEDED", result);
        return result;
      });
    } catch (error) {
      // Not the last attempt: the run waits for its retry (QUEUED), it is not running.
      const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await finishRun(db, run, finalAttempt ? "FAILED" : "QUEUED", {}, (error as Error).message);
      throw error;
    }
  };
}
