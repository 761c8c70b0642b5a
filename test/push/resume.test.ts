import type { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues, type JobData } from "~/queues.server";
import { pushProcessor } from "~/jobs/push.server";
import { pushShop } from "~/push/push-shop.server";
import { BulkOperationError } from "~/shopify/bulk.server";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import {
  callsSince,
  expectShopifyMatchesDatabase,
  installAndBackfill,
  mutationCalls,
  pushAdmin,
  tagsByCustomer,
  writeComputeResult,
} from "./fixtures";

// A push interrupted half-way (crash, Shopify refusing, throttling, a second push of the same
// shop at the same time) leaves nothing lost and nothing sent twice that was recorded: the next
// push finishes the job.

let env: EmulatedApp;
let shopId: number;
let merchantTags: Map<number, string[]>;
const CUSTOMERS = 300;

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 600, plan: "plus" });
  shopId = await installAndBackfill(env);
  merchantTags = tagsByCustomer(env);
  // Tags and native segments only: the resumption logic under test is the same for metafields.
  await db.shop.update({ where: { id: shopId }, data: { settings: { pushMetafields: false } } });
});
afterAll(async () => {
  await env?.close();
  await queues().close();
});

const perCall = { bulkThreshold: 1_000_000, saveEvery: 10 };

describe("push resumption", () => {
  it("resumes after a crash mid-push without losing tags or re-sending recorded ones", async () => {
    await writeComputeResult(
      shopId,
      [
        { key: "vip", name: "VIP", kind: "RULE", member: () => true },
        { key: "half", name: "Half", kind: "RULE", member: (i) => i % 2 === 0, control: (i) => i % 10 === 0 },
      ],
      { limit: CUSTOMERS, scores: false },
    );
    let tagCalls = 0;
    const crashing = await pushAdmin(env, {
      fault: (query) => {
        if (query.includes("mutation TagsAdd") && ++tagCalls > 120) throw new Error("worker killed");
      },
    });
    await expect(pushShop(db, crashing, shopId, { tuning: perCall })).rejects.toThrow("worker killed");

    // Whatever was recorded really is in Shopify.
    const recorded = await db.pushedTag.findMany({
      where: { shopId },
      include: { customer: { select: { shopifyId: true } } },
    });
    const store = env.emu.shop(env.shop);
    for (const row of recorded) expect(store.customer(Number(row.customer.shopifyId))!.record.tags).toContain(row.tag);
    const recordedCustomers = new Set(recorded.map((r) => r.customerId)).size;
    expect(recordedCustomers).toBeGreaterThanOrEqual(100);
    expect(recordedCustomers).toBeLessThanOrEqual(120);

    const before = mutationCalls(env);
    const counts = await pushShop(db, await pushAdmin(env), shopId, { tuning: perCall });
    expect(counts.errors).toBe(0);
    expect(callsSince(before, env).TagsAdd).toBe(CUSTOMERS - recordedCustomers);
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);
  });

  it("converges under a tiny cost bucket with parallel callers being throttled", async () => {
    env.emu.setThrottle(env.shop, { maximumAvailable: 40, restoreRate: 1_000 });
    try {
      await writeComputeResult(shopId, [{ key: "vip", name: "VIP", kind: "RULE", member: (i) => i % 3 === 0 }], {
        limit: CUSTOMERS,
        scores: false,
      });
      const admin = await pushAdmin(env, { maxAttempts: 100 });
      const counts = await pushShop(db, admin, shopId, { tuning: { ...perCall, concurrency: 4 } });
      expect(counts.errors).toBe(0);
      expect(admin.usage.throttled).toBeGreaterThan(0);
      await expectShopifyMatchesDatabase(env, shopId, merchantTags);
    } finally {
      env.emu.setThrottle(env.shop, { maximumAvailable: 20_000, restoreRate: 1_000 });
    }
  });

  it("recovers from a failed bulk mutation on the next push", async () => {
    await writeComputeResult(shopId, [{ key: "vip", name: "VIP", kind: "RULE", member: (i) => i % 3 !== 0 }], {
      limit: CUSTOMERS,
      scores: false,
    });
    env.emu.faults.bulk.failNext.push("INTERNAL_SERVER_ERROR");
    const bulk = { bulkThreshold: 1, bulkPollMs: 20 };
    await expect(pushShop(db, await pushAdmin(env), shopId, { tuning: bulk })).rejects.toThrow(BulkOperationError);
    const counts = await pushShop(db, await pushAdmin(env), shopId, { tuning: bulk });
    expect(counts.errors).toBe(0);
    expect(counts.bulkOperations).toBeGreaterThan(0);
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);
  });

  it("runs two pushes of one shop one after the other: the second finds nothing to send", async () => {
    await writeComputeResult(shopId, [{ key: "vip", name: "VIP", kind: "RULE", member: (i) => i < 50 }], {
      limit: CUSTOMERS,
      scores: false,
    });
    const vipMembers = await db.membership.findMany({
      where: { shopId, segmentKey: "vip" },
      select: { customerId: true },
    });
    const expectedRemoved = await db.pushedTag.count({
      where: { shopId, tag: "seg:vip", customerId: { notIn: vipMembers.map((m) => m.customerId) } },
    });
    const processor = pushProcessor({ db, queues: queues(), adminForShop: () => pushAdmin(env) }, { bulkPollMs: 20 });
    const job = (id: string) =>
      ({
        id,
        timestamp: 1,
        data: { shopId, trigger: "test" },
        attemptsMade: 0,
        opts: { attempts: 1 },
      }) as unknown as Job<JobData["push"]>;
    const results = (await Promise.all([processor(job("concurrent-a")), processor(job("concurrent-b"))])) as {
      tagsRemoved: number;
      tagsAdded: number;
    }[];

    const removed = results.map((r) => r.tagsRemoved).sort((a, b) => a - b);
    expect(removed).toEqual([0, expectedRemoved]);
    const runs = await db.run.findMany({
      where: { shopId, kind: "PUSH", externalId: { in: ["job:concurrent-a:1", "job:concurrent-b:1"] } },
    });
    expect(runs.map((r) => r.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);
  });
});
