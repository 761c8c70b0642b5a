import { describe, expect, it } from "vitest";
import {
  belowMinimumSize,
  jaccard,
  jaccardMatrix,
  minimumSegmentSize,
  overlapFromPatterns,
  sizeShifts,
} from "~/segmentation/segment-health";
import { DEFAULT_SETTINGS } from "~/settings";

describe("minimum segment size", () => {
  it("is the larger of 1 % of the customers and 50 by default", () => {
    expect(minimumSegmentSize(0, DEFAULT_SETTINGS)).toBe(50);
    expect(minimumSegmentSize(4_999, DEFAULT_SETTINGS)).toBe(50);
    expect(minimumSegmentSize(5_000, DEFAULT_SETTINGS)).toBe(50);
    expect(minimumSegmentSize(5_001, DEFAULT_SETTINGS)).toBe(51);
    expect(minimumSegmentSize(1_000_000, DEFAULT_SETTINGS)).toBe(10_000);
  });

  it("rounds the share up, and either part can be switched off with 0", () => {
    expect(minimumSegmentSize(250, { minSegmentShare: 0.1, minSegmentCustomers: 0 })).toBe(25);
    expect(minimumSegmentSize(251, { minSegmentShare: 0.1, minSegmentCustomers: 0 })).toBe(26);
    expect(minimumSegmentSize(1_000, { minSegmentShare: 0, minSegmentCustomers: 7 })).toBe(7);
    expect(minimumSegmentSize(1_000, { minSegmentShare: 0, minSegmentCustomers: 0 })).toBe(0);
  });

  it("flags a segment strictly below the minimum", () => {
    expect(belowMinimumSize(49, 1_000, DEFAULT_SETTINGS)).toBe(true);
    expect(belowMinimumSize(50, 1_000, DEFAULT_SETTINGS)).toBe(false);
    expect(belowMinimumSize(99, 10_000, DEFAULT_SETTINGS)).toBe(true);
    expect(belowMinimumSize(0, 0, { minSegmentShare: 0, minSegmentCustomers: 0 })).toBe(false);
  });
});

describe("overlap", () => {
  it("Jaccard is the intersection over the union", () => {
    expect(jaccard(0, 0, 0)).toBe(0);
    expect(jaccard(5, 10, 10)).toBeCloseTo(5 / 15);
    expect(jaccard(10, 10, 10)).toBe(1);
    expect(jaccard(0, 3, 4)).toBe(0);
  });

  it("counts sizes and intersections from membership patterns as from the customers themselves", () => {
    // Random members of 5 segments for 300 customers, counted per customer and per pattern.
    const segments = 5;
    let state = 12345;
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const sets = Array.from({ length: segments }, () => new Set<number>());
    const patternCounts = new Map<bigint, number>();
    for (let customer = 0; customer < 300; customer++) {
      let mask = 0n;
      for (let s = 0; s < segments; s++) {
        if (next() < 0.3 + 0.1 * s) {
          sets[s].add(customer);
          mask |= 1n << BigInt(s);
        }
      }
      if (mask !== 0n) patternCounts.set(mask, (patternCounts.get(mask) ?? 0) + 1);
    }
    const patterns = [...patternCounts].map(([mask, customers]) => ({ mask, customers }));
    const { sizes, intersections } = overlapFromPatterns(segments, patterns);
    const matrix = jaccardMatrix(segments, patterns);
    for (let i = 0; i < segments; i++) {
      expect(sizes[i]).toBe(sets[i].size);
      for (let j = 0; j < segments; j++) {
        const both = [...sets[i]].filter((c) => sets[j].has(c)).length;
        const either = new Set([...sets[i], ...sets[j]]).size;
        expect(intersections[i * segments + j]).toBe(both);
        expect(matrix[i * segments + j]).toBeCloseTo(both / either, 12);
      }
      expect(matrix[i * segments + i]).toBe(1);
    }
  });

  it("handles segment indexes past 31 (masks are bigints)", () => {
    const { sizes, intersections } = overlapFromPatterns(40, [{ mask: (1n << 39n) | 1n, customers: 3 }]);
    expect(sizes[39]).toBe(3);
    expect(intersections[0 * 40 + 39]).toBe(3);
  });
});

describe("size shifts between runs", () => {
  const previous = new Map([
    ["grew", 100],
    ["shrank", 200],
    ["steady", 100],
    ["edge", 100],
    ["tiny", 4],
    ["was-empty", 0],
  ]);
  const latest = new Map([
    ["grew", 130],
    ["shrank", 100],
    ["steady", 110],
    ["edge", 125],
    ["tiny", 9],
    ["was-empty", 40],
    ["new", 500],
  ]);

  it("reports the segments that moved by more than the share, largest move first", () => {
    expect(sizeShifts(previous, latest, 0.25)).toEqual([
      { key: "tiny", previous: 4, latest: 9, change: 1.25 },
      { key: "shrank", previous: 200, latest: 100, change: -0.5 },
      { key: "grew", previous: 100, latest: 130, change: 0.3 },
    ]);
  });

  it("leaves out segments below the minimum size in both runs, and new ones with nothing to compare", () => {
    expect(sizeShifts(previous, latest, 0.25, 50).map((s) => s.key)).toEqual(["shrank", "grew"]);
    expect(sizeShifts(previous, latest, 0.05, 50).map((s) => s.key)).toEqual(["shrank", "grew", "edge", "steady"]);
  });
});
