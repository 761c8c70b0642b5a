import type { Job } from "bullmq";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import db from "~/db.server";
import { requireShop } from "~/admin/admin-shop.server";
import { setSegmentFlowTriggers } from "~/admin/segments.server";
import { replaceMemberships } from "~/compute/persist.server";
import { pushProcessor } from "~/jobs/push.server";
import { pushShop } from "~/push/push-shop.server";
import { FLOW_TRIGGERS } from "~/push/flow-triggers.server";
import { queues, type JobData } from "~/queues.server";
import { unauthenticated } from "~/shopify.server";
import { AdminClient, type GraphqlFn } from "~/shopify/admin-client.server";
import type { SegmentKind } from "~/generated/prisma/client";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { installAndBackfill, pushAdmin } from "./fixtures";

// Flow triggers from recorded membership events, through the emulator's flowTriggerReceive (which
// checks every payload against the extensions' declared fields): the right payloads for entries,
// exits and churn-risk changes; nothing for disabled segments, segments with Flow off, or
// control-group holdouts; never twice, whatever dies when.

let env: EmulatedApp;
let shopId: number;
let customers: { id: bigint; shopifyId: bigint }[];
let run = 0;

const SEGMENTS: { key: string; name: string; kind: SegmentKind; enabled?: boolean }[] = [
  { key: "rfm-champions", name: "Champions", kind: "RFM" },
  { key: "churn-risk-low", name: "Low churn risk", kind: "PREDICTIVE" },
  { key: "churn-risk-high", name: "High churn risk", kind: "PREDICTIVE" },
  { key: "lifecycle-new", name: "New", kind: "LIFECYCLE", enabled: false },
];

const shopContext = async () => {
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
  return requireShop(shop.domain);
};

/** A compute run's memberships: `members[key]` = customer positions; `control` positions are holdouts. */
async function computeRun(members: Record<string, number[]>, control: Record<string, number[]> = {}, at?: Date) {
  const row = await db.run.create({ data: { shopId, kind: "COMPUTE", trigger: "test", status: "SUCCEEDED" } });
  const desired = { customerId: [] as string[], segmentKey: [] as string[], control: [] as boolean[] };
  for (const [key, positions] of Object.entries(members))
    for (const p of positions) {
      desired.customerId.push(customers[p].id.toString());
      desired.segmentKey.push(key);
      desired.control.push(control[key]?.includes(p) ?? false);
    }
  run++;
  await replaceMemberships(db, shopId, row.id, at ?? new Date(Date.UTC(2026, 9, run)), desired);
}

const received = () => env.emu.shop(env.shop).flowTriggersReceived;
const byHandle = (handle: string, from = 0) =>
  received()
    .slice(from)
    .filter((r) => r.handle === handle);
const shopifyId = (position: number) => Number(customers[position].shopifyId);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 120, plan: "plus" });
  shopId = await installAndBackfill(env);
  // Flow only: the other steps have their own tests.
  await db.shop.update({
    where: { id: shopId },
    data: { settings: { pushTags: false, pushNativeSegments: false, pushMetafields: false } },
  });
  customers = await db.customer.findMany({
    where: { shopId, deletedAt: null },
    select: { id: true, shopifyId: true },
    orderBy: { id: "asc" },
    take: 60,
  });
  for (const s of SEGMENTS)
    await db.segment.create({ data: { shopId, key: s.key, name: s.name, kind: s.kind, enabled: s.enabled ?? true } });
  await db.customerScore.createMany({
    data: customers.map((c, i) => ({
      shopId,
      customerId: c.id,
      orderCount: 2,
      totalSpent: "100.00",
      r: 3,
      f: 3,
      m: 3,
      rfmSegment: "rfm-champions",
      explanation: "",
      pAlive: 0.2 + i / 1000,
      churnRisk: 0.8,
      clv: 150.5 + i,
      nextOrderAt: i % 2 === 0 ? new Date(Date.UTC(2026, 11, 20, 12)) : null,
    })),
  });
});
afterAll(async () => {
  await env?.close();
  await queues().close();
});

beforeEach(async () => {
  // Each test starts from nobody anywhere, with Flow triggers switched on afresh.
  await computeRun({});
  await db.flowTriggerSend.deleteMany({ where: { shopId } });
  await db.segment.updateMany({ where: { shopId }, data: { flowTriggersAfterEventId: null } });
  const shop = await shopContext();
  for (const key of ["rfm-champions", "churn-risk-high", "lifecycle-new"])
    await setSegmentFlowTriggers(shop, key, true);
});

describe("Flow triggers", () => {
  it("sends entered, left and churn-risk-changed with the declared payloads, once", async () => {
    const start = received().length;
    // Run 1: 0–9 Champions (3 held out), 0–4 low and 5–9 high churn risk, 20–24 New (disabled segment).
    const at1 = new Date("2026-10-10T03:00:00.000Z");
    await computeRun(
      {
        "rfm-champions": range(0, 10),
        "churn-risk-low": range(0, 5),
        "churn-risk-high": range(5, 10),
        "lifecycle-new": range(20, 25),
      },
      { "rfm-champions": [3] },
      at1,
    );
    const first = await pushShop(db, await pushAdmin(env), shopId);
    expect(first.errors).toBe(0);
    const entered = byHandle(FLOW_TRIGGERS.entered, start);
    // 9 Champions (not the holdout) + 5 High churn risk; Low has Flow off, New is disabled.
    expect(entered).toHaveLength(14);
    expect(
      entered.find((r) => r.payload.customer_id === shopifyId(0) && r.payload["Segment key"] === "rfm-champions")!
        .payload,
    ).toEqual({
      customer_id: shopifyId(0),
      "Segment key": "rfm-champions",
      "Segment name": "Champions",
      "Segment kind": "rfm",
      Since: at1.toISOString(),
    });
    expect(
      entered.some((r) => r.payload.customer_id === shopifyId(3) && r.payload["Segment key"] === "rfm-champions"),
    ).toBe(false);
    expect(entered.some((r) => r.payload["Segment key"] === "lifecycle-new")).toBe(false);
    // A first churn-risk level is no change.
    expect(byHandle(FLOW_TRIGGERS.churnRiskChanged, start)).toHaveLength(0);
    expect(first.flowTriggersSent).toBe(14);

    // Run 2: 0–4 go low → high, 5 goes high → low, 9 leaves Champions, 3 (holdout) leaves Champions.
    const mid = received().length;
    const at2 = new Date("2026-10-11T03:00:00.000Z");
    await computeRun(
      {
        "rfm-champions": [0, 1, 2, 4, 5, 6, 7, 8],
        "churn-risk-low": [5],
        "churn-risk-high": [0, 1, 2, 3, 4, 6, 7, 8, 9],
        "lifecycle-new": range(20, 25),
      },
      {},
      at2,
    );
    const second = await pushShop(db, await pushAdmin(env), shopId);
    expect(second.errors).toBe(0);
    const left = byHandle(FLOW_TRIGGERS.left, mid);
    // 9 left Champions, 5 left High churn risk; the holdout 3 left silently.
    expect(left.map((r) => [r.payload.customer_id, r.payload["Segment key"]]).sort()).toEqual(
      [
        [shopifyId(5), "churn-risk-high"],
        [shopifyId(9), "rfm-champions"],
      ].sort(),
    );
    expect(left.find((r) => r.payload.customer_id === shopifyId(9))!.payload).toEqual({
      customer_id: shopifyId(9),
      "Segment key": "rfm-champions",
      "Segment name": "Champions",
      "Segment kind": "rfm",
      Since: at1.toISOString(),
      "Left at": at2.toISOString(),
    });
    const changed = byHandle(FLOW_TRIGGERS.churnRiskChanged, mid);
    // Into High only (Low has Flow off): 0–4.
    expect(changed.map((r) => r.payload.customer_id).sort()).toEqual(range(0, 5).map(shopifyId).sort());
    expect(changed.find((r) => r.payload.customer_id === shopifyId(0))!.payload).toEqual({
      customer_id: shopifyId(0),
      "Previous level": "low",
      "New level": "high",
      "Probability active": 0.2,
      "Predicted CLV": 150.5,
      "Expected next order": "2026-12-20",
    });
    expect(changed.find((r) => r.payload.customer_id === shopifyId(1))!.payload["Expected next order"]).toBe("");
    expect(
      byHandle(FLOW_TRIGGERS.entered, mid)
        .map((r) => r.payload.customer_id)
        .sort(),
    ).toEqual(range(0, 5).map(shopifyId).sort());

    // Nothing new: nothing sent.
    const after = received().length;
    const third = await pushShop(db, await pushAdmin(env), shopId);
    expect(received().length).toBe(after);
    expect(third.flowTriggersSent).toBe(0);
  });

  it("fires nothing for moves from before the switch-on, and nothing once it is off", async () => {
    await db.segment.updateMany({ where: { shopId }, data: { flowTriggersAfterEventId: null } });
    await computeRun({ "rfm-champions": range(0, 10) });
    await setSegmentFlowTriggers(await shopContext(), "rfm-champions", true);
    const start = received().length;
    await pushShop(db, await pushAdmin(env), shopId);
    expect(received().length).toBe(start);
    await setSegmentFlowTriggers(await shopContext(), "rfm-champions", false);
    await computeRun({ "rfm-champions": range(10, 20) });
    await pushShop(db, await pushAdmin(env), shopId);
    expect(received().length).toBe(start);
  });

  it("never sends twice when the push dies after Flow accepted a batch, or while it was sending", async () => {
    await computeRun({ "rfm-champions": range(0, 60) });
    const start = received().length;
    // The first batch reaches Flow, then the worker fails before recording it.
    const { admin } = await unauthenticated.admin(env.shop);
    let flowCalls = 0;
    const graphql: GraphqlFn = async (query, options) => {
      const response = await admin.graphql(query, options);
      if (query.includes("FlowTriggersReceive") && ++flowCalls === 1) throw new Error("worker killed");
      return response;
    };
    const crashed = await pushShop(db, new AdminClient(graphql), shopId);
    expect(crashed.flowTriggersLost).toBe(25);
    expect(byHandle(FLOW_TRIGGERS.entered, start)).toHaveLength(25);

    // The retried job sends the other 35 and none of the 25 again.
    const job = { id: "flow-retry", data: { shopId, trigger: "test" }, attemptsMade: 1, opts: { attempts: 6 } };
    const adminForShop = () => pushAdmin(env);
    await pushProcessor({ db, queues: queues(), adminForShop })(job as unknown as Job<JobData["push"]>);
    const sent = byHandle(FLOW_TRIGGERS.entered, start).map((r) => r.payload.customer_id);
    expect(sent).toHaveLength(60);
    expect(new Set(sent).size).toBe(60);

    // A worker killed mid-send leaves its claims SENDING: the next push never sends them.
    await computeRun({ "rfm-champions": range(0, 5) });
    await computeRun({ "rfm-champions": range(0, 10) });
    const events = await db.membershipEvent.findMany({
      where: { shopId, segmentKey: "rfm-champions", entered: true },
      orderBy: { id: "desc" },
      take: 5,
    });
    await db.flowTriggerSend.createMany({
      data: events.map((e) => ({
        shopId,
        eventId: e.id,
        trigger: FLOW_TRIGGERS.entered,
        customerId: e.customerId,
        state: "SENDING" as const,
        attempts: 1,
      })),
    });
    const before = received().length;
    const next = await pushShop(db, await pushAdmin(env), shopId);
    expect(next.flowTriggersLost).toBe(5);
    expect(received().length - before).toBe(55); // the 55 exits of the first move, not the 5 claimed entries
    expect(await db.flowTriggerSend.count({ where: { shopId, state: "LOST" } })).toBe(30);
  });

  it("surfaces Flow's rejection as push errors and keeps the events to send again", async () => {
    await computeRun({ "rfm-champions": range(0, 3) });
    // Customer 1 was deleted in Shopify since: Flow refuses the reference.
    env.emu.shop(env.shop).deleteCustomer(shopifyId(1));
    const start = received().length;
    const counts = await pushShop(db, await pushAdmin(env), shopId);
    expect(counts.errors).toBe(1);
    expect(counts.flowTriggersRejected).toBe(1);
    expect(counts.errorSamples[0]).toMatch(/payload\.customer_id: Customer \d+ does not exist/);
    expect(byHandle(FLOW_TRIGGERS.entered, start)).toHaveLength(2);
    const rejected = await db.flowTriggerSend.findFirstOrThrow({ where: { shopId, state: "REJECTED" } });
    expect(rejected.customerId).toBe(customers[1].id);
    // Sent again by the next pushes, up to three attempts in all, then left recorded as rejected.
    await pushShop(db, await pushAdmin(env), shopId);
    await pushShop(db, await pushAdmin(env), shopId);
    const last = await pushShop(db, await pushAdmin(env), shopId);
    expect(last.flowTriggersRejected).toBe(0);
    expect((await db.flowTriggerSend.findFirstOrThrow({ where: { shopId, state: "REJECTED" } })).attempts).toBe(3);
  });
});
