import type { Db } from "~/db.server";
import type { RunStatus } from "~/generated/prisma/client";

// Run records: what the admin shows as progress and history of syncs, computes and pushes.

export async function startRun(db: Db, runId: bigint) {
  await db.run.update({ where: { id: runId }, data: { status: "RUNNING", startedAt: new Date(), error: null } });
}

export async function updateRunProgress(
  db: Db,
  runId: bigint,
  progress: { done: number; total: number | null } & Record<string, unknown>,
) {
  const { done, total, ...counts } = progress;
  await db.run.update({
    where: { id: runId },
    data: { progressDone: done, progressTotal: total, counts: counts as object },
  });
}

export async function finishRun(db: Db, runId: bigint, status: RunStatus, counts: Record<string, unknown>, error?: string) {
  const finished = status === "SUCCEEDED" || status === "FAILED" || status === "CANCELLED";
  await db.run.update({
    where: { id: runId },
    data: {
      status,
      counts: counts as object,
      error: error ?? null,
      ...(finished ? { finishedAt: new Date() } : {}),
    },
  });
}
