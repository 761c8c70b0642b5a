import type { Db } from "~/db.server";

// Streams the shop's sync, compute and push runs (the Run table the admin UI also reads) to
// the terminal: a line when a run starts, every 10 % of progress, and when it ends.

type RunRow = Awaited<ReturnType<Db["run"]["findMany"]>>[number];

const number = new Intl.NumberFormat("en-US");

export class RunWatcher {
  private readonly printed = new Map<bigint, string>();

  constructor(
    private readonly db: Db,
    private readonly shopId: number,
    private readonly print: (line: string) => void,
  ) {}

  /** Reads the shop's runs, prints what changed since the last call, and returns them (oldest first). */
  async poll(): Promise<RunRow[]> {
    const runs = await this.db.run.findMany({ where: { shopId: this.shopId }, orderBy: { id: "asc" } });
    for (const run of runs) {
      const step = run.progressTotal ? Math.floor((10 * run.progressDone) / run.progressTotal) : 0;
      const signature = `${run.status}:${step}`;
      if (this.printed.get(run.id) === signature) continue;
      this.printed.set(run.id, signature);
      this.print(describeRun(run));
    }
    return runs;
  }
}

export function describeRun(run: RunRow): string {
  const label = `${run.kind.toLowerCase().padEnd(7)} #${run.id}`.padEnd(14);
  const trigger = run.trigger ? ` (${run.trigger})` : "";
  switch (run.status) {
    case "QUEUED":
      return `${label} queued${trigger}`;
    case "RUNNING": {
      const counts = run.counts as Record<string, unknown>;
      const phase = typeof counts.phase === "string" ? `${counts.phase} ` : "";
      const progress = run.progressTotal
        ? `${number.format(run.progressDone)} / ${number.format(run.progressTotal)} (${Math.floor((100 * run.progressDone) / run.progressTotal)} %)`
        : run.progressDone
          ? number.format(run.progressDone)
          : "started";
      return `${label} running ${phase}${progress}${run.error ? ` — retrying after: ${run.error}` : ""}`;
    }
    case "SUCCEEDED":
      return `${label} done in ${seconds(run)}${summarize(run.counts)}`;
    case "FAILED":
      return `${label} FAILED after ${seconds(run)}: ${run.error ?? "no error recorded"}`;
    case "CANCELLED":
      return `${label} cancelled${summarize(run.counts)}`;
  }
}

function seconds(run: RunRow): string {
  const start = run.startedAt ?? run.createdAt;
  const end = run.finishedAt ?? new Date();
  return `${((end.getTime() - start.getTime()) / 1000).toFixed(1)} s`;
}

/** The run's numeric counts, e.g. " — customers 5,000 · orders 20,431". */
function summarize(counts: unknown): string {
  if (!counts || typeof counts !== "object") return "";
  const parts = Object.entries(counts)
    .filter((entry): entry is [string, number] => typeof entry[1] === "number")
    .slice(0, 8)
    .map(([key, value]) => `${key} ${number.format(value)}`);
  return parts.length ? ` — ${parts.join(" · ")}` : "";
}
