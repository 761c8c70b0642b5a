import { appNow } from "~/clock.server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { RequestType, setUpValidRequest, setUpValidSession } from "@shopify/shopify-api/test-helpers";
import db from "~/db.server";
import { sessionStorage } from "~/shopify.server";
import { loader as overviewLoader } from "~/routes/app._index";
import { action as segmentsAction, loader as segmentsLoader } from "~/routes/app.segments._index";
import { action as segmentAction, loader as segmentLoader } from "~/routes/app.segments.$key";
import { loader as customerLoader } from "~/routes/app.customers.$id";
import { loader as exportLoader } from "~/routes/app.export.$segment";
import { loader as cohortsLoader } from "~/routes/app.cohorts";
import { withinBudget } from "~/admin/cohorts.server";
import { action as settingsAction } from "~/routes/app.settings";
import { action as ruleAction, loader as ruleLoader } from "~/routes/app.rules.$key";
import { shopSettings } from "~/settings";
import { queues } from "~/queues.server";
import { collapsedJob, pushJobKey } from "~/enqueue.server";
import { computeShop } from "~/compute/compute-shop.server";
import { seedAnalysedShop, type SeededShop } from "../helpers/seed-analysis";
import { uniqueShopDomain } from "../helpers/shops";
import { recountWindow } from "../helpers/recount-window";

// Route loaders and actions against real PostgreSQL, authenticated exactly as App Bridge
// requests are (Bearer session token signed with the app secret).

const apiKey = process.env.SHOPIFY_API_KEY!;
const apiSecretKey = process.env.SHOPIFY_API_SECRET!;

type Handler = (args: LoaderFunctionArgs) => Promise<unknown>;

async function installedShop(customers: number): Promise<SeededShop> {
  const domain = uniqueShopDomain("ui");
  await sessionStorage.storeSession(setUpValidSession({ shop: domain, expires: undefined, scope: process.env.SCOPES }));
  return seedAnalysedShop(domain, customers, appNow());
}

async function call<T>(
  handler: Handler,
  shop: string,
  path: string,
  params: Record<string, string> = {},
  form?: Record<string, string>,
): Promise<T> {
  const init: RequestInit = form ? { method: "POST", body: new URLSearchParams(form) } : {};
  const request = await setUpValidRequest(
    { type: RequestType.Bearer, store: shop.replace(".myshopify.com", ""), apiKey, apiSecretKey },
    new Request(`${process.env.SHOPIFY_APP_URL}${path}`, init),
  );
  try {
    return (await handler({ request, params, context: {} })) as T;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown as T;
    throw thrown;
  }
}

const statusOf = (value: unknown) => (value instanceof Response ? value.status : 200);

afterAll(() => queues().close());

describe("admin loaders with an empty shop", () => {
  it("overview shows onboarding, no results, and zero counts", async () => {
    const shop = await installedShop(0);
    const data = await call<Awaited<ReturnType<typeof overviewLoader>>>(overviewLoader, shop.domain, "/app");
    expect(data.hasResults).toBe(false);
    expect(data.customerCount).toBe(0);
    expect(data.rfmGrid).toEqual([]);
    const segments = await call<Awaited<ReturnType<typeof segmentsLoader>>>(
      segmentsLoader,
      shop.domain,
      "/app/segments",
    );
    expect(segments.segments.every((s) => s.size === 0)).toBe(true);
    const cohorts = await call<Awaited<ReturnType<typeof cohortsLoader>>>(cohortsLoader, shop.domain, "/app/cohorts");
    expect(cohorts.cohorts).toEqual([]);
  });
});

describe("admin loaders with 100 customers", () => {
  let shop: SeededShop;
  let other: SeededShop;
  beforeAll(async () => {
    [shop, other] = await Promise.all([installedShop(100), installedShop(30)]);
  });

  it("overview aggregates every scored customer into the RFM grid and the CLV histogram", async () => {
    const data = await call<Awaited<ReturnType<typeof overviewLoader>>>(overviewLoader, shop.domain, "/app");
    expect(data.hasResults).toBe(true);
    expect(data.scored).toBe(100);
    expect(data.rfmGrid.reduce((sum, cell) => sum + cell.customers, 0)).toBe(100);
    expect(data.clvDistribution.reduce((sum, bucket) => sum + bucket.customers, 0)).toBe(100);
    const revenue = await db.customerScore.aggregate({ where: { shopId: shop.shopId }, _sum: { totalSpent: true } });
    expect(data.revenue).toBeCloseTo(Number(revenue._sum.totalSpent), 2);
    expect(data.runs.COMPUTE?.status).toBe("SUCCEEDED");
    const champions = data.segments.find((s) => s.key === "rfm-champions")!;
    expect(champions.size).toBe(
      await db.membership.count({ where: { shopId: shop.shopId, segmentKey: "rfm-champions" } }),
    );
    // The week-old snapshot was seeded at 90 %.
    expect(champions.sizeWeekAgo).toBe(Math.floor(champions.size * 0.9));
    expect(data.sizeHistory["rfm-champions"]).toHaveLength(2);

    // The seed stores the compute's prediction check; 100 customers are too few to trust predictions.
    const stored = await db.predictionCheck.findFirstOrThrow({
      where: { shopId: shop.shopId },
      orderBy: { id: "desc" },
    });
    const recount = await recountWindow(shop.shopId, stored.asOf, 90);
    const quality = data.predictions!;
    expect(quality.sufficient).toBe(false);
    expect(quality.missing).toContain(
      `Only ${recount.repeatCustomers} customers of ${recount.calibration} had ordered more than once by ${recount.cutoffDay}; predictions need at least 100 repeat customers.`,
    );
    expect(quality.startsOn).toBeNull();
    expect(quality.startSentence).toBe(
      "Predictions start as soon as a nightly compute finds these conditions met; it checks every night.",
    );
    expect(quality.actualOrders).toBe(recount.repeatPurchases);
    expect(quality.outcomeSentence).toBe(
      `Last quarter we expected ${quality.expectedOrders!.toLocaleString("en-US")} orders from existing customers; they placed ${recount.repeatPurchases.toLocaleString("en-US")}.`,
    );

    // Lifecycle segments are not held back; "Churned" states its cut-off.
    const churned = await call<Awaited<ReturnType<typeof segmentLoader>>>(
      segmentLoader,
      shop.domain,
      "/app/segments/lifecycle-churned",
      { key: "lifecycle-churned" },
    );
    expect(churned.prediction.withheld).toBe(false);
    expect(churned.prediction.cutoffSentence).toMatch(
      /^“Churned” uses the fixed default cut-off \(P\(alive\) under 0\.20 or \d+\+ days without an order\): not enough data yet to measure one\.$/,
    );
  });

  it("segments list carries tags, sizes and toggles enabled", async () => {
    const data = await call<Awaited<ReturnType<typeof segmentsLoader>>>(segmentsLoader, shop.domain, "/app/segments");
    expect(data.scored).toBe(100);
    expect(data.segments.find((s) => s.key === "rfm-lost")?.tag).toBe("seg:rfm-lost");
    await call(segmentsAction, shop.domain, "/app/segments", {}, { key: "rfm-lost", enabled: "false" });
    expect(
      (await db.segment.findUniqueOrThrow({ where: { shopId_key: { shopId: shop.shopId, key: "rfm-lost" } } })).enabled,
    ).toBe(false);
    // The same key in another shop is untouched.
    expect(
      (await db.segment.findUniqueOrThrow({ where: { shopId_key: { shopId: other.shopId, key: "rfm-lost" } } }))
        .enabled,
    ).toBe(true);
    expect(
      statusOf(
        await call(segmentsAction, shop.domain, "/app/segments", {}, { key: "no-such-segment", enabled: "true" }),
      ),
    ).toBe(404);
  });

  it("switches a segment's Flow triggers on (from the newest move) and off, in its own shop only", async () => {
    const key = "rfm-champions";
    const path = `/app/segments/${key}`;
    const where = (shopId: number) => ({ shopId_key: { shopId, key } });
    const newest = await db.membershipEvent.aggregate({ where: { shopId: shop.shopId }, _max: { id: true } });
    expect(
      (await call<{ segment: { flowTriggers: boolean } }>(segmentLoader, shop.domain, path, { key })).segment
        .flowTriggers,
    ).toBe(false);
    await call(segmentAction, shop.domain, path, { key }, { intent: "flow", on: "true" });
    const on = await db.segment.findUniqueOrThrow({ where: where(shop.shopId) });
    expect(on.flowTriggersAfterEventId).toBe(newest._max.id ?? 0n);
    expect(
      (await call<{ segment: { flowTriggers: boolean } }>(segmentLoader, shop.domain, path, { key })).segment
        .flowTriggers,
    ).toBe(true);
    expect((await db.segment.findUniqueOrThrow({ where: where(other.shopId) })).flowTriggersAfterEventId).toBeNull();
    await call(segmentAction, shop.domain, path, { key }, { intent: "flow", on: "false" });
    expect((await db.segment.findUniqueOrThrow({ where: where(shop.shopId) })).flowTriggersAfterEventId).toBeNull();
    expect(
      statusOf(
        await call(segmentAction, shop.domain, "/app/segments/nope", { key: "nope" }, { intent: "flow", on: "true" }),
      ),
    ).toBe(404);
  });

  it("pages through a segment's members by CLV with stable cursors, both ways", async () => {
    const key = "lifecycle-active";
    const expected = await db.membership.count({ where: { shopId: shop.shopId, segmentKey: key } });
    const seen: { id: string; clv: number }[] = [];
    const pages: string[] = [];
    let after: string | null = null;
    do {
      const query: string = `?sort=clv&direction=desc&pageSize=10${after ? `&after=${after}` : ""}`;
      pages.push(query);
      const data = await call<Awaited<ReturnType<typeof segmentLoader>>>(
        segmentLoader,
        shop.domain,
        `/app/segments/${key}${query}`,
        { key },
      );
      seen.push(...data.members.members.map((m) => ({ id: m.id, clv: m.clv ?? -1 })));
      after = data.members.next;
      if (after === null) expect(data.members.members.length).toBeLessThanOrEqual(10);
    } while (after);
    expect(seen).toHaveLength(expected);
    expect(new Set(seen.map((m) => m.id)).size).toBe(expected);
    for (let i = 1; i < seen.length; i++) expect(seen[i - 1].clv).toBeGreaterThanOrEqual(seen[i].clv);

    // Back from page 2 lands on page 1.
    const first = await call<Awaited<ReturnType<typeof segmentLoader>>>(
      segmentLoader,
      shop.domain,
      `/app/segments/${key}?pageSize=10`,
      { key },
    );
    const second = await call<Awaited<ReturnType<typeof segmentLoader>>>(
      segmentLoader,
      shop.domain,
      `/app/segments/${key}?pageSize=10&after=${first.members.next}`,
      { key },
    );
    const back = await call<Awaited<ReturnType<typeof segmentLoader>>>(
      segmentLoader,
      shop.domain,
      `/app/segments/${key}?pageSize=10&before=${second.members.previous}`,
      { key },
    );
    expect(back.members.members.map((m) => m.id)).toEqual(first.members.members.map((m) => m.id));
    expect(back.members.previous).toBeNull();
  });

  it("shows movement of the newest run by source and destination segment", async () => {
    const key = "rfm-champions";
    const data = await call<Awaited<ReturnType<typeof segmentLoader>>>(
      segmentLoader,
      shop.domain,
      `/app/segments/${key}`,
      { key },
    );
    const entered = await db.membershipEvent.count({
      where: { shopId: shop.shopId, runId: shop.computeRunId, segmentKey: key, entered: true },
    });
    expect(entered).toBeGreaterThan(0);
    expect(data.movement.entered).toBe(entered);
    expect(data.movement.cameFrom.reduce((sum, f) => sum + f.count, 0)).toBe(entered);
    expect(data.movement.cameFrom[0].key).toBe("rfm-loyal");
  });

  it("exports all members of a segment as CSV", async () => {
    const key = "lifecycle-new";
    const response = await call<Response>(exportLoader, shop.domain, `/app/export/${key}`, { segment: key });
    expect(response.headers.get("Content-Type")).toContain("text/csv");
    const lines = (await response.text()).trim().split("\r\n");
    expect(lines[0]).toMatch(/^shopify_customer_id,email,/);
    expect(lines).toHaveLength(1 + (await db.membership.count({ where: { shopId: shop.shopId, segmentKey: key } })));
  });

  it("shows a customer with scores, memberships and order summary", async () => {
    const id = shop.firstCustomerId.toString();
    const data = await call<Awaited<ReturnType<typeof customerLoader>>>(
      customerLoader,
      shop.domain,
      `/app/customers/${id}`,
      { id },
    );
    expect(data.customer.email).toBe("customer1@example.com");
    expect(data.memberships).toHaveLength(2);
    expect(data.orders.count).toBe(2);
    expect(data.orders.recent).toHaveLength(2);
    expect(data.score?.explanation).toContain("Ordered 2 times");
  });

  it("answers 404, never data, for another shop's ids and for unknown keys", async () => {
    const foreign = other.firstCustomerId.toString();
    expect(statusOf(await call(customerLoader, shop.domain, `/app/customers/${foreign}`, { id: foreign }))).toBe(404);
    expect(statusOf(await call(customerLoader, shop.domain, "/app/customers/abc", { id: "abc" }))).toBe(404);
    expect(statusOf(await call(segmentLoader, shop.domain, "/app/segments/nope", { key: "nope" }))).toBe(404);
    expect(statusOf(await call(exportLoader, shop.domain, "/app/export/nope", { segment: "nope" }))).toBe(404);
    await db.segment.create({
      data: {
        shopId: other.shopId,
        key: "rule-theirs",
        kind: "RULE",
        name: "Theirs",
        definition: { rule: { all: [{ field: "clv", op: ">", value: 1 }] } },
      },
    });
    expect(statusOf(await call(ruleLoader, shop.domain, "/app/rules/rule-theirs", { key: "rule-theirs" }))).toBe(404);
    expect(statusOf(await call(segmentLoader, shop.domain, "/app/segments/rule-theirs", { key: "rule-theirs" }))).toBe(
      404,
    );
  });

  it("cohorts count each customer once in its acquisition month", async () => {
    const data = await call<Awaited<ReturnType<typeof cohortsLoader>>>(cohortsLoader, shop.domain, "/app/cohorts");
    const today = appNow();
    const since = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 11, 1));
    const acquired = await db.customerScore.count({ where: { shopId: shop.shopId, firstOrderAt: { gte: since } } });
    expect(data.cohorts.reduce((sum, c) => sum + c.customers, 0)).toBe(acquired);
    for (const cohort of data.cohorts) expect(cohort.retained[0]).toBe(cohort.customers);
  });

  it("cohorts without a stored table: the same table from the orders, within a time budget", async () => {
    const own = await installedShop(100);
    const stored = await call<Awaited<ReturnType<typeof cohortsLoader>>>(cohortsLoader, own.domain, "/app/cohorts");
    expect(stored.cohorts.length).toBeGreaterThan(3);
    await db.shopModel.delete({ where: { shopId: own.shopId } });
    const fromOrders = await call<Awaited<ReturnType<typeof cohortsLoader>>>(cohortsLoader, own.domain, "/app/cohorts");
    expect(fromOrders.cohorts).toEqual(stored.cohorts);
    // PostgreSQL cancels a fallback that runs over its budget; the page then shows no table.
    expect(await withinBudget(50, (tx) => tx.$queryRaw`SELECT pg_sleep(2)`)).toBeNull();
    expect(await withinBudget(5_000, (tx) => tx.$queryRaw<{ one: number }[]>`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
  });

  it("validates and saves settings", async () => {
    const valid = {
      intent: "save",
      tagPrefix: "vip:",
      controlTagPrefix: "hold:",
      pushTags: "true",
      pushNativeSegments: "false",
      pushMetafields: "true",
      recomputeHour: "5",
      timezone: "Europe/Paris",
      controlSharePercent: "10",
      kMin: "3",
      kMax: "6",
      clvHorizonMonths: "24",
      monthlyDiscountPercent: "1.5",
      predictionHorizonDays: "120",
      minSegmentPercent: "2",
      minSegmentCustomers: "40",
      pushSmallSegments: "true",
      sizeShiftPercent: "30",
    };
    const bad = await call<{ ok: boolean; errors: Record<string, string> }>(
      settingsAction,
      shop.domain,
      "/app/settings",
      {},
      {
        ...valid,
        kMin: "7",
        timezone: "Mars/Olympus",
        controlTagPrefix: "vip:x",
        predictionHorizonDays: "7",
        minSegmentCustomers: "-1",
      },
    );
    expect(bad.ok).toBe(false);
    expect(Object.keys(bad.errors).sort()).toEqual([
      "controlTagPrefix",
      "kMax",
      "minSegmentCustomers",
      "predictionHorizonDays",
      "timezone",
    ]);
    expect(shopSettings((await db.shop.findUniqueOrThrow({ where: { id: shop.shopId } })).settings).tagPrefix).toBe(
      "seg:",
    );

    const good = await call<{ ok: boolean }>(settingsAction, shop.domain, "/app/settings", {}, valid);
    expect(good.ok).toBe(true);
    const stored = shopSettings((await db.shop.findUniqueOrThrow({ where: { id: shop.shopId } })).settings);
    expect(stored).toMatchObject({
      tagPrefix: "vip:",
      pushNativeSegments: false,
      recomputeHour: 5,
      controlShare: 0.1,
      kMin: 3,
      kMax: 6,
      monthlyDiscountRate: 0.015,
      predictionHorizonDays: 120,
      minSegmentShare: 0.02,
      minSegmentCustomers: 40,
      pushSmallSegments: true,
      sizeShiftShare: 0.3,
    });
    const schedule = await queues().get("compute").getJobScheduler(`compute-daily-${shop.shopId}`);
    expect({ pattern: schedule?.pattern, tz: schedule?.tz }).toEqual({ pattern: "0 5 * * *", tz: "Europe/Paris" });
  });

  it("previews a rule's count from the scores and saves it as a rule segment", async () => {
    const rule = {
      all: [
        { field: "clv", op: ">", value: 500 },
        { field: "tag", op: "hasNot", value: "vip" },
      ],
    };
    const preview = await call<{ preview: { matches: number; scored: number }; description: string }>(
      ruleAction,
      shop.domain,
      "/app/rules/new",
      { key: "new" },
      {
        intent: "preview",
        rule: JSON.stringify(rule),
      },
    );
    const expected = await db.customerScore.count({
      where: { shopId: shop.shopId, clv: { gt: 500 }, customer: { NOT: { tags: { has: "VIP" } } } },
    });
    expect(expected).toBeGreaterThan(0);
    expect(preview.preview).toEqual({ matches: expected, scored: 100 });
    expect(preview.description).toBe("predicted lifetime value over 500 and not tagged vip");

    const invalid = await call<{ errors: string[] }>(
      ruleAction,
      shop.domain,
      "/app/rules/new",
      { key: "new" },
      {
        intent: "save",
        name: "",
        rule: JSON.stringify({ all: [{ field: "clv", op: ">", value: null }] }),
      },
    );
    expect(invalid.errors).toEqual(
      expect.arrayContaining(["Give the segment a name", expect.stringMatching(/value must be a number/)]),
    );

    const saved = await call<Response>(
      ruleAction,
      shop.domain,
      "/app/rules/new",
      { key: "new" },
      { intent: "save", name: "Big spenders", rule: JSON.stringify(rule) },
    );
    expect(saved.status).toBe(302);
    expect(saved.headers.get("Location")).toBe("/app/segments/rule-big-spenders?saved=1");
    const segment = await db.segment.findUniqueOrThrow({
      where: { shopId_key: { shopId: shop.shopId, key: "rule-big-spenders" } },
    });
    expect(segment).toMatchObject({ kind: "RULE", name: "Big spenders", definition: { rule } });
    const edit = await call<{ key: string; rule: unknown }>(ruleLoader, shop.domain, "/app/rules/rule-big-spenders", {
      key: "rule-big-spenders",
    });
    expect(edit.rule).toEqual(rule);
  });
});

describe("rule segments: errors and deletion", () => {
  let shop: SeededShop;
  const broken = { all: [{ field: "nope", op: ">", value: 1 }] };
  const valid = { all: [{ field: "clv", op: ">", value: 0 }] };
  beforeAll(async () => {
    shop = await installedShop(40);
    await db.segment.createMany({
      data: [
        { shopId: shop.shopId, key: "rule-broken", kind: "RULE", name: "Broken", definition: { rule: broken } },
        { shopId: shop.shopId, key: "rule-doomed", kind: "RULE", name: "Doomed", definition: { rule: valid } },
        {
          shopId: shop.shopId,
          key: "rule-uses-doomed",
          kind: "RULE",
          name: "Uses doomed",
          definition: { rule: { all: [{ field: "segment", op: "in", value: "rule-doomed" }] } },
        },
      ],
    });
    // The real compute, which records the broken rule's error on its definition.
    const run = await db.run.create({ data: { shopId: shop.shopId, kind: "COMPUTE", status: "RUNNING" } });
    await computeShop(db, shop.shopId, run.id);
  });

  it("shows the error the compute recorded on the rule page and the segment page", async () => {
    const rule = await call<{ error: string | null }>(ruleLoader, shop.domain, "/app/rules/rule-broken", {
      key: "rule-broken",
    });
    expect(rule.error).toMatch(/unknown field "nope"/);
    const page = await call<{ segment: { ruleError: string | null } }>(
      segmentLoader,
      shop.domain,
      "/app/segments/rule-broken",
      { key: "rule-broken" },
    );
    expect(page.segment.ruleError).toMatch(/unknown field "nope"/);
    const fine = await call<{ segment: { ruleError: string | null } }>(
      segmentLoader,
      shop.domain,
      "/app/segments/rule-doomed",
      { key: "rule-doomed" },
    );
    expect(fine.segment.ruleError).toBeNull();
    expect(
      (await call<{ error: string | null }>(ruleLoader, shop.domain, "/app/rules/rule-doomed", { key: "rule-doomed" }))
        .error,
    ).toBeNull();
  });

  it("deletes a rule segment only when confirmed and not used by another rule; the push cleans Shopify up", async () => {
    const key = { key: "rule-doomed" };
    expect(await db.membership.count({ where: { shopId: shop.shopId, segmentKey: "rule-doomed" } })).toBeGreaterThan(0);
    await db.pushedSegment.create({
      data: {
        shopId: shop.shopId,
        segmentKey: "rule-doomed",
        shopifyId: "gid://shopify/Segment/1",
        name: "Segments · Doomed",
        query: "q",
      },
    });

    const unconfirmed = await call<{ errors: string[] }>(ruleAction, shop.domain, "/app/rules/rule-doomed", key, {
      intent: "delete",
    });
    expect(unconfirmed.errors).toEqual(["Confirm the deletion first"]);
    const used = await call<{ errors: string[] }>(ruleAction, shop.domain, "/app/rules/rule-doomed", key, {
      intent: "delete",
      confirm: "rule-doomed",
    });
    expect(used.errors).toEqual(["“Uses doomed” selects members of this segment: change or delete that rule first"]);
    expect(await db.segment.count({ where: { shopId: shop.shopId, key: "rule-doomed" } })).toBe(1);

    await db.segment.delete({ where: { shopId_key: { shopId: shop.shopId, key: "rule-uses-doomed" } } });
    const deleted = await call<Response>(ruleAction, shop.domain, "/app/rules/rule-doomed", key, {
      intent: "delete",
      confirm: "rule-doomed",
    });
    expect(deleted.status).toBe(302);
    expect(deleted.headers.get("Location")).toBe("/app/segments?deleted=Doomed");
    expect(await db.segment.count({ where: { shopId: shop.shopId, key: "rule-doomed" } })).toBe(0);
    expect(await db.membership.count({ where: { shopId: shop.shopId, segmentKey: "rule-doomed" } })).toBe(0);
    expect(await db.segmentSnapshot.count({ where: { shopId: shop.shopId, segmentKey: "rule-doomed" } })).toBe(0);
    // What Shopify carries stays recorded, so the next push deletes it there; one is queued.
    expect(await db.pushedSegment.count({ where: { shopId: shop.shopId, segmentKey: "rule-doomed" } })).toBe(1);
    expect(await collapsedJob(queues(), "push", pushJobKey(shop.shopId))).toBeTruthy();
    expect(statusOf(await call(segmentLoader, shop.domain, "/app/segments/rule-doomed", key))).toBe(404);
    const list = await call<{ deleted: string | null }>(segmentsLoader, shop.domain, "/app/segments?deleted=Doomed");
    expect(list.deleted).toBe("Doomed");
  });

  it("refuses to delete engine segments and other shops' rules", async () => {
    expect(
      statusOf(
        await call(
          ruleAction,
          shop.domain,
          "/app/rules/rfm-champions",
          { key: "rfm-champions" },
          { intent: "delete", confirm: "rfm-champions" },
        ),
      ),
    ).toBe(404);
    const other = await installedShop(0);
    await db.segment.create({
      data: { shopId: other.shopId, key: "rule-mine", kind: "RULE", name: "Mine", definition: { rule: valid } },
    });
    expect(
      statusOf(
        await call(
          ruleAction,
          shop.domain,
          "/app/rules/rule-mine",
          { key: "rule-mine" },
          { intent: "delete", confirm: "rule-mine" },
        ),
      ),
    ).toBe(404);
    expect(await db.segment.count({ where: { shopId: other.shopId, key: "rule-mine" } })).toBe(1);
    expect(await db.segment.count({ where: { shopId: shop.shopId, key: "rfm-champions" } })).toBe(1);
  });
});
