// RFM quintile scores and the standard named RFM segments.

export type Score = 1 | 2 | 3 | 4 | 5;

/**
 * Thresholds for scores 2..5 of one dimension: score = 1 + #{s : value > thresholds[s]}.
 * A value's score is 1 + ⌊5 · (share of customers with a strictly smaller value)⌋, so tied
 * customers always share a score and a block of ties (most customers with one order) sits
 * at the score of its lowest member. Storing thresholds lets one customer be scored later
 * exactly as in the full run.
 */
export function quintileThresholds(values: Float64Array): number[] {
  const n = values.length;
  if (n === 0) return [Infinity, Infinity, Infinity, Infinity];
  const sorted = Float64Array.from(values).sort();
  const thresholds: number[] = [];
  for (let s = 2; s <= 5; s++) {
    // Score ≥ s ⇔ #{smaller} ≥ ⌈(s−1)n/5⌉ ⇔ value > sorted[⌈(s−1)n/5⌉ − 1].
    thresholds.push(sorted[Math.ceil(((s - 1) * n) / 5) - 1]);
  }
  return thresholds;
}

export function scoreValue(value: number, thresholds: number[]): Score {
  let score = 1;
  for (const threshold of thresholds) if (value > threshold) score++;
  return score as Score;
}

export function scoreColumn(values: Float64Array, thresholds: number[], out: Uint8Array): void {
  const [t2, t3, t4, t5] = thresholds;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = 1 + +(v > t2) + +(v > t3) + +(v > t4) + +(v > t5);
  }
}

/** Recency is scored on −days so that more recent is a higher score. */
export function negated(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = -values[i];
  return out;
}

/** FM: frequency and monetary blended into one 1–5 axis (halves round up). */
export function frequencyMonetaryScore(f: number, m: number): Score {
  return Math.ceil((f + m) / 2) as Score;
}

export interface RfmSegmentRule {
  key: string;
  name: string;
  description: string;
  /** Inclusive ranges on the recency score and the FM score. */
  recency: [number, number];
  frequencyMonetary: [number, number];
}

/**
 * The classic RFM map on recency × FM, as data. The first matching rule wins; together the
 * rules cover the whole 5 × 5 grid (a test checks it), so every customer lands in exactly
 * one segment and every segment is reachable.
 */
export const RFM_SEGMENT_RULES: readonly RfmSegmentRule[] = [
  {
    key: "rfm-champions",
    name: "Champions",
    description: "Bought recently, buy often and spend the most",
    recency: [5, 5],
    frequencyMonetary: [4, 5],
  },
  {
    key: "rfm-loyal",
    name: "Loyal",
    description: "Buy regularly and spend well; responsive to promotions",
    recency: [3, 4],
    frequencyMonetary: [4, 5],
  },
  {
    key: "rfm-potential-loyalist",
    name: "Potential Loyalist",
    description: "Recent customers with average frequency and spend",
    recency: [4, 5],
    frequencyMonetary: [2, 3],
  },
  {
    key: "rfm-new",
    name: "New",
    description: "Bought very recently, but not often yet",
    recency: [5, 5],
    frequencyMonetary: [1, 1],
  },
  {
    key: "rfm-promising",
    name: "Promising",
    description: "Recent shoppers who have not spent much yet",
    recency: [4, 4],
    frequencyMonetary: [1, 1],
  },
  {
    key: "rfm-need-attention",
    name: "Need Attention",
    description: "Average recency, frequency and spend",
    recency: [3, 3],
    frequencyMonetary: [3, 3],
  },
  {
    key: "rfm-about-to-sleep",
    name: "About to Sleep",
    description: "Below-average recency and frequency; will be lost without reactivation",
    recency: [3, 3],
    frequencyMonetary: [1, 2],
  },
  {
    key: "rfm-cant-lose",
    name: "Can't Lose Them",
    description: "Used to buy often and spend big, but not for a long time",
    recency: [1, 1],
    frequencyMonetary: [5, 5],
  },
  {
    key: "rfm-at-risk",
    name: "At Risk",
    description: "Spent big and bought often, but long ago",
    recency: [1, 2],
    frequencyMonetary: [3, 5],
  },
  {
    key: "rfm-hibernating",
    name: "Hibernating",
    description: "Last purchase long ago, low spend and few orders",
    recency: [2, 2],
    frequencyMonetary: [1, 2],
  },
  {
    key: "rfm-lost",
    name: "Lost",
    description: "Lowest recency, frequency and spend",
    recency: [1, 1],
    frequencyMonetary: [1, 2],
  },
];

// At Risk also covers r=1, fm=5, but Can't Lose Them comes first and wins there.
const SEGMENT_BY_CELL: Uint8Array = (() => {
  const table = new Uint8Array(36).fill(255);
  for (let r = 1; r <= 5; r++) {
    for (let fm = 1; fm <= 5; fm++) {
      const index = RFM_SEGMENT_RULES.findIndex(
        (rule) =>
          r >= rule.recency[0] &&
          r <= rule.recency[1] &&
          fm >= rule.frequencyMonetary[0] &&
          fm <= rule.frequencyMonetary[1],
      );
      table[r * 6 + fm] = index;
    }
  }
  return table;
})();

/** Index into RFM_SEGMENT_RULES of the first rule matching (r, fm). */
export function rfmSegmentIndex(r: number, f: number, m: number): number {
  return SEGMENT_BY_CELL[r * 6 + frequencyMonetaryScore(f, m)];
}

const SPEND_PHRASES = ["bottom 20% spend", "below-average spend", "average spend", "top 40% spend", "top 20% spend"];

/** "Bought 9 days ago, 7 orders, top 20% spend → Champions" */
export function explainRfm(recencyDays: number, orders: number, m: number, segmentIndex: number): string {
  const when =
    recencyDays === 0 ? "Bought today" : recencyDays === 1 ? "Bought yesterday" : `Bought ${recencyDays} days ago`;
  const count = orders === 1 ? "1 order" : `${orders} orders`;
  return `${when}, ${count}, ${SPEND_PHRASES[m - 1]} → ${RFM_SEGMENT_RULES[segmentIndex].name}`;
}
