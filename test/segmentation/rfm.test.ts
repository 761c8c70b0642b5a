// Property tests for RFM scoring and the named-segment map, on random data with heavy ties.
import { describe, expect, it } from "vitest";
import { seededRandom } from "~/segmentation/random";
import { quintileThresholds, RFM_SEGMENT_RULES, rfmSegmentIndex, scoreColumn, scoreValue } from "~/segmentation/rfm";

/** Mostly one-order customers, as in a real shop: a heavy tie at the bottom. */
function tiedValues(n: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length: n }, () => (random() < 0.7 ? 1 : 1 + Math.floor(-Math.log(1 - random()) * 3)));
}

function scores(values: Float64Array): Uint8Array {
  const out = new Uint8Array(values.length);
  scoreColumn(values, quintileThresholds(values), out);
  return out;
}

describe("RFM quintile scores", () => {
  it.each([
    ["heavy ties", tiedValues(5000, 1)],
    ["continuous", Float64Array.from({ length: 5000 }, seededRandom(2))],
    ["three customers", Float64Array.of(5, 1, 3)],
    ["one customer", Float64Array.of(42)],
    ["all tied", new Float64Array(100).fill(7)],
  ])("are monotone, in 1..5, and equal for equal values (%s)", (_label, values) => {
    const s = scores(values);
    const order = Array.from(values.keys()).sort((i, j) => values[i] - values[j]);
    for (let k = 0; k < order.length; k++) {
      expect(s[order[k]]).toBeGreaterThanOrEqual(1);
      expect(s[order[k]]).toBeLessThanOrEqual(5);
      if (k > 0) {
        const [prev, cur] = [order[k - 1], order[k]];
        if (values[prev] === values[cur]) expect(s[cur]).toBe(s[prev]);
        else expect(s[cur]).toBeGreaterThanOrEqual(s[prev]);
      }
    }
  });

  it("splits distinct values into fifths", () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    const counts = [0, 0, 0, 0, 0];
    for (const s of scores(values)) counts[s - 1]++;
    expect(counts).toEqual([200, 200, 200, 200, 200]);
  });

  it("puts a block of ties at the score of its lowest member", () => {
    const values = tiedValues(5000, 3);
    const s = scores(values);
    const ones = Array.from(values.keys()).filter((i) => values[i] === 1);
    expect(new Set(ones.map((i) => s[i]))).toEqual(new Set([1]));
    // Anything above the tie scores higher than it.
    const above = Array.from(values.keys()).filter((i) => values[i] > 1);
    expect(Math.min(...above.map((i) => s[i]))).toBeGreaterThan(1);
  });

  it("scores one value against stored thresholds exactly as the column scorer does", () => {
    const values = tiedValues(2000, 4);
    const thresholds = quintileThresholds(values);
    const s = scores(values);
    for (let i = 0; i < values.length; i++) expect(scoreValue(values[i], thresholds)).toBe(s[i]);
  });
});

describe("RFM segments", () => {
  it("cover all 125 (r, f, m) cells, each with exactly one segment, and every segment is reachable", () => {
    const reached = new Set<number>();
    for (let r = 1; r <= 5; r++)
      for (let f = 1; f <= 5; f++)
        for (let m = 1; m <= 5; m++) {
          const index = rfmSegmentIndex(r, f, m);
          expect(index).toBeGreaterThanOrEqual(0);
          expect(index).toBeLessThan(RFM_SEGMENT_RULES.length);
          reached.add(index);
        }
    expect(reached.size).toBe(RFM_SEGMENT_RULES.length);
  });

  it("have stable kebab-case keys", () => {
    for (const rule of RFM_SEGMENT_RULES) expect(rule.key).toMatch(/^rfm-[a-z]+(-[a-z]+)*$/);
    expect(new Set(RFM_SEGMENT_RULES.map((rule) => rule.key)).size).toBe(RFM_SEGMENT_RULES.length);
    expect(RFM_SEGMENT_RULES.map((rule) => rule.name)).toEqual([
      "Champions",
      "Loyal",
      "Potential Loyalist",
      "New",
      "Promising",
      "Need Attention",
      "About to Sleep",
      "Can't Lose Them",
      "At Risk",
      "Hibernating",
      "Lost",
    ]);
  });

  it("rank the obvious corners as expected", () => {
    const name = (r: number, f: number, m: number) => RFM_SEGMENT_RULES[rfmSegmentIndex(r, f, m)].name;
    expect(name(5, 5, 5)).toBe("Champions");
    expect(name(5, 1, 1)).toBe("New");
    expect(name(1, 5, 5)).toBe("Can't Lose Them");
    expect(name(1, 1, 1)).toBe("Lost");
    expect(name(2, 4, 4)).toBe("At Risk");
  });
});
