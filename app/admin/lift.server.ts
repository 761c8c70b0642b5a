import type { SegmentKind } from "~/generated/prisma/client";
import { LIFT_WINDOWS, MIN_CUSTOMERS_PER_ARM, type WindowLift } from "~/segmentation/lift";
import { jobDataDb } from "./job-data-db.server";
import { db, type ShopContext } from "./admin-shop.server";

// Measured lift for the admin: the segment page's card and the Results page. Both read the
// SegmentLift rows of the newest compute that stored any for the shop (or the segment), by index.

export interface LiftWindowView {
  windowDays: number;
  sufficient: boolean;
  /** Members and control customers whose window has passed. */
  treated: number;
  control: number;
  /** Control customers still missing before the window can be measured. */
  controlNeeded: number;
  sentence: string;
  /** Relative lift in revenue per customer and its 95 % interval (fractions); null when insufficient. */
  revenueLift: number | null;
  revenueLow: number | null;
  revenueHigh: number | null;
  conversion: { treated: number; control: number };
  revenuePerCustomer: { treated: number; control: number };
}

export interface SegmentLiftView {
  /** The control share now (0: no control group is being held out). */
  controlShare: number;
  minPerArm: number;
  asOf: string | null;
  windows: LiftWindowView[];
}

interface LiftRow {
  segmentKey: string;
  windowDays: number;
  asOf: Date;
  treated: number;
  control: number;
  sufficient: boolean;
  revenueLift: number | null;
  revenueLow: number | null;
  revenueHigh: number | null;
  result: unknown;
}

function windowView(row: LiftRow): LiftWindowView {
  const w = row.result as WindowLift;
  return {
    windowDays: row.windowDays,
    sufficient: row.sufficient,
    treated: row.treated,
    control: row.control,
    controlNeeded: w.needs.controlCustomers,
    sentence: w.sentence,
    revenueLift: row.revenueLift,
    revenueLow: row.revenueLow,
    revenueHigh: row.revenueHigh,
    conversion: { treated: w.treated.conversion, control: w.control.conversion },
    revenuePerCustomer: { treated: w.treated.revenuePerCustomer, control: w.control.revenuePerCustomer },
  };
}

/** The newest stored lift of one segment, per window. */
export async function segmentLift(shop: ShopContext, segmentKey: string): Promise<SegmentLiftView> {
  const rows = await jobDataDb().$queryRaw<LiftRow[]>`
    SELECT "segmentKey", "windowDays", "asOf", "treated", "control", "sufficient", "revenueLift", "revenueLow", "revenueHigh", "result"
    FROM "SegmentLift"
    WHERE "shopId" = ${shop.id} AND "segmentKey" = ${segmentKey} AND "runId" = (
      SELECT max("runId") FROM "SegmentLift" WHERE "shopId" = ${shop.id} AND "segmentKey" = ${segmentKey})
    ORDER BY "windowDays"`;
  return {
    controlShare: shop.settings.controlShare,
    minPerArm: MIN_CUSTOMERS_PER_ARM,
    asOf: rows[0]?.asOf.toISOString() ?? null,
    windows: rows.map(windowView),
  };
}

export interface ResultRow extends LiftWindowView {
  key: string;
  name: string;
  kind: SegmentKind;
}

export interface ResultsView {
  controlShare: number;
  windowDays: number;
  windows: readonly number[];
  asOf: string | null;
  /** Measured segments by lift in revenue per customer (highest first), then the rest by control size. */
  segments: ResultRow[];
}

/** The window a Results query asks for (`?window=30`), else the longest. */
export function resultsWindow(url: URL): number {
  const asked = Number(url.searchParams.get("window"));
  return (LIFT_WINDOWS as readonly number[]).includes(asked) ? asked : LIFT_WINDOWS[LIFT_WINDOWS.length - 1];
}

/** Every segment with a control group in the shop's newest lift run, ranked by measured lift. */
export async function liftResults(shop: ShopContext, windowDays: number): Promise<ResultsView> {
  const rows = await jobDataDb().$queryRaw<LiftRow[]>`
    SELECT "segmentKey", "windowDays", "asOf", "treated", "control", "sufficient", "revenueLift", "revenueLow", "revenueHigh", "result"
    FROM "SegmentLift"
    WHERE "shopId" = ${shop.id} AND "windowDays" = ${windowDays} AND "runId" = (
      SELECT max("runId") FROM "SegmentLift" WHERE "shopId" = ${shop.id})
    ORDER BY "sufficient" DESC, "revenueLift" DESC NULLS LAST, "control" DESC, "segmentKey"`;
  const segments = new Map(
    (
      await db.segment.findMany({
        where: { shopId: shop.id, key: { in: rows.map((r) => r.segmentKey) } },
        select: { key: true, name: true, kind: true },
      })
    ).map((s) => [s.key, s]),
  );
  return {
    controlShare: shop.settings.controlShare,
    windowDays,
    windows: LIFT_WINDOWS,
    asOf: rows[0]?.asOf.toISOString() ?? null,
    segments: rows.flatMap((row) => {
      const segment = segments.get(row.segmentKey);
      return segment ? [{ ...windowView(row), key: segment.key, name: segment.name, kind: segment.kind }] : [];
    }),
  };
}
