import type { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues, type JobData } from "~/queues.server";
import { pushProcessor, pushRunExternalId } from "~/jobs/push.server";
import { SEGMENT_CREATE } from "~/shopify/documents";
import { deleteRuleSegment } from "~/admin/rule-segments.server";
import { requireShop } from "~/admin/admin-shop.server";
import { listSegments, segmentSummary } from "~/admin/segments.server";
import { writeSnapshots } from "~/compute/persist.server";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import {
  callsSince,
  expectShopifyMatchesDatabase,
  expectRecommendationsMatchDatabase,
  installAndBackfill,
  mutationCalls,
  pushAdmin,
  recommendationMetaobjects,
  storefrontToken,
  tagsByCustomer,
  writeComputeResult,
  type SegmentSpec,
} from "./fixtures";

// End to end on an emulated shop: back-fill with the real sync, a compute result written to the
// database, then the push job as the worker runs it.

let env: EmulatedApp;
let shopId: number;
let merchantTags: Map<number, string[]>;
let jobs = 0;

const SEGMENTS: SegmentSpec[] = [
  { key: "rfm-champions", name: "Champions", kind: "RFM", member: (i) => i % 5 === 0, control: (i) => i % 50 === 0 },
  { key: "rfm-at-risk", name: "At risk", kind: "RFM", member: (i) => i % 5 === 1 },
  { key: "lifecycle-active", name: "Active", kind: "LIFECYCLE", member: (i) => i % 2 === 0 },
  { key: "rule-big-spenders", name: "Big spenders", kind: "RULE", member: (i) => i % 7 === 0 },
  { key: "cluster-3", name: "Cluster 3", kind: "CLUSTER", enabled: false, member: (i) => i % 3 === 0 },
];

/** Runs the push processor as the worker would, under the same job contract. */
async function runPush(trigger = "test") {
  const process = pushProcessor({ db, queues: queues(), adminForShop: () => pushAdmin(env) }, { bulkPollMs: 50 });
  const job = {
    id: `push-${shopId}-${++jobs}`,
    data: { shopId, trigger },
    timestamp: 1_780_000_000_000,
    attemptsMade: 0,
    opts: { attempts: 1 },
  } as unknown as Job<JobData["push"]>;
  await process(job);
  return db.run.findFirstOrThrow({ where: { shopId, kind: "PUSH", externalId: pushRunExternalId(job) } });
}

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 2_000, plan: "advanced" });
  shopId = await installAndBackfill(env);
  merchantTags = tagsByCustomer(env);
});
afterAll(async () => {
  await env?.close();
  await queues().close();
});

describe("push", () => {
  it("tags every member, creates native segments, sets metafields and recommendations; merchant tags untouched", async () => {
    await writeComputeResult(shopId, SEGMENTS);
    const before = mutationCalls(env);
    const run = await runPush();

    expect(run.status).toBe("SUCCEEDED");
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);
    const counts = run.counts as Record<string, number>;
    const enabledMemberships = await db.membership.count({ where: { shopId, segmentKey: { not: "cluster-3" } } });
    expect(counts.tagsAdded).toBe(enabledMemberships);
    expect(counts.errors).toBe(0);
    expect(counts.segmentsCreated).toBe(4);
    expect(counts.customersChanged).toBe(2_000);
    expect(counts.apiCalls).toBeGreaterThan(0);
    expect(counts.costUsed).toBeGreaterThan(0);
    // 2,000 changed customers is past the bulk threshold: tags and metafields went as bulk mutations.
    // The one metafieldsSet call is the storefront config on the app's installation.
    const calls = callsSince(before, env);
    expect(calls).toMatchObject({
      TagsAdd: 0,
      TagsRemove: 0,
      MetafieldsSet: 1,
      RunBulkMutation: 2,
      SegmentCreate: 4,
      MetaobjectUpsert: 4,
      MetaobjectDelete: 0,
    });
    expect(counts.bulkOperations).toBe(2);

    // Metafields: treatment segments most specific (smallest) first, control holdouts left out.
    const store = env.emu.shop(env.shop);
    const ns = env.emu.appNamespace;
    const customers = await db.customer.findMany({
      where: { shopId },
      orderBy: { id: "asc" },
      include: { score: true },
    });
    for (const i of [0, 1, 14, 50, 1_999]) {
      const fields = store.customerMetafields(Number(customers[i].shopifyId));
      // In no segment: no list at all (Shopify has no empty metafield value).
      const listed = fields.get(`${ns}.segments`);
      const segments = listed ? (JSON.parse(listed.value) as string[]) : null;
      const expected = ["rule-big-spenders", "rfm-champions", "rfm-at-risk", "lifecycle-active"].filter((key) => {
        const spec = SEGMENTS.find((s) => s.key === key)!;
        return spec.member(i) && !spec.control?.(i);
      });
      // The storefront-readable list holds tokens, not keys.
      const tokens = await Promise.all(expected.map((key) => storefrontToken(shopId, key)));
      expect(segments).toEqual(tokens.length ? tokens : null);
      const score = customers[i].score!;
      expect(fields.get(`${ns}.rfm`)!.value).toBe(`${score.r}${score.f}${score.m}`);
      expect(fields.get(`${ns}.p_alive`)!.value).toBe(score.pAlive!.toFixed(4));
      expect(fields.get(`${ns}.clv`)!.value).toBe(score.clv!.toFixed(2));
      expect(fields.get(`${ns}.next_order_at`)!.value).toBe(score.nextOrderAt!.toISOString().slice(0, 10));
      expect(fields.get(`${ns}.lifecycle`)!.value).toBe(score.lifecycle);
    }

    // Recommendations: one metaobject per enabled segment (handle = its token), accepted by the
    // emulator's validation (existing products, required fields), ids and products as recorded.
    expect(counts.recommendationsUpserted).toBe(4);
    await expectRecommendationsMatchDatabase(env, shopId);
    const recommendations = recommendationMetaobjects(env);
    const keyTokens = await Promise.all(
      ["lifecycle-active", "rfm-at-risk", "rfm-champions", "rule-big-spenders"].map((key) =>
        storefrontToken(shopId, key),
      ),
    );
    expect(recommendations.map((m) => m.handle).sort()).toEqual(keyTokens.sort());
    for (const m of recommendations) {
      expect(Object.keys(m.fields)).toEqual(["products"]);
      const products = JSON.parse(m.fields.products) as string[];
      expect(products.length).toBeGreaterThan(0);
      expect(products.length).toBeLessThanOrEqual(8);
    }
  });

  it("sends zero mutations when nothing changed", async () => {
    const before = mutationCalls(env);
    const requests = env.emu.stats(env.shop).requests;
    const run = await runPush();
    expect(run.status).toBe("SUCCEEDED");
    expect(callsSince(before, env)).toEqual(Object.fromEntries(Object.keys(before).map((k) => [k, 0])));
    expect(env.emu.stats(env.shop).requests).toBe(requests);
    expect((run.counts as Record<string, number>).customersChanged).toBe(0);
  });

  it("sends a small change as tagsAdd/tagsRemove; renames, disabling and name conflicts follow", async () => {
    // The merchant already has a segment with the name ours would take.
    const admin = await pushAdmin(env);
    await admin.request(SEGMENT_CREATE, { name: "Segments · Loyal", query: "number_of_orders > 3" });

    const moved = (i: number) => i >= 100 && i < 130;
    await writeComputeResult(
      shopId,
      [
        {
          ...SEGMENTS[0],
          name: "Champions ★",
          member: (i) => (moved(i) ? !SEGMENTS[0].member(i) : SEGMENTS[0].member(i)),
        },
        SEGMENTS[1],
        SEGMENTS[2],
        { ...SEGMENTS[3], enabled: false },
        SEGMENTS[4],
        // 60 members: above the minimum segment size (50 here), so it gets its Shopify segment.
        { key: "rfm-loyal", name: "Loyal", kind: "RFM", member: (i) => i < 60 },
      ],
      { scores: false },
    );
    const before = mutationCalls(env);
    const run = await runPush();
    const calls = callsSince(before, env);
    const counts = run.counts as Record<string, number>;

    expect(run.status).toBe("SUCCEEDED");
    expect(counts.errors).toBe(0);
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);
    expect(calls.RunBulkMutation).toBe(0);
    expect(calls.TagsAdd + calls.TagsRemove).toBeGreaterThan(0);
    expect(calls.SegmentUpdate).toBe(1);
    expect(calls.SegmentDelete).toBe(1);
    expect(counts.segmentsDeleted).toBe(1);

    const names = [...env.emu.shop(env.shop).segments.values()].map((s) => s.name);
    expect(names).toContain("Segments · Champions ★");
    expect(names).toContain("Segments · Loyal"); // the merchant's, untouched
    expect(names).toContain("Segments · Loyal (2)"); // ours
    expect(names).not.toContain("Segments · Big spenders");
    // The disabled segment's recommendations are deleted, the new segment's created.
    expect(calls.MetaobjectDelete).toBe(1);
    await expectRecommendationsMatchDatabase(env, shopId);
    const handles = recommendationMetaobjects(env).map((m) => m.handle);
    expect(handles).not.toContain(await storefrontToken(shopId, "rule-big-spenders"));
    expect(handles).toContain(await storefrontToken(shopId, "rfm-loyal"));

    // And converged: nothing left to send.
    const again = mutationCalls(env);
    await runPush();
    expect(Object.values(callsSince(again, env)).every((n) => n === 0)).toBe(true);
  });

  it("removes a deleted rule segment's Shopify segment, tags and recommendations at the next push", async () => {
    await writeComputeResult(
      shopId,
      [...SEGMENTS.slice(0, 3), { key: "rule-doomed", name: "Doomed", kind: "RULE", member: (i) => i % 11 === 0 }],
      { scores: false },
    );
    await runPush();
    const store = env.emu.shop(env.shop);
    const doomedToken = await storefrontToken(shopId, "rule-doomed");
    const nativeSegments = () => [...store.segments.values()].filter((s) => s.query.includes("seg:rule-doomed"));
    expect(nativeSegments()).toHaveLength(1);
    expect(recommendationMetaobjects(env).map((m) => m.handle)).toContain(doomedToken);

    const result = await deleteRuleSegment(await requireShop(env.shop), "rule-doomed");
    expect(result).toEqual({ name: "Doomed" });
    const before = mutationCalls(env);
    const run = await runPush();
    expect(run.status).toBe("SUCCEEDED");
    expect(callsSince(before, env)).toMatchObject({ SegmentDelete: 1, MetaobjectDelete: 1 });
    expect(nativeSegments()).toEqual([]);
    expect(recommendationMetaobjects(env).map((m) => m.handle)).not.toContain(doomedToken);
    for (const { record } of store.customers()) {
      expect(record.tags).not.toContain("seg:rule-doomed");
      const listed = store.customerMetafields(record.id).get(`${env.emu.appNamespace}.segments`);
      if (listed) expect(JSON.parse(listed.value)).not.toContain(doomedToken);
    }
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);
    expect(await db.pushedSegment.count({ where: { shopId, segmentKey: "rule-doomed" } })).toBe(0);
    expect(await db.pushedTag.count({ where: { shopId, tag: "seg:rule-doomed" } })).toBe(0);
    expect(await db.pushedRecommendation.count({ where: { shopId, segmentKey: "rule-doomed" } })).toBe(0);
  });

  it("withholds predictive segments and score metafields while the newest prediction check finds too little data", async () => {
    const churnRisk: SegmentSpec = {
      key: "churn-risk-high",
      name: "High churn risk",
      kind: "PREDICTIVE",
      member: (i) => i % 4 === 0,
    };
    await writeComputeResult(shopId, [...SEGMENTS.slice(0, 3), churnRisk]);
    const store = env.emu.shop(env.shop);
    const ns = env.emu.appNamespace;
    const churnToken = await storefrontToken(shopId, "churn-risk-high");
    /** What Shopify carries of the predictions: churn-risk tags, its native segment, score metafields, tokens. */
    const predictionsInShopify = () => {
      let tagged = 0;
      let scored = 0;
      let tokens = 0;
      for (const { record } of store.customers()) {
        if (record.tags.includes("seg:churn-risk-high")) tagged++;
        const fields = store.customerMetafields(record.id);
        if (["p_alive", "clv", "next_order_at"].some((key) => fields.has(`${ns}.${key}`))) scored++;
        const listed = fields.get(`${ns}.segments`);
        if (listed && (JSON.parse(listed.value) as string[]).includes(churnToken)) tokens++;
      }
      const segments = [...store.segments.values()].filter((s) => s.query.includes("seg:churn-risk-high")).length;
      return { tagged, scored, tokens, segments };
    };
    const check = async (sufficient: boolean) => {
      const run = await db.run.create({ data: { shopId, kind: "COMPUTE", status: "SUCCEEDED" } });
      await db.predictionCheck.create({
        data: { shopId, runId: run.id, asOf: new Date(), horizonDays: 90, sufficient, result: {} },
      });
    };
    const members = await db.membership.count({ where: { shopId, segmentKey: "churn-risk-high", control: false } });
    const rfmTagged = () =>
      [...store.customers()].filter(({ record }) => record.tags.includes("seg:rfm-champions")).length;

    // Insufficient: the scores an earlier push wrote are taken off; RFM and lifecycle go on as always.
    await check(false);
    expect((await runPush()).status).toBe("SUCCEEDED");
    expect(predictionsInShopify()).toEqual({ tagged: 0, scored: 0, tokens: 0, segments: 0 });
    expect(rfmTagged()).toBe(
      await db.membership.count({ where: { shopId, segmentKey: "rfm-champions", control: false } }),
    );
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);
    expect(await db.membership.count({ where: { shopId, segmentKey: "churn-risk-high" } })).toBeGreaterThan(0);

    // Sufficient: everything goes.
    await check(true);
    await runPush();
    expect(predictionsInShopify()).toEqual({ tagged: members, scored: 2_000, tokens: members, segments: 1 });
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);

    // Insufficient again (say the model stopped beating a naive guess): taken back off.
    await check(false);
    const run = await runPush();
    expect((run.counts as Record<string, number>).segmentsDeleted).toBe(1);
    expect(predictionsInShopify()).toEqual({ tagged: 0, scored: 0, tokens: 0, segments: 0 });
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);
    expect(await db.pushedTag.count({ where: { shopId, tag: "seg:churn-risk-high" } })).toBe(0);
    expect(await db.pushedSegment.count({ where: { shopId, segmentKey: "churn-risk-high" } })).toBe(0);
  });

  it("keeps a segment below the minimum size out of Shopify's segments (tags still go), says why, and follows the opt-in", async () => {
    // 2,000 scored customers: the minimum is max(1 % of 2,000, 50) = 50. "Tiny" has 8 members.
    const tiny: SegmentSpec = { key: "rule-tiny", name: "Tiny", kind: "RULE", member: (i) => i % 250 === 0 };
    await writeComputeResult(shopId, [...SEGMENTS.slice(0, 3), tiny]);
    // Only these four exist now (the earlier tests' extra segments go, with theirs in Shopify).
    await db.segment.deleteMany({
      where: { shopId, key: { notIn: [...SEGMENTS.slice(0, 3).map((s) => s.key), tiny.key] } },
    });
    const store = env.emu.shop(env.shop);
    const tinyNative = () => [...store.segments.values()].filter((s) => s.query.includes("seg:rule-tiny"));
    const tinyTagged = () =>
      [...store.customers()].filter(({ record }) => record.tags.includes("seg:rule-tiny")).length;

    const run = await runPush();
    expect(run.status).toBe("SUCCEEDED");
    expect((run.counts as Record<string, number>).segmentsBelowMinimum).toBe(1);
    expect(tinyNative()).toEqual([]);
    expect(tinyTagged()).toBe(8);
    expect(await db.pushedSegment.count({ where: { shopId, segmentKey: "rule-tiny" } })).toBe(0);
    // The big ones still have theirs.
    expect(await db.pushedSegment.count({ where: { shopId, segmentKey: "rfm-champions" } })).toBe(1);
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);

    // The admin says why (sizes from the run's snapshot).
    const shop = await requireShop(env.shop);
    const runRow = await db.run.create({ data: { shopId, kind: "COMPUTE", status: "SUCCEEDED" } });
    await writeSnapshots(db, shopId, runRow.id, new Date());
    const summary = await segmentSummary(shop, "rule-tiny");
    expect(summary).toMatchObject({ size: 8, belowMinimum: true, minimumSize: 50, pushSmallSegments: false });
    expect((await segmentSummary(shop, "rfm-champions")).belowMinimum).toBe(false);
    const listed = await listSegments(shop);
    expect(listed.filter((s) => s.belowMinimum).map((s) => s.key)).toEqual(["rule-tiny"]);

    // Opted in: the small segment gets its Shopify segment; opted out again: it goes.
    await db.shop.update({ where: { id: shopId }, data: { settings: { ...shop.settings, pushSmallSegments: true } } });
    const optedIn = await runPush();
    expect(optedIn.counts as Record<string, number>).toMatchObject({ segmentsBelowMinimum: 0, segmentsCreated: 1 });
    expect(tinyNative()).toHaveLength(1);
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);

    await db.shop.update({ where: { id: shopId }, data: { settings: { ...shop.settings, pushSmallSegments: false } } });
    const optedOut = await runPush();
    expect((optedOut.counts as Record<string, number>).segmentsDeleted).toBe(1);
    expect(tinyNative()).toEqual([]);
    expect(tinyTagged()).toBe(8);
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);
  });
});
