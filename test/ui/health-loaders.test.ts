import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { requireShop } from "~/admin/admin-shop.server";
import { listSegments, minimumSizeOf } from "~/admin/segments.server";
import { segmentOverlap, OVERLAP_MAX_SEGMENTS } from "~/admin/overlap.server";
import { segmentSizeShifts } from "~/admin/size-shifts.server";
import { shopOverview } from "~/admin/overview.server";
import { seedAnalysedShop, type SeededShop } from "../helpers/seed-analysis";
import { uniqueShopDomain } from "../helpers/shops";

// Segment health reads on a seeded shop (400 customers: the minimum size is 50; each RFM
// segment holds about 36, each lifecycle stage 80): the minimum-size flags, the overlap matrix
// against sets counted in TypeScript, the size-shift banner from the last two runs' snapshots.

const NOW = new Date("2026-10-01T00:00:00Z");
let seeded: SeededShop;

beforeAll(async () => {
  seeded = await seedAnalysedShop(uniqueShopDomain("health"), 400, NOW);
});
afterAll(() => queues().close());

describe("segment health", () => {
  it("flags the segments below the minimum size (the larger of 1 % of customers and 50)", async () => {
    const shop = await requireShop(seeded.domain);
    expect(await minimumSizeOf(shop)).toEqual({ customers: 400, minimumSize: 50, pushSmallSegments: false });
    const segments = await listSegments(shop, NOW);
    for (const s of segments) expect({ key: s.key, small: s.belowMinimum }).toEqual({ key: s.key, small: s.size < 50 });
    expect(segments.filter((s) => s.kind === "LIFECYCLE").every((s) => !s.belowMinimum)).toBe(true);
    expect(segments.filter((s) => s.kind === "RFM").every((s) => s.belowMinimum)).toBe(true);

    await db.shop.update({ where: { id: seeded.shopId }, data: { settings: { minSegmentCustomers: 10 } } });
    const lowered = await listSegments(await requireShop(seeded.domain), NOW);
    expect(lowered.filter((s) => s.belowMinimum).map((s) => s.key)).toEqual(
      lowered.filter((s) => s.size < 10).map((s) => s.key),
    );
    await db.shop.update({ where: { id: seeded.shopId }, data: { settings: {} } });
  });

  it("the overlap matrix is the Jaccard index of the largest segments' member sets", async () => {
    const shop = await requireShop(seeded.domain);
    const segments = await listSegments(shop, NOW);
    const overlap = await segmentOverlap(shop, segments);
    const n = overlap.segments.length;
    expect(n).toBe(OVERLAP_MAX_SEGMENTS);
    expect(overlap.omitted).toBe(segments.filter((s) => s.size + s.controlSize > 0).length - n);
    const rows = await db.membership.findMany({
      where: { shopId: seeded.shopId },
      select: { customerId: true, segmentKey: true },
    });
    const members = new Map<string, Set<bigint>>();
    for (const r of rows) members.set(r.segmentKey, (members.get(r.segmentKey) ?? new Set()).add(r.customerId));
    // The largest enabled segments by their newest snapshot's members (control holdouts included).
    const bySize = [...segments].sort(
      (a, b) => b.size + b.controlSize - (a.size + a.controlSize) || a.key.localeCompare(b.key),
    );
    expect(overlap.segments.map((s) => s.key)).toEqual(bySize.slice(0, n).map((s) => s.key));
    let nonZero = 0;
    for (let i = 0; i < n; i++) {
      const a = members.get(overlap.segments[i].key)!;
      expect(overlap.segments[i].size).toBe(a.size);
      for (let j = 0; j < n; j++) {
        const b = members.get(overlap.segments[j].key)!;
        const both = [...a].filter((c) => b.has(c)).length;
        expect(overlap.shared![i * n + j]).toBe(both);
        expect(overlap.jaccard![i * n + j]).toBeCloseTo(both / new Set([...a, ...b]).size, 12);
        if (i !== j && both > 0) nonZero++;
      }
    }
    expect(nonZero).toBeGreaterThan(0);
  });

  it("the overview's banner lists the segments whose size moved by more than the share between the last two runs", async () => {
    const shop = await requireShop(seeded.domain);
    // The seed's previous run is 10 % smaller: under the 25 % default, no banner.
    expect((await segmentSizeShifts(shop)).shifts).toEqual([]);

    const latestRun = seeded.computeRunId;
    const previous = await db.segmentSnapshot.findFirstOrThrow({
      where: { shopId: seeded.shopId, segmentKey: "lifecycle-active", runId: { not: latestRun } },
    });
    const latest = await db.segmentSnapshot.findFirstOrThrow({
      where: { shopId: seeded.shopId, segmentKey: "lifecycle-active", runId: latestRun },
    });
    await db.segmentSnapshot.update({
      where: { shopId_id: { shopId: seeded.shopId, id: previous.id } },
      data: { size: Math.floor(latest.size / 2) },
    });
    // An RFM segment halved too, but it is below the minimum size in both runs: left out.
    const rfmPrevious = await db.segmentSnapshot.findFirstOrThrow({
      where: { shopId: seeded.shopId, segmentKey: "rfm-champions", runId: { not: latestRun } },
    });
    await db.segmentSnapshot.update({
      where: { shopId_id: { shopId: seeded.shopId, id: rfmPrevious.id } },
      data: { size: 5 },
    });

    const overview = await shopOverview(shop, NOW);
    expect(overview.sizeShifts.shifts).toEqual([
      {
        key: "lifecycle-active",
        name: "Active",
        previous: Math.floor(latest.size / 2),
        latest: latest.size,
        change: (latest.size - Math.floor(latest.size / 2)) / Math.floor(latest.size / 2),
      },
    ]);
    expect(overview.sizeShifts.latestAt).toBe(NOW.toISOString());
    expect(overview.sizeShifts.previousAt).toBe(new Date(NOW.getTime() - 8 * 86_400_000).toISOString());

    // A higher threshold, or the segment disabled: no banner.
    await db.shop.update({ where: { id: seeded.shopId }, data: { settings: { sizeShiftShare: 1.5 } } });
    expect((await segmentSizeShifts(await requireShop(seeded.domain))).shifts).toEqual([]);
    await db.shop.update({ where: { id: seeded.shopId }, data: { settings: {} } });
    await db.segment.update({
      where: { shopId_key: { shopId: seeded.shopId, key: "lifecycle-active" } },
      data: { enabled: false },
    });
    expect((await segmentSizeShifts(shop)).shifts).toEqual([]);
    await db.segment.update({
      where: { shopId_key: { shopId: seeded.shopId, key: "lifecycle-active" } },
      data: { enabled: true },
    });
  });
});
