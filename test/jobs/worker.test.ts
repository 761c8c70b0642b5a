import { afterAll, describe, expect, it } from "vitest";
import { QueueEvents } from "bullmq";
import db from "~/db.server";
import { bullQueueName, Queues } from "~/queues.server";
import { createProcessors } from "~/jobs/processors.server";
import { startWorkers } from "~/jobs/start-workers.server";
import { ingestJobId } from "~/sync/inbox.server";
import { uniqueQueuePrefix, uniqueShopDomain } from "../helpers/shops";

const settings = { redisUrl: process.env.REDIS_URL!, prefix: uniqueQueuePrefix("worker") };
const appQueues = new Queues(settings);
const pool = startWorkers(settings, createProcessors({ db, queues: appQueues }), () => {});

afterAll(async () => {
  await pool.close();
  await appQueues.close();
});

describe("worker", () => {
  it("processes a job the app enqueued, against real Redis", async () => {
    const events = new QueueEvents(bullQueueName("maintenance"), {
      connection: { url: settings.redisUrl },
      prefix: settings.prefix,
    });
    await events.waitUntilReady();
    try {
      const job = await appQueues.enqueue("maintenance", { task: "heartbeat" });
      const result = await job.waitUntilFinished(events, 10_000);
      expect(Date.parse(result.at)).toBeGreaterThan(Date.now() - 10_000);
    } finally {
      await events.close();
    }
  });

  it("sweeps an inbox row that was stored but never queued into the ingest queue", async () => {
    const shopDomain = uniqueShopDomain();
    const row = await db.webhookEvent.create({
      data: {
        shopDomain,
        topic: "ORDERS_CREATE",
        eventKey: "evt-1",
        webhookId: "wh-1",
        payload: { id: 1 },
        receivedAt: new Date(Date.now() - 5 * 60_000),
      },
    });
    const events = new QueueEvents(bullQueueName("maintenance"), {
      connection: { url: settings.redisUrl },
      prefix: settings.prefix,
    });
    await events.waitUntilReady();
    try {
      const job = await appQueues.enqueue("maintenance", { task: "sweep-inbox" });
      const result = await job.waitUntilFinished(events, 10_000);
      expect(result.requeued).toBeGreaterThanOrEqual(1);
    } finally {
      await events.close();
    }
    const ingest = await appQueues.get("ingest").getJob(ingestJobId(row.id));
    expect(ingest?.data).toEqual({ webhookEventId: row.id.toString(), shopDomain: row.shopDomain });
  });
});
