import { afterAll, describe, expect, it } from "vitest";
import { Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { bullQueueName, Queues, type JobData } from "~/queues.server";
import { collapsedJob, computeJobKey, enqueueCompute, enqueueRescore, rescoreJobKey } from "~/enqueue.server";
import { uniqueQueuePrefix } from "../helpers/shops";

// The producers' collapsing of compute, re-score and push jobs, against real Redis and a real
// BullMQ worker: a change queued while its job runs must not be lost (the old job-id dedup
// dropped it, so a second order during a customer's re-score waited for the next full compute).

const settings = { redisUrl: process.env.REDIS_URL!, prefix: uniqueQueuePrefix("collapse") };
const queues = new Queues(settings);
const redis = new Redis(settings.redisUrl);

afterAll(async () => {
  await queues.close();
  redis.disconnect();
});

/** A compute worker whose every job waits until the test releases it. */
function gatedComputeWorker() {
  const ran: JobData["compute"][] = [];
  let release: () => void = () => {};
  let started: () => void = () => {};
  let startedOnce = new Promise<void>((resolve) => (started = resolve));
  const worker = new Worker(
    bullQueueName("compute"),
    async (job: Job<JobData["compute"]>) => {
      ran.push(job.data);
      const gate = new Promise<void>((resolve) => (release = resolve));
      started();
      await gate;
    },
    { connection: { url: settings.redisUrl }, prefix: settings.prefix },
  );
  return {
    ran,
    worker,
    /** Resolves once the current (or, after a release, the next) job has started running. */
    nextStart: () => startedOnce,
    /** Lets the running job finish. */
    release: () => {
      startedOnce = new Promise<void>((resolve) => (started = resolve));
      release();
    },
  };
}

async function until(check: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("collapsing jobs", () => {
  it("merges a re-score queued while one waits into it", async () => {
    await enqueueRescore(queues, 1, 7n);
    const first = await collapsedJob(queues, "score", rescoreJobKey(1, 7n));
    await enqueueRescore(queues, 1, 7n);
    await enqueueRescore(queues, 1, 8n);
    const queue = queues.get("score");
    expect(await queue.getDelayedCount()).toBe(2);
    expect((await collapsedJob(queues, "score", rescoreJobKey(1, 7n)))?.id).toBe(first?.id);
    await queue.obliterate({ force: true });
  });

  it("runs a compute queued while one runs once more after it, and only once", async () => {
    const gated = gatedComputeWorker();
    try {
      await enqueueCompute(queues, 2, "first");
      await gated.nextStart();
      // Three changes while the first compute runs: one more compute, with the latest trigger.
      for (const trigger of ["second", "third", "fourth"]) await enqueueCompute(queues, 2, trigger);
      expect(await queues.get("compute").getWaitingCount()).toBe(0);
      gated.release();
      await gated.nextStart();
      expect(gated.ran.map((d) => d.trigger)).toEqual(["first", "fourth"]);
      gated.release();
      await until(async () => !(await collapsedJob(queues, "compute", computeJobKey(2))), "the key to be released");
      expect(gated.ran).toHaveLength(2);
      expect(await queues.get("compute").getJobCountByTypes("waiting", "prioritized", "delayed", "active")).toBe(0);
    } finally {
      await gated.worker.close();
    }
  });

  it("does not collapse into a job that no longer exists", async () => {
    // What a job failed by the stalled checker leaves behind: its key, pointing at nothing.
    const key = computeJobKey(3);
    await redis.set(`${settings.prefix}:${bullQueueName("compute")}:de:${key}`, "no-such-job");
    await enqueueCompute(queues, 3, "after a dead worker");
    const job = await collapsedJob(queues, "compute", key);
    expect(job?.data).toEqual({ shopId: 3, trigger: "after a dead worker" });
    expect(await job?.getState()).toBe("waiting");
  });
});
