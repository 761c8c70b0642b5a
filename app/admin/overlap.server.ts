import { overlapFromPatterns, jaccard } from "~/segmentation/segment-health";
import { withinBudget } from "./cohorts.server";
import type { SegmentRow } from "./segments.server";
import type { ShopContext } from "./admin-shop.server";

// How much segments' member sets overlap (Jaccard index = members in both / members in either),
// for the Segments page. One pass over the chosen segments' memberships in the primary key's
// order (customer by customer, no hash table over a million customers): each customer's segments
// become a bit mask, and PostgreSQL counts the customers per mask. The few hundred distinct masks
// give every pair's intersection (app/segmentation/segment-health.ts). Members include control
// holdouts: they belong to the segment. The cost grows with those memberships; PostgreSQL cancels
// the read past the budget and the page says so.

/** Segments compared: the largest enabled ones (a wider table would not be read). */
export const OVERLAP_MAX_SEGMENTS = 12;
const BUDGET_MS = 3_000;

export interface OverlapView {
  segments: { key: string; name: string; size: number }[];
  /** Row-major Jaccard index between segments i and j (1 on the diagonal); null past the budget. */
  jaccard: number[] | null;
  /** Members in both, same layout. */
  shared: number[] | null;
  /** Enabled segments with members left out of the table (beyond the largest OVERLAP_MAX_SEGMENTS). */
  omitted: number;
}

export async function segmentOverlap(
  shop: ShopContext,
  segments: Pick<SegmentRow, "key" | "name" | "size" | "controlSize" | "enabled">[],
  budgetMs = BUDGET_MS,
): Promise<OverlapView> {
  const candidates = segments
    .filter((s) => s.enabled && s.size + s.controlSize > 0)
    .sort((a, b) => b.size + b.controlSize - (a.size + a.controlSize) || a.key.localeCompare(b.key));
  const chosen = candidates.slice(0, OVERLAP_MAX_SEGMENTS);
  const view = {
    segments: chosen.map((s) => ({ key: s.key, name: s.name, size: s.size + s.controlSize })),
    omitted: candidates.length - chosen.length,
  };
  if (chosen.length < 2) return { ...view, jaccard: [], shared: [] };
  const keys = chosen.map((s) => s.key);
  const patterns = await withinBudget(
    budgetMs,
    (tx) =>
      tx.$queryRaw<{ mask: bigint; customers: number }[]>`
        SELECT "mask", count(*)::int AS "customers"
        FROM (
          SELECT bit_or(1::bigint << (array_position(${keys}::text[], m."segmentKey") - 1)) AS "mask"
          FROM "Membership" m
          WHERE m."shopId" = ${shop.id} AND m."segmentKey" = ANY(${keys}::text[])
          GROUP BY m."customerId"
        ) per_customer
        GROUP BY "mask"`,
    ["enable_seqscan", "enable_hashagg"],
  );
  if (!patterns) return { ...view, jaccard: null, shared: null };
  const n = keys.length;
  const { sizes, intersections } = overlapFromPatterns(n, patterns);
  const index = Array.from({ length: n * n }, (_, k) => k);
  return {
    ...view,
    segments: view.segments.map((s, i) => ({ ...s, size: sizes[i] })),
    jaccard: index.map((k) => jaccard(intersections[k], sizes[Math.floor(k / n)], sizes[k % n])),
    shared: index.map((k) => intersections[k]),
  };
}
