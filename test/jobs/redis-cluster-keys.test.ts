import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { enqueueCompute, enqueuePush, enqueueRescore, scheduleDailyCompute } from "~/enqueue.server";
import { readEnv } from "~/env.server";
import { scheduleMaintenance } from "~/jobs/maintenance.server";
import { startWorkers, type Processors, type WorkerPool } from "~/jobs/start-workers.server";
import { QUEUE_NAMES, Queues, type QueueName } from "~/queues.server";
import { enqueueIngest } from "~/sync/inbox.server";
import { MINIMAL_ENV } from "../helpers/minimal-env";
import { uniqueQueuePrefix, waitFor } from "../helpers/shops";

// Redis Cluster runs a multi-key command (BullMQ's Lua scripts) only when all its keys hash to
// one slot. This test lets BullMQ create every kind of key our queues use (waiting, delayed,
// schedulers, active, completed, failed, events, …) and checks, with the cluster's own slot
// function, that each queue's keys share one slot and that queues do not all share one.

/** CRC16/XMODEM, the checksum Redis Cluster hashes keys with (cluster spec, appendix A). */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The slot Redis Cluster puts a key in: the hash tag's content if the key has a non-empty one, else the whole key. */
function keySlot(key: string): number {
  const open = key.indexOf("{");
  const close = open >= 0 ? key.indexOf("}", open + 1) : -1;
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(new TextEncoder().encode(hashed)) % 16384;
}

const settings = { redisUrl: process.env.REDIS_URL!, prefix: uniqueQueuePrefix("cluster") };
const appQueues = new Queues(settings);
const redis = new Redis(settings.redisUrl);
let pool: WorkerPool | undefined;

afterAll(async () => {
  await pool?.close();
  const keys = await redis.keys(`${settings.prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await appQueues.close();
  redis.disconnect();
});

describe("queue keys on Redis Cluster", () => {
  it("the slot function is Redis Cluster's (spec test vector and hash-tag rules)", () => {
    expect(crc16(new TextEncoder().encode("123456789"))).toBe(0x31c3);
    expect(keySlot("{user1000}.following")).toBe(keySlot("{user1000}.followers"));
    expect(keySlot("foo{}{bar}")).toBe(keySlot("foo{}{bar}")); // empty tag: the whole key is hashed
    expect(keySlot("foo{}{bar}")).not.toBe(keySlot("bar"));
    expect(keySlot("foo{{bar}}zap")).toBe(keySlot("{bar"));
  });

  it("every key BullMQ makes for a queue hashes to that queue's slot", async () => {
    // Work in every queue, in every state the app puts jobs in.
    await enqueueIngest(appQueues, [
      { id: 1n, shopDomain: "a.myshopify.com" },
      { id: 2n, shopDomain: "a.myshopify.com" },
    ]);
    await appQueues.enqueue("sync", { shopId: 1, runId: "1" });
    await enqueueCompute(appQueues, 1, "test");
    await enqueueCompute(appQueues, 2, "test");
    await scheduleDailyCompute(appQueues, { id: 1, timezone: "UTC", settings: {} });
    await enqueueRescore(appQueues, 1, 42n); // delayed (the debounce)
    await appQueues.enqueue("score", { shopId: 1, customerId: "7" });
    await enqueuePush(appQueues, 1, "test"); // delayed
    await appQueues.enqueue("push", { shopId: 2, trigger: "now" }, { attempts: 1 });
    await scheduleMaintenance(appQueues);

    const waitingKeys = await redis.keys(`${settings.prefix}:*`);

    // Workers that complete some jobs and fail others, so active/completed/failed/stalled keys exist too.
    const processed: string[] = [];
    const processor = (name: QueueName) => async (job: { id?: string; data: unknown }) => {
      processed.push(name);
      if ((job.data as { shopId?: number }).shopId === 2) throw new Error("fails on purpose");
      return { ok: true };
    };
    pool = startWorkers(
      settings,
      Object.fromEntries(QUEUE_NAMES.map((name) => [name, processor(name)])) as Processors,
      () => {},
    );
    await waitFor(
      async () =>
        ["ingest", "sync", "compute", "score", "push"].every((n) => processed.includes(n)) && processed.length >= 7,
      {
        what: "the workers to take jobs from every queue",
      },
    );
    await waitFor(async () => (await appQueues.get("push").getFailedCount()) >= 1, { what: "a failed push" });
    await pool.close();
    pool = undefined;

    const keys = [...new Set([...waitingKeys, ...(await redis.keys(`${settings.prefix}:*`))])];
    const byQueue = new Map<string, string[]>();
    for (const key of keys) {
      const queue = /^\{([^}]+)\}:/.exec(key.slice(settings.prefix.length + 1))?.[1];
      expect(queue, `${key} is in one of our queues' namespaces`).toBeDefined();
      byQueue.set(queue!, [...(byQueue.get(queue!) ?? []), key]);
    }
    expect([...byQueue.keys()].sort()).toEqual([...QUEUE_NAMES].sort());
    const kinds = new Set(keys.map((k) => k.split(":").slice(2).join(":").replace(/\d+$/, "<id>")));
    // The states the test set out to produce are really there.
    for (const kind of ["wait", "delayed", "completed", "failed", "events", "meta", "id", "repeat", "stalled-check"]) {
      expect(
        [...kinds].some((k) => k === kind || k.startsWith(`${kind}:`)),
        `a ${kind} key`,
      ).toBe(true);
    }

    const slots = new Map<string, number>();
    for (const [queue, queueKeys] of byQueue) {
      const slotsOfQueue = new Set(queueKeys.map(keySlot));
      expect(slotsOfQueue.size, `${queue}: ${queueKeys.length} keys in one slot`).toBe(1);
      slots.set(queue, [...slotsOfQueue][0]);
    }
    // Queues spread over slots (so over a cluster's nodes), instead of all sitting on one.
    expect(new Set(slots.values()).size).toBe(QUEUE_NAMES.length);
  }, 60_000);

  it("refuses a QUEUE_PREFIX with braces (a tag there would put every queue in one slot)", () => {
    const base = MINIMAL_ENV;
    expect(readEnv({ ...base, QUEUE_PREFIX: "acme" }).queuePrefix).toBe("acme");
    expect(() => readEnv({ ...base, QUEUE_PREFIX: "{acme}" })).toThrow(/QUEUE_PREFIX must not contain \{ or \}/);
  });
});
