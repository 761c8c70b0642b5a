import { minimumSegmentSize, sizeShifts, type SizeShift } from "~/segmentation/segment-health";
import { jobDataDb } from "./job-data-db.server";
import { db, type ShopContext } from "./admin-shop.server";

// Segments whose size moved by more than the merchant's share (settings) between the last two
// compute runs, for the overview's banner. Sizes are the runs' snapshots (members who carry the
// segment's tag, as the Segments page shows them); two index lookups find the two newest runs.

export interface SizeShiftView {
  share: number;
  previousAt: string | null;
  latestAt: string | null;
  shifts: (SizeShift & { name: string })[];
}

export async function segmentSizeShifts(shop: ShopContext): Promise<SizeShiftView> {
  const share = shop.settings.sizeShiftShare;
  const rows = await jobDataDb().$queryRaw<{ runId: bigint; segmentKey: string; size: number; at: Date }[]>`
    WITH latest AS (SELECT max("runId") AS id FROM "SegmentSnapshot" WHERE "shopId" = ${shop.id}),
    previous AS (
      SELECT max(s."runId") AS id FROM "SegmentSnapshot" s, latest
      WHERE s."shopId" = ${shop.id} AND s."runId" < latest.id)
    SELECT "runId", "segmentKey", "size", "at" FROM "SegmentSnapshot"
    WHERE "shopId" = ${shop.id} AND "runId" IN ((SELECT id FROM latest), (SELECT id FROM previous))`;
  const runs = [...new Set(rows.map((r) => r.runId))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (runs.length < 2) return { share, previousAt: null, latestAt: null, shifts: [] };
  const [previousRun, latestRun] = runs;
  const sizes = (runId: bigint) => new Map(rows.filter((r) => r.runId === runId).map((r) => [r.segmentKey, r.size]));
  const at = (runId: bigint) => rows.find((r) => r.runId === runId)!.at.toISOString();
  const [{ customers }] = await jobDataDb().$queryRaw<{ customers: bigint }[]>`
    SELECT count(*) AS "customers" FROM "CustomerScore" WHERE "shopId" = ${shop.id}`;
  const found = sizeShifts(
    sizes(previousRun),
    sizes(latestRun),
    share,
    minimumSegmentSize(Number(customers), shop.settings),
  );
  const segments = new Map(
    (
      await db.segment.findMany({
        where: { shopId: shop.id, key: { in: found.map((s) => s.key) }, enabled: true },
        select: { key: true, name: true },
      })
    ).map((s) => [s.key, s.name]),
  );
  return {
    share,
    previousAt: at(previousRun),
    latestAt: at(latestRun),
    shifts: found.flatMap((s) => (segments.has(s.key) ? [{ ...s, name: segments.get(s.key)! }] : [])),
  };
}
