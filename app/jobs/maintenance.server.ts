import type { Job } from "bullmq";
import type { Db } from "~/db.server";
import type { JobData, Queues } from "~/queues.server";
import { sweepInbox } from "~/sync/inbox.server";

export function maintenanceProcessor(deps: { db: Db; queues: Queues }) {
  return async (job: Job<JobData["maintenance"]>) => {
    switch (job.data.task) {
      case "heartbeat":
        return { at: new Date().toISOString() };
      case "sweep-inbox":
        return { requeued: await sweepInbox(deps.db, deps.queues) };
    }
  };
}

/** Repeatable housekeeping, registered once by the worker (BullMQ schedulers are idempotent). */
export async function scheduleMaintenance(queues: Queues): Promise<void> {
  const queue = queues.get("maintenance");
  await queue.upsertJobScheduler("sweep-inbox", { every: 60_000 }, { name: "sweep-inbox", data: { task: "sweep-inbox" } });
}
