// Segment health: the minimum size below which a segment is too small to act on, how much two
// segments' members overlap, and which segments changed size sharply between two runs. Pure: the
// admin and the push job feed it counts they read.

/** Default smallest segment worth a Shopify segment: 1 % of the scored customers, at least 50. */
export const DEFAULT_MIN_SEGMENT_SHARE = 0.01;
export const DEFAULT_MIN_SEGMENT_CUSTOMERS = 50;
/** Default size change between the last two runs that raises the overview's banner. */
export const DEFAULT_SIZE_SHIFT_SHARE = 0.25;

export interface MinimumSizeRule {
  /** Share of the shop's scored customers (0.01 = 1 %). */
  minSegmentShare: number;
  /** Floor in customers, whatever the shop's size. */
  minSegmentCustomers: number;
}

/** The smallest size a segment needs: the larger of the share of `customers` (rounded up) and the floor. */
export function minimumSegmentSize(customers: number, rule: MinimumSizeRule): number {
  const share = Math.max(0, rule.minSegmentShare);
  const floor = Math.max(0, Math.floor(rule.minSegmentCustomers));
  return Math.max(Math.ceil(Math.max(0, customers) * share - 1e-9), floor);
}

/** True when a segment of `size` customers is below the minimum for a shop of `customers`. */
export function belowMinimumSize(size: number, customers: number, rule: MinimumSizeRule): boolean {
  return size < minimumSegmentSize(customers, rule);
}

/** Jaccard index |A ∩ B| / |A ∪ B|; 0 when both sets are empty. */
export function jaccard(intersection: number, sizeA: number, sizeB: number): number {
  const union = sizeA + sizeB - intersection;
  return union > 0 ? intersection / union : 0;
}

/**
 * Pairwise intersections and sizes from "membership patterns": each pattern is a bit mask over
 * `segments` (bit i = member of segment i) with the number of customers who have exactly it.
 * Counting by pattern instead of by customer keeps this O(patterns × segments²).
 */
export function overlapFromPatterns(
  segments: number,
  patterns: { mask: bigint; customers: number }[],
): { sizes: Float64Array; intersections: Float64Array } {
  const sizes = new Float64Array(segments);
  const intersections = new Float64Array(segments * segments);
  const bits: number[] = [];
  for (const { mask, customers } of patterns) {
    bits.length = 0;
    for (let i = 0; i < segments; i++) if ((mask >> BigInt(i)) & 1n) bits.push(i);
    for (const i of bits) {
      sizes[i] += customers;
      for (const j of bits) intersections[i * segments + j] += customers;
    }
  }
  return { sizes, intersections };
}

/** The Jaccard matrix (row-major, segments × segments) of overlapFromPatterns's counts. */
export function jaccardMatrix(segments: number, patterns: { mask: bigint; customers: number }[]): Float64Array {
  const { sizes, intersections } = overlapFromPatterns(segments, patterns);
  const matrix = new Float64Array(segments * segments);
  for (let i = 0; i < segments; i++) {
    for (let j = 0; j < segments; j++) {
      matrix[i * segments + j] = jaccard(intersections[i * segments + j], sizes[i], sizes[j]);
    }
  }
  return matrix;
}

export interface SizeShift {
  key: string;
  previous: number;
  latest: number;
  /** (latest − previous) / previous. */
  change: number;
}

/**
 * Segments whose size changed by more than `share` of their previous size between two runs.
 * A segment new in the latest run (previous 0 or absent) has no base to compare with, and one
 * below the minimum size in both runs is left out: small segments swing by chance and already
 * carry their own warning.
 */
export function sizeShifts(
  previous: ReadonlyMap<string, number>,
  latest: ReadonlyMap<string, number>,
  share: number,
  minimumSize = 0,
): SizeShift[] {
  const shifts: SizeShift[] = [];
  for (const [key, now] of latest) {
    const before = previous.get(key);
    if (!before || before <= 0) continue;
    if (before < minimumSize && now < minimumSize) continue;
    const change = (now - before) / before;
    if (Math.abs(change) > share) shifts.push({ key, previous: before, latest: now, change });
  }
  return shifts.sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.key.localeCompare(b.key));
}
