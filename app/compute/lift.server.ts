import type { Db } from "~/db.server";
import { withPgConnection } from "~/db.server";
import { copyOut } from "~/db/copy-out.server";
import type { Prisma } from "~/generated/prisma/client";
import { liftOrdersFromColumns, measureLift, type WindowLift } from "~/segmentation/lift";
import type { TransactionColumns } from "~/segmentation/types";
import { isHeldOut } from "~/compute/persist.server";

// Each full compute measures every segment's lift against its control group and stores it per
// window (SegmentLift). The cohort is read in one single-table aggregate (each customer's first
// entry into each segment, with its arm): no join is left to the planner, so stale statistics
// cannot change the plan (issue 14). The orders are the ones the engine already loaded.

interface Cohort {
  customer: number[];
  entryAt: number[];
  control: number[];
}

/** Lifts of one run, as stored. */
export interface StoredLift {
  segmentKey: string;
  windows: WindowLift[];
}

/**
 * The lift of every current segment as of `asOf`, from each customer's first entry (recorded by
 * `replaceMemberships`) and their orders in `columns`. Segments that never held anyone out are
 * left out while the control share is 0 (nothing to compare); with a share, they report what is missing.
 */
export async function measureSegmentLifts(
  db: Db,
  shopId: number,
  asOf: Date,
  columns: TransactionColumns,
  controlShare: number,
): Promise<StoredLift[]> {
  if (!Number.isSafeInteger(shopId)) throw new RangeError(`invalid shop id ${shopId}`);
  // Most shops hold nobody out: without a control share and without any control entry ever,
  // every cohort below would be skipped, so the shop's whole entry history is not read for it.
  if (controlShare === 0) {
    const [held] = await db.$queryRaw<{ any: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM "MembershipEvent" WHERE "shopId" = ${shopId} AND "entered" AND "control") AS any`;
    if (!held?.any) return [];
  }
  const keys = new Set(
    (await db.segment.findMany({ where: { shopId }, select: { key: true } })).map((segment) => segment.key),
  );
  const indexOf = new Map(columns.customerIds.map((id, i) => [id, i]));
  const noOrders = columns.customerIds.length;
  const cohorts = new Map<string, Cohort>();
  await withPgConnection(db, (client) =>
    copyOut(
      client,
      // First entry per customer and segment; its arm (null on entries recorded before arms were).
      `SELECT "customerId", "segmentKey", (EXTRACT(EPOCH FROM min("at")) * 1000)::float8,
         (array_agg("control" ORDER BY "at", "id"))[1]
       FROM "MembershipEvent"
       WHERE "shopId" = ${shopId} AND "entered" AND "at" <= ${client.escapeLiteral(asOf.toISOString())}::timestamp
       GROUP BY "customerId", "segmentKey"`,
      (f) => {
        const key = f[1];
        if (!keys.has(key)) return;
        let cohort = cohorts.get(key);
        if (!cohort) cohorts.set(key, (cohort = { customer: [], entryAt: [], control: [] }));
        // Without a recorded arm, the stable hash under today's share: exact unless the share changed since.
        const control = f[3] === "\\N" ? isHeldOut(f[0], key, controlShare) : f[3] === "t";
        cohort.customer.push(indexOf.get(f[0]) ?? noOrders);
        cohort.entryAt.push(Number(f[2]));
        cohort.control.push(control ? 1 : 0);
      },
    ),
  );
  const orders = liftOrdersFromColumns(columns, asOf.getTime());
  const lifts: StoredLift[] = [];
  for (const [segmentKey, cohort] of [...cohorts].sort(([a], [b]) => a.localeCompare(b))) {
    if (controlShare === 0 && !cohort.control.includes(1)) continue;
    const windows = measureLift(
      orders,
      {
        customer: Int32Array.from(cohort.customer),
        entryAt: Float64Array.from(cohort.entryAt),
        control: Uint8Array.from(cohort.control),
      },
      asOf.getTime(),
    );
    lifts.push({ segmentKey, windows });
  }
  return lifts;
}

/** Stores a run's lifts: one row per segment and window. */
export async function storeSegmentLifts(
  db: Db,
  shopId: number,
  runId: bigint,
  asOf: Date,
  lifts: StoredLift[],
): Promise<number> {
  const rows = lifts.flatMap(({ segmentKey, windows }) =>
    windows.map((w) => {
      const revenue = w.lift.revenuePerCustomer?.relative ?? null;
      return {
        shopId,
        runId,
        segmentKey,
        windowDays: w.windowDays,
        asOf,
        treated: w.treated.customers,
        control: w.control.customers,
        sufficient: w.sufficient,
        revenueLift: revenue?.estimate ?? null,
        revenueLow: revenue?.low ?? null,
        revenueHigh: revenue?.high ?? null,
        result: JSON.parse(JSON.stringify(w)) as Prisma.InputJsonObject,
      };
    }),
  );
  if (rows.length === 0) return 0;
  return (await db.segmentLift.createMany({ data: rows, skipDuplicates: true })).count;
}
