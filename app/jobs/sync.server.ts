import type { Job } from "bullmq";
import type { JobDeps } from "~/jobs/job-deps.server";
import type { JobData } from "~/queues.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { backfillShop } from "~/sync/backfill.server";
import { applyWebhookEvent } from "~/sync/apply-event.server";
import { finishRun, startRun, updateRunProgress } from "~/jobs/runs.server";
import { enqueueCompute, scheduleDailyCompute } from "~/enqueue.server";

/** The sync queue: back-fill one shop, recording progress on its run, then queue a compute. */
export function syncProcessor(deps: JobDeps & { adminForShop: (shop: string) => Promise<AdminClient> }) {
  return async (job: Job<JobData["sync"]>) => {
    const { db } = deps;
    const run = { shopId: job.data.shopId, id: BigInt(job.data.runId) };
    const shop = await db.shop.findUniqueOrThrow({ where: { id: job.data.shopId } });
    if (shop.uninstalledAt) {
      await finishRun(db, run, "CANCELLED", { reason: "shop uninstalled" });
      return { skipped: "uninstalled" };
    }
    await startRun(db, run);
    try {
      const admin = await deps.adminForShop(shop.domain);
      const since = job.data.since ? new Date(job.data.since) : undefined;
      const result = await backfillShop(db, admin, shop.id, {
        since,
        onProgress: ({ phase, exported, stored }) =>
          updateRunProgress(db, run, { phase, exported, stored, done: stored, total: exported || null }),
      });
      await finishRun(db, run, "SUCCEEDED", {
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
      await finishRun(db, run, finalAttempt ? "FAILED" : "RUNNING", {}, (error as Error).message);
      throw error;
    }
  };
}

/** The ingest queue: apply one stored webhook. */
export function ingestProcessor(deps: JobDeps) {
  return async (job: Job<JobData["ingest"]>) => {
    const outcome = await applyWebhookEvent(
      {
        db: deps.db,
        queues: deps.queues,
        onCustomerChanged: deps.onCustomerChanged,
        onPrivacyCheckDue: deps.onPrivacyCheckDue,
        onCollectionMembershipsDue: deps.onCollectionMembershipsDue,
      },
      BigInt(job.data.webhookEventId),
      job.data.shopDomain,
    );
    return { outcome };
  };
}
