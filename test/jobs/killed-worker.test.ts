import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { computeProcessor } from "~/jobs/compute.server";
import { enqueueCompute, enqueuePush } from "~/enqueue.server";
import { pushProcessor } from "~/jobs/push.server";
import { adminForShop } from "~/jobs/admin-for-shop.server";
import { startWorkers, type WorkerPool } from "~/jobs/start-workers.server";
import { Queues, type QueueName } from "~/queues.server";
import { startEmulatedApp } from "../helpers/emulated-app";
import { seedAnalysedShop } from "../helpers/seed-analysis";
import { expectShopifyMatchesDatabase, installAndBackfill, tagsByCustomer, writeComputeResult } from "../push/fixtures";
import { uniqueQueuePrefix, uniqueShopDomain, waitFor } from "../helpers/shops";
import { TEST_LOCKS } from "./locks";
import { kill, spawnWorker as spawnChild } from "./worker-process";

// A worker killed with SIGKILL in the middle of a job: its claim on the shop must die with it,
// its run must be marked failed, and the retried job must run (not be cancelled as "busy").

const NOW = new Date(process.env.SEGMENTS_NOW!);
const settings = { redisUrl: process.env.REDIS_URL!, prefix: uniqueQueuePrefix("killed") };
const appQueues = new Queues(settings);
const children: ChildProcess[] = [];
const pools: WorkerPool[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all(pools.map((p) => p.close()));
  await appQueues.close();
});

const spawnWorker = (names: QueueName[], env: Record<string, string> = {}) =>
  spawnChild(names, { QUEUE_PREFIX: settings.prefix, ...env }, children);

describe("a worker killed mid-job", () => {
  it("compute: the dead run is marked failed and the retried job computes promptly", async () => {
    const { shopId } = await seedAnalysedShop(uniqueShopDomain("killed-compute"), 5_000, NOW);
    const child = await spawnWorker(["compute"]);
    await enqueueCompute(appQueues, shopId, "test");
    const dead = await waitFor(() => db.run.findFirst({ where: { shopId, kind: "COMPUTE", status: "RUNNING" } }), {
      timeoutMs: 30_000,
      what: "the compute to start",
    });
    await kill(child);
    const killedAt = Date.now();
    // It really died mid-compute: nothing finished it.
    expect((await db.run.findUniqueOrThrow({ where: { shopId_id: { shopId, id: dead.id } } })).status).toBe("RUNNING");

    pools.push(startWorkers(settings, { compute: computeProcessor({ db, queues: appQueues }) }, () => {}, TEST_LOCKS));
    const retried = await waitFor(
      () =>
        db.run.findFirst({
          where: { shopId, kind: "COMPUTE", id: { gt: dead.id }, status: { in: ["SUCCEEDED", "FAILED", "CANCELLED"] } },
        }),
      { timeoutMs: 45_000, intervalMs: 200, what: "the retried compute to end" },
    );
    expect(retried.status).toBe("SUCCEEDED");
    const startedAfter = (retried.startedAt!.getTime() - killedAt) / 1000;
    const took = (retried.finishedAt!.getTime() - retried.startedAt!.getTime()) / 1000;
    console.log(`compute retried ${startedAfter.toFixed(1)} s after the kill, then ran ${took.toFixed(1)} s`);
    // Retried as soon as BullMQ finds the job stalled (its lock lapsed), not an hour later.
    expect(startedAfter).toBeLessThan(15);
    const after = await db.run.findUniqueOrThrow({ where: { shopId_id: { shopId, id: dead.id } } });
    expect(after.status).toBe("FAILED");
    expect(after.error).toMatch(/worker stopped/);
    expect(after.finishedAt).not.toBeNull();
  }, 120_000);

  it("push: the retried push resumes promptly and Shopify ends up with exactly the memberships", async () => {
    const env = await startEmulatedApp({ customers: 400, plan: "plus" });
    try {
      const shopId = await installAndBackfill(env);
      const merchantTags = tagsByCustomer(env);
      await db.shop.update({ where: { id: shopId }, data: { settings: { pushMetafields: false } } });
      await writeComputeResult(shopId, [{ key: "vip", name: "VIP", kind: "RULE", member: () => true }], {
        scores: false,
      });
      // A slow Shopify (a tiny, slowly refilled cost bucket) keeps the push going long enough to kill it.
      env.emu.setThrottle(env.shop, { maximumAvailable: 40, restoreRate: 20 });
      const child = await spawnWorker(["push"], { SHOPIFY_ADMIN_ORIGIN: env.emu.origin });
      await enqueuePush(appQueues, shopId, "test");
      const tagCalls = () => env.emu.stats(env.shop).calls.TagsAdd ?? 0;
      await waitFor(async () => tagCalls() >= 10, { timeoutMs: 30_000, what: "the push to be half-way" });
      await kill(child);
      const killedAt = Date.now();
      const run = await db.run.findFirstOrThrow({ where: { shopId, kind: "PUSH" }, orderBy: { id: "desc" } });
      expect(run.status).toBe("RUNNING");
      expect(tagCalls()).toBeLessThan(400);

      env.emu.setThrottle(env.shop, { maximumAvailable: 20_000, restoreRate: 1_000 });
      pools.push(
        startWorkers(
          settings,
          { push: pushProcessor({ db, queues: appQueues, adminForShop: (shop) => adminForShop(shop) }) },
          () => {},
          TEST_LOCKS,
        ),
      );
      const done = await waitFor(
        async () => {
          const r = await db.run.findUniqueOrThrow({ where: { shopId_id: { shopId, id: run.id } } });
          return r.status !== "RUNNING" || (r.startedAt && r.startedAt.getTime() > killedAt && r.finishedAt)
            ? r
            : undefined;
        },
        { timeoutMs: 45_000, intervalMs: 200, what: "the retried push to end" },
      );
      expect({ status: done.status, error: done.error }).toEqual({ status: "SUCCEEDED", error: null });
      const startedAfter = (done.startedAt!.getTime() - killedAt) / 1000;
      console.log(`push retried ${startedAfter.toFixed(1)} s after the kill`);
      expect(startedAfter).toBeLessThan(15);
      await expectShopifyMatchesDatabase(env, shopId, merchantTags);

      // A run whose worker died on a job BullMQ then gave up on (stalled twice) is never resumed:
      // the next push to hold the shop's lock marks it failed instead of leaving it RUNNING.
      const abandoned = await db.run.create({
        data: {
          shopId,
          kind: "PUSH",
          trigger: "test",
          externalId: "job:gone",
          status: "RUNNING",
          startedAt: new Date(),
        },
      });
      await enqueuePush(appQueues, shopId, "after");
      const failed = await waitFor(
        async () => {
          const r = await db.run.findUniqueOrThrow({ where: { shopId_id: { shopId, id: abandoned.id } } });
          return r.status !== "RUNNING" ? r : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: "the abandoned push run to be closed" },
      );
      expect(failed.status).toBe("FAILED");
      expect(failed.error).toMatch(/worker stopped during the push/);
    } finally {
      await Promise.all(pools.splice(0).map((p) => p.close()));
      await env.close();
    }
  }, 120_000);
});
