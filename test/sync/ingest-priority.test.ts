import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { Queues } from "~/queues.server";
import { enqueueIngest, type InboxRef } from "~/sync/inbox.server";
import { uniqueQueuePrefix } from "../helpers/shops";

// A push of tags to 300 customers comes back as 300 customers/update webhooks; an order that
// arrives behind them must not wait for all of them to be applied.
const settings = { redisUrl: process.env.REDIS_URL!, prefix: uniqueQueuePrefix("ingest-priority") };
const appQueues = new Queues(settings);
const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: null });

afterAll(async () => {
  const keys = await redis.keys(`${settings.prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await appQueues.close();
  redis.disconnect();
});

describe("ingest order", () => {
  it("applies orders and every other topic before a backlog of customers/update echoes, in arrival order within each", async () => {
    const shopDomain = "priority.myshopify.com";
    const ref = (id: number, topic: string): InboxRef => ({ id: BigInt(id), shopDomain, topic });
    const echoes = Array.from({ length: 300 }, (_, i) => ref(i + 1, "customers/update"));
    await enqueueIngest(appQueues, echoes);
    await enqueueIngest(appQueues, [ref(1001, "orders/create"), ref(1002, "refunds/create")]);
    await enqueueIngest(appQueues, [ref(1003, "customers/update"), ref(1004, "customers/create")]);
    // A row queued without its topic is never deferred.
    await enqueueIngest(appQueues, { id: 1005n, shopDomain });

    const applied: number[] = [];
    const worker = new Worker(
      appQueues.get("ingest").name,
      async (job) => {
        applied.push(Number(job.data.webhookEventId));
      },
      { connection: redis, prefix: settings.prefix, concurrency: 1 },
    );
    try {
      await new Promise<void>((resolve) => {
        worker.on("completed", () => applied.length === 305 && resolve());
      });
    } finally {
      await worker.close();
    }
    expect(applied.slice(0, 4)).toEqual([1001, 1002, 1004, 1005]);
    expect(applied.slice(4)).toEqual([...echoes.map((e) => Number(e.id)), 1003]);
  });
});
