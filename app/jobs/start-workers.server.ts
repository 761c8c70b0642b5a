import { Worker, type Job, type WorkerOptions } from "bullmq";
import {
  bullQueueName,
  redisConnection,
  QUEUE_NAMES,
  type JobData,
  type QueueName,
  type QueueSettings,
} from "~/queues.server";

export type Processor<N extends QueueName> = (job: Job<JobData[N]>) => Promise<unknown>;
export type Processors = { [N in QueueName]?: Processor<N> };

export interface WorkerPool {
  workers: Worker[];
  /** The queues these workers take jobs from (our names, not BullMQ's hash-tagged ones). */
  queues: QueueName[];
  /** Stop taking jobs, let running ones finish (up to BullMQ's lock), then disconnect. */
  close(): Promise<void>;
}

const CONCURRENCY: Record<QueueName, number> = {
  ingest: 8, // small idempotent upserts
  sync: 2,
  compute: 1, // CPU-heavy; one at a time per process
  score: 4,
  // Mostly waiting on Shopify (round trips, each shop's own cost bucket), one shop per job:
  // enough slots that many shops' pushes (after a wave of computes) do not queue for minutes.
  push: 8,
  maintenance: 1,
};

/** How long a job's lock lives without renewal, and how often workers look for stalled jobs. */
export type LockTuning = Partial<Pick<WorkerOptions, "lockDuration" | "stalledInterval">>;

export function startWorkers(
  settings: QueueSettings,
  processors: Processors,
  log: (message: string) => void = console.log,
  locks: LockTuning = {},
): WorkerPool {
  const workers: Worker[] = [];
  const queues: QueueName[] = [];
  for (const name of QUEUE_NAMES) {
    const processor = processors[name] as Processor<QueueName> | undefined;
    if (!processor) continue;
    const worker = new Worker(bullQueueName(name), processor, {
      connection: redisConnection(settings),
      prefix: settings.prefix,
      concurrency: CONCURRENCY[name],
      ...locks,
    });
    worker.on("failed", (job, error) => {
      const attempts = job ? `${job.attemptsMade}/${job.opts.attempts ?? 1}` : "?";
      log(`[${name}] job ${job?.id ?? "?"} failed (attempt ${attempts}): ${error.message}`);
    });
    worker.on("error", (error) => log(`[${name}] worker error: ${error.message}`));
    workers.push(worker);
    queues.push(name);
  }
  return {
    workers,
    queues,
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
