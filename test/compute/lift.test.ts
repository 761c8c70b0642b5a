import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { appNow } from "~/clock.server";
import { queues } from "~/queues.server";
import { computeShop } from "~/compute/compute-shop.server";
import type { Interval, WindowLift } from "~/segmentation/lift";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { waitFor } from "../helpers/shops";
import { orderCurrentTotalCents, treatmentOrders, type PlannedOrder } from "../shopify-emulator/generator";

// Issue 16 end to end: an emulated shop is back-filled and computed with a control group; then
// the members of one segment order twice as often as its control group after entry (orders
// created in the emulated Shopify, arriving by webhook), and a compute 95 days later must measure
// that lift from what it stored. The treatment needs the memberships, so it is planned after
// the first compute; the clock is explicit (asOf), never today's.

const DAY = 86_400_000;
const LIFT = 1;

let env: EmulatedApp;
let shopId: number;

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 1_000, plan: "advanced" });
  // No compute or score workers: the test computes itself, at the instants it chooses.
  env.startWorkers({}, ["sync", "ingest"]);
  await env.install();
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: env.shop } })).id;
  await waitFor(() => db.run.findFirst({ where: { shopId, kind: "SYNC", status: "SUCCEEDED" } }), {
    timeoutMs: 120_000,
    intervalMs: 250,
    what: "the back-fill",
  });
});

afterAll(async () => {
  await env?.close();
  await queues().close();
});

async function compute(asOf: Date) {
  const run = await db.run.create({ data: { shopId, kind: "COMPUTE", trigger: "test" } });
  const result = await computeShop(db, shopId, run.id, asOf);
  return { runId: run.id, result };
}

/**
 * Whether `x` lies in the 99.99 % interval that the stored 95 % one implies (normal on the log
 * ratio, where both are built). This test is one draw: who lands in the control group follows
 * the customers' database ids, which differ from run to run, so a 95 % interval would miss X in
 * about one run in twenty (six checks per run). Its 95 % coverage is measured over 1,000 seeds in
 * test/segmentation/lift.test.ts.
 */
function consistentWith(interval: Interval, x: number): boolean {
  const se = (Math.log1p(interval.high) - Math.log1p(interval.low)) / (2 * 1.959964);
  return Math.abs(Math.log1p(interval.estimate) - Math.log1p(x)) <= 3.890592 * se;
}

async function storedLift(runId: bigint, segmentKey: string) {
  const rows = await db.segmentLift.findMany({ where: { shopId, runId, segmentKey }, orderBy: { windowDays: "asc" } });
  return rows.map((row) => ({ ...row, window: row.result as unknown as WindowLift }));
}

describe("measured lift through the compute", { timeout: 300_000 }, () => {
  it("recovers an injected treatment effect on the emulated shop, counting customers from their entry", async () => {
    const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    await db.shop.update({
      where: { id: shopId },
      data: { settings: { ...(shop.settings as object), controlShare: 0.3 } },
    });
    const t0 = appNow();
    const first = await compute(t0);
    expect(first.result.written.lifts).toBeGreaterThan(0);

    // The segment to treat: the largest with a few hundred members.
    const sizes = await db.membership.groupBy({ by: ["segmentKey"], where: { shopId }, _count: true });
    const segmentKey = sizes
      .filter((s) => s._count <= 450)
      .sort((a, b) => b._count - a._count || a.segmentKey.localeCompare(b.segmentKey))[0].segmentKey;
    const members = await db.$queryRaw<{ shopifyId: bigint; control: boolean }[]>`
      SELECT c."shopifyId", m."control" FROM "Membership" m
      JOIN "Customer" c ON c."shopId" = m."shopId" AND c."id" = m."customerId"
      WHERE m."shopId" = ${shopId} AND m."segmentKey" = ${segmentKey}`;
    const controls = members.filter((m) => m.control).length;
    expect(controls).toBeGreaterThanOrEqual(60);

    // At entry no window has passed: nothing is claimed, and the card can say what is missing.
    const atEntry = await storedLift(first.runId, segmentKey);
    expect(atEntry.map((row) => row.windowDays)).toEqual([30, 60, 90]);
    for (const row of atEntry) {
      expect(row.sufficient).toBe(false);
      expect(row.treated + row.control).toBe(0);
      expect(row.window.sentence).toMatch(
        /^Not enough data yet for \d+ days: needs 30 more customers in the control group/,
      );
    }
    // The entry is stamped with the run's business clock and the arm.
    const entries = await db.membershipEvent.findMany({ where: { shopId, runId: first.runId, segmentKey } });
    expect(entries).toHaveLength(members.length);
    expect(entries.every((e) => e.entered && e.at.getTime() === t0.getTime() && e.control !== null)).toBe(true);

    const until = t0.getTime() + 95 * DAY;
    const planned = treatmentOrders({
      seed: "lift-e2e",
      customers: members.map((m) => ({ customerId: Number(m.shopifyId), treated: !m.control, from: t0.getTime() })),
      until,
      lift: LIFT,
      // Enough orders that even the 30-day window's revenue interval (the widest) excludes "no
      // effect" at about 3.4 standard errors, so in all but ~1 in 3,000 control draws; at 0.6
      // orders it was about 2.2, and a clean-clone CI drew a miss.
      ordersPer30Days: 1.5,
      productCount: env.emu.shop(env.shop).generator.products.length,
    });
    const store = env.emu.shop(env.shop);
    const created = planned.map((o: PlannedOrder) => ({ planned: o, order: store.createOrder(o) }));
    await waitFor(
      async () =>
        (await db.order.count({ where: { shopId, processedAt: { gt: t0 } } })) === created.length ? true : undefined,
      { timeoutMs: 240_000, intervalMs: 500, what: `${created.length} post-entry orders to arrive by webhook` },
    );

    const later = await compute(new Date(until));
    const lift = await storedLift(later.runId, segmentKey);
    expect(lift.map((row) => row.windowDays)).toEqual([30, 60, 90]);
    const treatedIds = new Set(members.filter((m) => !m.control).map((m) => Number(m.shopifyId)));
    for (const row of lift) {
      // Intention to treat: everyone who entered at t0 counts, whatever segment the later run put them in.
      expect(row.treated).toBe(members.length - controls);
      expect(row.control).toBe(controls);
      expect(row.sufficient).toBe(true);
      // The stored counts are exactly the orders placed in the window after entry.
      const end = t0.getTime() + row.windowDays * DAY;
      const inWindow = created.filter(
        ({ order }) =>
          order.processedAt > t0.getTime() && order.processedAt <= end && orderCurrentTotalCents(order) > 0,
      );
      const treatedOrders = inWindow.filter(({ order }) => treatedIds.has(order.customerId!));
      expect(row.window.treated.orders).toBe(treatedOrders.length);
      expect(row.window.control.orders).toBe(inWindow.length - treatedOrders.length);
      const cents = treatedOrders.reduce((sum, { order }) => sum + orderCurrentTotalCents(order), 0);
      expect(row.window.treated.revenue).toBeCloseTo(cents / 100, 6);
      // Members bought twice as often: the measured effect is X = 100 % within the interval's
      // precision, and no effect is excluded.
      const orders = row.window.lift.ordersPerCustomer!.relative!;
      const revenue = row.window.lift.revenuePerCustomer!.relative!;
      if (!(orders.low > 0 && row.revenueLow! > 0)) console.log(`${row.windowDays} days:`, row.window);
      expect(consistentWith(orders, LIFT)).toBe(true);
      expect(consistentWith(revenue, LIFT)).toBe(true);
      expect(orders.low).toBeGreaterThan(0);
      expect(row.revenueLow!).toBeGreaterThan(0);
      expect(row.window.sentence).toMatch(
        new RegExp(
          `^In the ${row.windowDays} days after joining, members spent \\d+ % more than the control group \\(95 % interval: \\d+ % more to \\d+ % more\\)\\.$`,
        ),
      );
    }
    console.log(
      `lift of ${segmentKey} (${members.length - controls} members, ${controls} control, X = ${LIFT}):`,
      lift.map((r) => r.window.sentence),
    );
  });
});
