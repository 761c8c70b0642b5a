import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { enqueueCompute } from "~/jobs/compute.server";
import { previewRuleCount } from "~/models/rule-segments.server";
import { requireShop } from "~/models/shop.server";
import { cohortTable } from "~/models/cohorts.server";
import { parseRule, ruleOf } from "~/segmentation/rules";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { waitFor } from "../helpers/shops";

let env: EmulatedApp;
let shopId: number;

beforeAll(async () => {
  process.env.SCORE_DEBOUNCE_MS = "300";
  env = await startEmulatedApp({ customers: 1_500, plan: "advanced" });
  env.startWorkers();
  await env.install();
  const shop = await db.shop.findUniqueOrThrow({ where: { domain: env.shop } });
  shopId = shop.id;
  await waitFor(
    () => db.run.findFirst({ where: { shopId, kind: "COMPUTE", status: { in: ["SUCCEEDED", "FAILED"] } } }),
    { timeoutMs: 120_000, intervalMs: 250, what: "the first compute after the back-fill" },
  );
});

afterAll(async () => {
  await env?.close();
  await queues().close();
});

/** Queues a full recompute the way the app does and waits for it to succeed. */
async function recompute(what: string) {
  const before = await db.run.count({ where: { shopId, kind: "COMPUTE" } });
  await enqueueCompute(queues(), shopId, "test");
  return waitFor(
    async () => {
      const runs = await db.run.findMany({ where: { shopId, kind: "COMPUTE" }, orderBy: { id: "asc" } });
      const last = runs[runs.length - 1];
      return runs.length > before && last.status === "SUCCEEDED" ? last : undefined;
    },
    { timeoutMs: 60_000, what },
  );
}

describe("compute", () => {
  it("scores every buying customer and puts each in exactly one segment of every engine kind", async () => {
    const run = await db.run.findFirstOrThrow({ where: { shopId, kind: "COMPUTE" }, orderBy: { id: "desc" } });
    expect(run.error).toBeNull();
    expect(run.status).toBe("SUCCEEDED");

    const buyers = await db.$queryRaw<{ n: bigint }[]>`
      SELECT COUNT(DISTINCT c."id") AS n FROM "Order" o
      JOIN "Customer" c ON c."shopId" = o."shopId" AND c."shopifyId" = o."customerShopifyId"
      WHERE o."shopId" = ${shopId} AND NOT o."test" AND o."deletedAt" IS NULL AND o."cancelledAt" IS NULL`;
    const scores = await db.customerScore.count({ where: { shopId } });
    expect(scores).toBe(Number(buyers[0].n));
    expect(scores).toBeGreaterThan(1000);

    const perKind = await db.$queryRaw<{ kind: string; customers: bigint; rows: bigint }[]>`
      SELECT s."kind"::text AS kind, COUNT(DISTINCT m."customerId") AS customers, COUNT(*) AS rows
      FROM "Membership" m JOIN "Segment" s ON s."shopId" = m."shopId" AND s."key" = m."segmentKey"
      WHERE m."shopId" = ${shopId} AND s."kind" <> 'RULE' GROUP BY s."kind"`;
    expect(perKind.map((k) => k.kind).sort()).toEqual(["CLUSTER", "LIFECYCLE", "PREDICTIVE", "RFM"]);
    for (const kind of perKind) {
      expect(Number(kind.customers), kind.kind).toBe(scores);
      expect(Number(kind.rows), kind.kind).toBe(scores);
    }

    // Scores are finite and consistent with the memberships written.
    const bad = await db.customerScore.count({
      where: { shopId, OR: [{ pAlive: null }, { clv: null }, { pAlive: { lt: 0 } }, { pAlive: { gt: 1 } }] },
    });
    expect(bad).toBe(0);
    const mismatched = await db.$queryRaw<{ n: bigint }[]>`
      SELECT COUNT(*) AS n FROM "CustomerScore" cs
      WHERE cs."shopId" = ${shopId} AND NOT EXISTS (
        SELECT 1 FROM "Membership" m WHERE m."customerId" = cs."customerId" AND m."segmentKey" = cs."rfmSegment")`;
    expect(Number(mismatched[0].n)).toBe(0);

    // One snapshot per segment for the run, sizes matching the memberships.
    const snapshots = await db.segmentSnapshot.findMany({ where: { shopId, runId: run.id } });
    const segments = await db.segment.count({ where: { shopId } });
    expect(snapshots).toHaveLength(segments);
    for (const snapshot of snapshots) {
      const members = await db.membership.count({ where: { shopId, segmentKey: snapshot.segmentKey, control: false } });
      expect(snapshot.size, snapshot.segmentKey).toBe(members);
    }
    const model = await db.shopModel.findUniqueOrThrow({ where: { shopId } });
    expect(model.runId).toBe(run.id);

    // The admin's cohort page shows the run's cohort table: every scored customer in one month.
    const cohorts = await cohortTable(await requireShop(env.shop), 36);
    expect(cohorts.reduce((sum, row) => sum + row.customers, 0)).toBe(scores);
    for (const row of cohorts) expect(row.retained[0]).toBe(row.customers);
  });

  it("evaluates a merchant rule segment in the next run and reports an invalid one", async () => {
    await db.segment.create({
      data: {
        shopId,
        key: "rule-big-spenders",
        kind: "RULE",
        name: "Big spenders",
        definition: { rule: { all: [{ field: "spend", op: ">", value: 200, days: 365 }, { field: "orders", op: ">=", value: 2 }] } },
      },
    });
    await db.segment.create({
      data: { shopId, key: "rule-broken", kind: "RULE", name: "Broken", definition: { rule: { all: [{ field: "nope", op: ">", value: 1 }] } } },
    });
    const run = await recompute("the second compute");
    expect((run.counts as { ruleErrors: Record<string, string> }).ruleErrors["rule-broken"]).toMatch(/unknown field "nope"/);

    // The window ends where the run's clock stood (ShopModel.fittedAt), not at the database's now().
    const { fittedAt: asOf } = await db.shopModel.findUniqueOrThrow({ where: { shopId } });
    const expected = await db.$queryRaw<{ id: bigint }[]>`
      SELECT c."id" FROM "Customer" c
      JOIN "Order" o ON o."shopId" = c."shopId" AND o."customerShopifyId" = c."shopifyId"
      WHERE c."shopId" = ${shopId} AND NOT o."test" AND o."deletedAt" IS NULL AND o."cancelledAt" IS NULL
      GROUP BY c."id"
      HAVING COUNT(*) >= 2
         AND COALESCE(SUM(GREATEST(0, o."totalPrice" - o."totalRefunded")) FILTER (WHERE o."processedAt" >= ${asOf}::timestamp - interval '365 days'), 0) > 200`;
    const members = await db.membership.findMany({ where: { shopId, segmentKey: "rule-big-spenders" } });
    expect(members.length).toBeGreaterThan(0);
    expect(new Set(members.map((m) => m.customerId.toString()))).toEqual(new Set(expected.map((e) => e.id.toString())));

    // The admin's live preview counts the same customers the run put in the segment.
    const segment = await db.segment.findUniqueOrThrow({ where: { shopId_key: { shopId, key: "rule-big-spenders" } } });
    const shop = await requireShop((await db.shop.findUniqueOrThrow({ where: { id: shopId } })).domain);
    const preview = await previewRuleCount(shop, parseRule(ruleOf(segment.definition)));
    expect(preview.matches).toBe(members.length);
  });

  it("holds out a stable share of every segment as a control group when asked", async () => {
    const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    await db.shop.update({ where: { id: shopId }, data: { settings: { ...(shop.settings as object), controlShare: 0.2 } } });
    const heldOut = async () => {
      await recompute("a recompute");
      return db.membership.findMany({ where: { shopId, control: true }, select: { customerId: true, segmentKey: true } });
    };
    const first = await heldOut();
    const sizes = await db.membership.groupBy({ by: ["segmentKey"], where: { shopId }, _count: true });
    for (const { segmentKey, _count } of sizes.filter((s) => s._count >= 200)) {
      const held = first.filter((m) => m.segmentKey === segmentKey).length;
      expect(held / _count, segmentKey).toBeGreaterThan(0.12);
      expect(held / _count, segmentKey).toBeLessThan(0.28);
    }
    const again = await heldOut();
    const key = (m: { customerId: bigint; segmentKey: string }) => `${m.customerId}:${m.segmentKey}`;
    expect(new Set(again.map(key))).toEqual(new Set(first.map(key)));
    await db.shop.update({ where: { id: shopId }, data: { settings: shop.settings as object } });
  });

  it("drops clusters that a run with fewer clusters no longer has", async () => {
    const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    const recomputeWithK = async (k: number) => {
      await db.shop.update({ where: { id: shopId }, data: { settings: { ...(shop.settings as object), kMin: k, kMax: k } } });
      await recompute(`a recompute with k = ${k}`);
      return (await db.segment.findMany({ where: { shopId, kind: "CLUSTER" }, orderBy: { key: "asc" } })).map((c) => c.key);
    };
    expect(await recomputeWithK(4)).toEqual(["cluster-1", "cluster-2", "cluster-3", "cluster-4"]);
    expect(await recomputeWithK(2)).toEqual(["cluster-1", "cluster-2"]);
    const stray = await db.membership.count({ where: { shopId, segmentKey: { in: ["cluster-3", "cluster-4"] } } });
    expect(stray).toBe(0);
    await db.shop.update({ where: { id: shopId }, data: { settings: shop.settings as object } });
  });

  it("moves a customer within the debounce window when an order webhook arrives", async () => {
    const store = env.emu.shop(env.shop);
    // A one-time buyer from long ago: after a big new order they can no longer be "lost"-ish.
    const target = await db.customerScore.findFirstOrThrow({
      where: { shopId, orderCount: 1, recencyDays: { gt: 200 } },
      include: { customer: true },
    });
    const before = await db.membership.findMany({ where: { shopId, customerId: target.customerId } });
    store.createOrder({ customerId: Number(target.customer.shopifyId), processedAt: store.clock() });

    const after = await waitFor(
      async () => {
        const score = await db.customerScore.findUnique({ where: { customerId: target.customerId } });
        return score && score.orderCount === 2 ? score : undefined;
      },
      { timeoutMs: 30_000, what: "the re-score of the customer" },
    );
    expect(after.recencyDays).toBe(0);
    const now = await db.membership.findMany({ where: { shopId, customerId: target.customerId } });
    expect(now.find((m) => m.segmentKey.startsWith("rfm-"))?.segmentKey).toBe(after.rfmSegment);
    expect(now.map((m) => m.segmentKey).sort()).not.toEqual(before.map((m) => m.segmentKey).sort());
    const events = await db.membershipEvent.count({ where: { shopId, customerId: target.customerId } });
    expect(events).toBeGreaterThan(0);
  });
});
