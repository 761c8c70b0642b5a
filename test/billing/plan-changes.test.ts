import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import type { JobType } from "bullmq";
import { queues, type QueueName } from "~/queues.server";
import { FREE_CUSTOMER_LIMIT } from "~/billing/plans";
import { CHURN_RISK_LEVELS } from "~/segmentation/segments";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { waitFor } from "../helpers/shops";
import { expectShopifyMatchesDatabase, recommendationMetaobjects, tagsByCustomer } from "../push/fixtures";

// Shopify App Pricing end to end, nothing stubbed: the emulated merchant picks, changes and cancels
// plans on Shopify's plan page (app_subscriptions/update, signed), the app's webhook route, ingest,
// the plan check reading currentAppInstallation.activeSubscriptions, the compute and the push, all
// run by the app's workers. Each step waits until every queue is idle and checks Shopify's state.

let env: EmulatedApp;
let shopId: number;
let merchantTags: Map<number, string[]>;

const ALL_STATES: JobType[] = ["waiting", "active", "prioritized", "delayed", "waiting-children"];
// The compute queue holds the daily schedule's delayed job and maintenance the debounced privacy
// check (our own tag writes echo as customers/update): only what runs now counts there.
const NOW_STATES: JobType[] = ["waiting", "active", "prioritized"];
const WATCHED: [QueueName, JobType[]][] = [
  ["ingest", ALL_STATES],
  ["sync", ALL_STATES],
  ["maintenance", NOW_STATES],
  ["compute", NOW_STATES],
  ["score", NOW_STATES],
  ["push", ALL_STATES],
];

/** Waits until webhooks are delivered, the shop's plan is `plan` and no job or run is pending. */
async function settle(plan: string, what: string) {
  await waitFor(
    async () => {
      await env.emu.idle();
      const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
      if (shop.appPlan !== plan) return false;
      for (const [name, states] of WATCHED) {
        const counts = await queues()
          .get(name)
          .getJobCounts(...states);
        if (Object.values(counts).some((n) => n > 0)) return false;
      }
      const open = await db.run.count({ where: { shopId, status: { in: ["QUEUED", "RUNNING"] } } });
      return open === 0;
    },
    { timeoutMs: 180_000, intervalMs: 250, what },
  );
  const failed = await db.run.findMany({ where: { shopId, status: "FAILED" } });
  expect(failed.map((r) => `${r.kind}: ${r.error}`)).toEqual([]);
}

async function lastPush() {
  return db.run.findFirstOrThrow({ where: { shopId, kind: "PUSH" }, orderBy: { id: "desc" } });
}

/** Nothing of ours in the emulated Shopify: tags, native segments, customer metafields, metaobjects, app data. */
function expectNothingPushed() {
  const store = env.emu.shop(env.shop);
  const ns = env.emu.appNamespace;
  for (const { record } of store.customers()) {
    expect({ id: record.id, tags: record.tags }).toEqual({ id: record.id, tags: merchantTags.get(record.id) ?? [] });
    const ours = [...store.customerMetafields(record.id).keys()].filter((k) => k.startsWith(`${ns}.`));
    expect({ id: record.id, ours }).toEqual({ id: record.id, ours: [] });
  }
  expect([...store.segments.values()].filter((s) => s.query.includes("seg:"))).toEqual([]);
  expect(recommendationMetaobjects(env)).toEqual([]);
  expect([...store.appInstallationMetafields().keys()]).toEqual([]);
}

/** The customers whose latest scorable order is newest, as the plan's limit picks them. */
async function mostRecentBuyers(limit: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: bigint }[]>`
    SELECT c.id FROM "Customer" c
    JOIN "Order" o ON o."shopId" = c."shopId" AND o."customerShopifyId" = c."shopifyId"
    WHERE c."shopId" = ${shopId} AND o."shopId" = ${shopId} AND c."deletedAt" IS NULL AND NOT c."profilingOptOut"
      AND NOT o.test AND o."deletedAt" IS NULL AND o."cancelledAt" IS NULL
    GROUP BY c.id, c."shopifyId" ORDER BY max(o."processedAt") DESC, c."shopifyId" LIMIT ${limit}`;
  return rows.map((r) => r.id.toString()).sort();
}

async function scoredIds(): Promise<string[]> {
  const rows = await db.customerScore.findMany({ where: { shopId }, select: { customerId: true } });
  return rows.map((r) => r.customerId.toString()).sort();
}

const churnRiskKeys = CHURN_RISK_LEVELS.map((l) => l.key);

beforeAll(async () => {
  // A shop whose merchant has not picked a plan: Free. 700 customers, ~600 of them buyers: past Free's 500.
  env = await startEmulatedApp({ customers: 700, seed: "plan-changes", plan: "advanced", appSubscription: null });
  merchantTags = tagsByCustomer(env);
  env.startWorkers();
  await env.install();
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: env.shop } })).id;
  await settle("free", "install on Free: back-fill, compute, push");
}, 240_000);

afterAll(async () => {
  await env?.close();
  await queues().close();
});

// Each step runs the app's whole pipeline (webhook, plan check, compute, push; the reinstall a catch-up sync too).
describe("pricing plans end to end", { timeout: 240_000 }, () => {
  it("reads Free at install: scores the 500 most recent buyers, no churn-risk or cluster members, pushes nothing", async () => {
    const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    expect(shop.appPlanCheckedAt).not.toBeNull();
    expect(shop.appSubscription).toBeNull();
    const buyers = await mostRecentBuyers(10_000);
    expect(buyers.length).toBeGreaterThan(FREE_CUSTOMER_LIMIT);
    expect(await scoredIds()).toEqual(await mostRecentBuyers(FREE_CUSTOMER_LIMIT));
    expect(await db.membership.count({ where: { shopId, segmentKey: { in: churnRiskKeys } } })).toBe(0);
    expect(await db.segment.count({ where: { shopId, kind: "CLUSTER" } })).toBe(0);
    expect(await db.membership.count({ where: { shopId, segmentKey: { startsWith: "rfm-" } } })).toBe(
      FREE_CUSTOMER_LIMIT,
    );
    expect((await lastPush()).status).toBe("SUCCEEDED");
    expectNothingPushed();
  });

  it("upgrades to Growth from Shopify's plan page: every buyer scored, clusters and churn risk, tags, segments and metafields pushed; no blocks", async () => {
    env.emu.subscribeApp(env.shop, "Growth");
    await settle("growth", "upgrade to Growth");
    const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    expect(shop.appSubscription).toMatchObject({ name: "Growth", status: "ACTIVE", test: false });
    expect(await scoredIds()).toEqual(await mostRecentBuyers(10_000));
    expect(await db.membership.count({ where: { shopId, segmentKey: { in: churnRiskKeys } } })).toBe(
      (await scoredIds()).length,
    );
    expect(await db.segment.count({ where: { shopId, kind: "CLUSTER" } })).toBeGreaterThan(0);
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);
    const store = env.emu.shop(env.shop);
    const tagged = [...store.customers()].filter(({ record }) => record.tags.some((t) => t.startsWith("seg:")));
    expect(tagged.length).toBe((await scoredIds()).length);
    // Storefront blocks are Pro: no config for them, no recommendation metaobjects.
    expect(recommendationMetaobjects(env)).toEqual([]);
    expect([...store.appInstallationMetafields().keys()]).toEqual([]);
  });

  it("upgrades to Pro: the blocks' config and recommendations follow", async () => {
    env.emu.subscribeApp(env.shop, "Pro");
    await settle("pro", "upgrade to Pro");
    const store = env.emu.shop(env.shop);
    expect([...store.appInstallationMetafields().keys()].sort()).toEqual([
      "segments.control_tag_prefix",
      "segments.storefront_key",
      "segments.tag_prefix",
    ]);
    expect(recommendationMetaobjects(env).length).toBeGreaterThan(0);
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);
  });

  it("downgrades to Growth: the blocks' config and recommendations are taken back, tags and segments stay", async () => {
    env.emu.subscribeApp(env.shop, "Growth");
    await settle("growth", "downgrade to Growth");
    const store = env.emu.shop(env.shop);
    expect([...store.appInstallationMetafields().keys()]).toEqual([]);
    expect(recommendationMetaobjects(env)).toEqual([]);
    expect(await db.pushedRecommendation.count({ where: { shopId } })).toBe(0);
    expect((await db.shop.findUniqueOrThrow({ where: { id: shopId } })).storefrontPushed).toBeNull();
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);
  });

  it("cancels: back on Free, every tag, native segment and metafield is taken back and only 500 are scored", async () => {
    env.emu.cancelAppSubscription(env.shop);
    await settle("free", "cancel");
    expectNothingPushed();
    expect(await db.pushedTag.count({ where: { shopId } })).toBe(0);
    expect(await db.pushedSegment.count({ where: { shopId } })).toBe(0);
    expect(await db.pushedMetafields.count({ where: { shopId } })).toBe(0);
    expect(await scoredIds()).toEqual(await mostRecentBuyers(FREE_CUSTOMER_LIMIT));
    expect(await db.membership.count({ where: { shopId, segmentKey: { in: churnRiskKeys } } })).toBe(0);
    expect(await db.segment.count({ where: { shopId, kind: "CLUSTER" } })).toBe(0);
  });

  it("a reinstall asks Shopify again: the old subscription, cancelled at uninstall, grants nothing", async () => {
    env.emu.subscribeApp(env.shop, "Pro");
    await settle("pro", "subscribe to Pro before the uninstall");
    env.emu.uninstall(env.shop);
    await waitFor(async () => (await db.shop.findUniqueOrThrow({ where: { id: shopId } })).uninstalledAt, {
      what: "app/uninstalled applied",
      timeoutMs: 60_000,
    });
    expect((await db.shop.findUniqueOrThrow({ where: { id: shopId } })).appPlan).toBe("free");
    // The worker deleted the sessions; the web side's session cache (2 s) may still hold one.
    await waitFor(async () => (await db.session.count({ where: { shop: env.shop } })) === 0, {
      what: "the sessions deleted",
    });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    env.emu.install(env.shop);
    const checkedBefore = (await db.shop.findUniqueOrThrow({ where: { id: shopId } })).appPlanCheckedAt!;
    await env.install();
    await waitFor(
      async () => {
        const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
        return shop.appPlanCheckedAt && shop.appPlanCheckedAt > checkedBefore ? shop : undefined;
      },
      { what: "the reinstall's plan check", timeoutMs: 60_000 },
    );
    await settle("free", "reinstall");
    const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    expect(shop.appSubscription).toBeNull();
    expect(shop.uninstalledAt).toBeNull();
    // Picking a plan again works as at first.
    env.emu.subscribeApp(env.shop, "Growth", { test: true });
    await settle("growth", "subscribe again after the reinstall");
    expect((await db.shop.findUniqueOrThrow({ where: { id: shopId } })).appSubscription).toMatchObject({
      name: "Growth",
      test: true,
    });
  });
});
