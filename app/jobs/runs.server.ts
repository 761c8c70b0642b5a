import type { Db } from "~/db.server";
import type { RunKind, RunStatus } from "~/generated/prisma/client";

// Run records: what the admin shows as progress and history of syncs, computes and pushes.

/** A run's primary key: its shop and id (shop first, so the schema shards by shop). */
export interface RunKey {
  shopId: number;
  id: bigint;
}

// Prisma rejects extra fields in a unique input: callers may pass a whole Run row.
const runKey = (run: RunKey): RunKey => ({ shopId: run.shopId, id: run.id });

export async function startRun(db: Db, run: RunKey) {
  await db.run.update({
    where: { shopId_id: runKey(run) },
    data: { status: "RUNNING", startedAt: new Date(), error: null },
  });
}

export async function updateRunProgress(
  db: Db,
  run: RunKey,
  progress: { done: number; total: number | null } & Record<string, unknown>,
) {
  const { done, total, ...counts } = progress;
  await db.run.update({
    where: { shopId_id: runKey(run) },
    data: { progressDone: done, progressTotal: total, counts: counts as object },
  });
}

export async function finishRun(
  db: Db,
  run: RunKey,
  status: RunStatus,
  counts: Record<string, unknown>,
  error?: string,
) {
  const finished = status === "SUCCEEDED" || status === "FAILED" || status === "CANCELLED";
  await db.run.update({
    where: { shopId_id: runKey(run) },
    data: {
      status,
      counts: counts as object,
      error: error ?? null,
      ...(finished ? { finishedAt: new Date() } : {}),
    },
  });
}

/**
 * Marks as failed the runs of this kind left RUNNING by a worker that died (killed, out of
 * memory, host lost). Only the holder of the shop's claim calls it: while it holds the claim,
 * no other run of the kind can be alive, whatever its status says.
 */
export async function failAbandonedRuns(db: Db, shopId: number, kind: RunKind, exceptRunId: bigint, what: string) {
  const { count } = await db.run.updateMany({
    where: { shopId, kind, status: "RUNNING", id: { not: exceptRunId } },
    data: {
      status: "FAILED",
      error: `the worker stopped during the ${what} (its claim on the shop ended with it)`,
      finishedAt: new Date(),
    },
  });
  return count;
}
