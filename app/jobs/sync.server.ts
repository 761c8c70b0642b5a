import type { Job } from "bullmq";
import type { JobDeps } from "~/jobs/processors.server";
import type { JobData } from "~/queues.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { backfillShop } from "~/sync/backfill.server";
import { applyWebhookEvent } from "~/sync/apply-event.server";
import { finishRun, startRun, updateRunProgress } from "~/jobs/runs.server";
import { enqueueCompute, scheduleDailyCompute } from "~/jobs/compute.server";

/** The sync queue: back-fill one shop, recording progress on its run, then queue a compute. */
export function syncProcessor(deps: JobDeps & { adminForShop: (shop: string) => Promise<AdminClient> }) {
  return async (job: Job<JobData["sync"]>) => {
    const { db } = deps;
    const runId = BigInt(job.data.runId);
    const shop = await db.shop.findUniqueOrThrow({ where: { id: job.data.shopId } });
    if (shop.uninstalledAt) {
      await finishRun(db, runId, "CANCELLED", { reason: "shop uninstalled" });
      return { skipped: "uninstalled" };
    }
    await startRun(db, runId);
    try {
      const admin = await deps.adminForShop(shop.domain);
      const since = job.data.since ? new Date(job.data.since) : undefined;
      const result = await backfillShop(db, admin, shop.id, {
        since,
        onProgress: ({ phase, exported, stored }) =>
          updateRunProgress(db, runId, { phase, exported, stored, done: stored, total: exported || null }),
      });
      await finishRun(db, runId, "SUCCEEDED", {
        ...result,
        ...(since ? { since: since.toISOString() } : {}),
        apiCalls: admin.usage.calls,
        costUsed: admin.usage.costUsed,
      });
      await enqueueCompute(deps.queues, shop.id, "sync");
      await scheduleDailyCompute(deps.queues, await db.shop.findUniqueOrThrow({ where: { id: shop.id } }));
      return result;
    } catch (error) {
      const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await finishRun(db, runId, finalAttempt ? "FAILED" : "RUNNING", {}, (error as Error).message);
      throw error;
    }
  };
}

/** The ingest queue: apply one stored webhook. */
export function ingestProcessor(deps: JobDeps) {
  return async (job: Job<JobData["ingest"]>) => {
    const outcome = await applyWebhookEvent(
      { db: deps.db, queues: deps.queues, onCustomerChanged: deps.onCustomerChanged },
      BigInt(job.data.webhookEventId),
    );
    return { outcome };
  };
}
