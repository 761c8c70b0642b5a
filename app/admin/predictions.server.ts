import type { SegmentKind } from "~/generated/prisma/client";
import {
  latestPredictionCheck,
  PREDICTION_SEGMENT_KINDS,
  type StoredPredictionCheck,
} from "~/compute/prediction-check.server";
import { chosenModel } from "~/segmentation/prediction-check";
import { db, type ShopContext } from "./admin-shop.server";

// What the merchant reads about the trust in their predictions, from the newest compute's stored
// prediction check: how last horizon's forecast compared with what customers did, in sentences,
// and, while the history is insufficient, what is missing and when predictions will start.

export interface PredictionQualityView {
  /** The as-of day of the check (YYYY-MM-DD). */
  checkedOn: string;
  horizonDays: number;
  sufficient: boolean;
  /** What is missing, one sentence each (empty when sufficient). */
  missing: string[];
  /** Day predictions can start (when history length is what is missing). */
  startsOn: string | null;
  startSentence: string | null;
  /** What is held back from Shopify meanwhile. */
  withheldSentence: string | null;
  /** Σ predicted and actual orders of existing customers in the held-out window (chosen model). */
  expectedOrders: number | null;
  actualOrders: number | null;
  /** "Last quarter we expected 3,300 orders from existing customers; they placed 3,450." */
  outcomeSentence: string | null;
  correlation: number | null;
  /** "Customer by customer, … (correlation 0.63)." */
  accuracySentence: string | null;
  /** Which model and how it compares with a naive guess. */
  modelSentence: string;
  /** How "High churn risk" and "Churned" are cut for this shop. */
  cutoffSentences: string[];
  /** The live fit's warnings, as sentences. */
  warnings: string[];
}

export interface SegmentPredictionView {
  /** A prediction segment whose labels are not pushed (not enough data yet). */
  withheld: boolean;
  missing: string[];
  startSentence: string | null;
  /** "In the last 90 days, 6 % of the 1,234 customers we would have labelled High churn risk bought again." */
  labelSentence: string | null;
  /** How the label's cut-off was set (measured or fixed), for the two labels that have one. */
  cutoffSentence: string | null;
}

const count = (value: number) => Math.round(value).toLocaleString("en-US");
const percent = (fraction: number) => `${Math.round(fraction * 100)} %`;
const sentence = (text: string) => {
  const trimmed = text.trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1) + (/[.!?]$/.test(trimmed) ? "" : ".");
};
const longDate = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString("en-US", {
    year: "numeric",
    month: "long",
    day: "numeric",
    timeZone: "UTC",
  });

/** "Last quarter" for a 90-day horizon, else "In the last N days". */
function windowPhrase(horizonDays: number): string {
  return horizonDays >= 89 && horizonDays <= 92 ? "last quarter" : `in the last ${horizonDays} days`;
}

const NAIVE_WORDS: Record<string, string> = {
  "own-rate": "each customer simply repeating their own past pace",
  "shop-rate": "everyone buying at the shop's average pace",
};

function correlationWords(r: number): string {
  if (r >= 0.7) return "closely";
  if (r >= 0.5) return "fairly well";
  if (r >= 0.3) return "loosely";
  return "barely";
}

function startSentence(check: StoredPredictionCheck): string | null {
  const { sufficiency } = check;
  if (sufficiency.sufficient) return null;
  if (sufficiency.predictionsStartOn) {
    return `Predictions start around ${longDate(sufficiency.predictionsStartOn)}, once the history covers ${sufficiency.neededHistoryDays} days, if the other conditions are met by then; every nightly compute checks again.`;
  }
  return "Predictions start as soon as a nightly compute finds these conditions met; it checks every night.";
}

export function predictionQualityOf(check: StoredPredictionCheck): PredictionQualityView {
  const chosen = chosenModel(check);
  const metrics = chosen?.metrics ?? null;
  const when = windowPhrase(check.horizonDays);
  const naive = check.baselines.reduce((a, b) => (b.metrics.meanAbsoluteError < a.metrics.meanAbsoluteError ? b : a));
  const modelSentence =
    chosen && metrics
      ? `${check.live && !check.live.follows && check.live.note ? `${sentence(check.live.note)} In the backtest, ${chosen.label}:` : `We use ${chosen.label}:`} on average it was off by ${metrics.meanAbsoluteError.toFixed(2)} orders per customer, against ${naive.metrics.meanAbsoluteError.toFixed(2)} for ${NAIVE_WORDS[naive.name] ?? naive.description}` +
        (check.choice.beatsBaseline ? "." : `, so it is no better than that guess yet.`)
      : sentence(`No model could be checked: ${check.choice.reason}`);
  const cutoffSentences = check.cutoffs.labels.map((label) => {
    const rule =
      label.key === "churn-risk-high"
        ? `churn risk ${label.value.toFixed(2)} and above`
        : label.value > 0
          ? `P(alive) under ${label.value.toFixed(2)} or ${check.lapseDays}+ days without an order`
          : `${check.lapseDays}+ days without an order`;
    return label.measured
      ? `“${label.name}” is measured on this shop's history: ${rule}, where ${label.repurchaseRate === null ? "none" : percent(label.repurchaseRate)} of the customers it would have labelled bought again within ${check.horizonDays} days (fixed default ${label.fixedValue}).`
      : `“${label.name}” uses the fixed default cut-off (${rule}): ${label.reason.replace(/^the fixed cut-off [\d.]+: /, "")}.`;
  });
  return {
    checkedOn: check.asOfDay,
    horizonDays: check.horizonDays,
    sufficient: check.sufficiency.sufficient,
    missing: check.sufficiency.reasons.map(sentence),
    startsOn: check.sufficiency.predictionsStartOn,
    startSentence: startSentence(check),
    withheldSentence: check.sufficiency.sufficient
      ? null
      : "Until then the churn-risk segments and the P(alive), CLV and next-order metafields are not sent to Shopify; RFM, lifecycle, cluster and rule segments are.",
    expectedOrders: metrics ? Math.round(metrics.predictedTotal) : null,
    actualOrders: metrics ? metrics.actualTotal : null,
    outcomeSentence: metrics
      ? sentence(
          `${when} we expected ${count(metrics.predictedTotal)} orders from existing customers; they placed ${count(metrics.actualTotal)}`,
        )
      : null,
    correlation: metrics?.correlation ?? null,
    accuracySentence:
      metrics && metrics.correlation !== null
        ? `Customer by customer, the predictions matched who bought and how often ${correlationWords(metrics.correlation)} (correlation ${metrics.correlation.toFixed(2)}, where 1 is perfect).`
        : null,
    modelSentence,
    cutoffSentences,
    warnings: check.fitWarnings.map((w) => sentence(w.message)),
  };
}

/** The overview's card: null before the first compute that stored a check. */
export async function predictionQuality(shop: ShopContext): Promise<PredictionQualityView | null> {
  const check = await latestPredictionCheck(db, shop.id);
  return check ? predictionQualityOf(check) : null;
}

const CUTOFF_KIND: Record<string, string> = { "churn-risk-high": "churn-risk", "lifecycle-churned": "lifecycle" };

export function segmentPredictionOf(
  check: StoredPredictionCheck | null,
  key: string,
  kind: SegmentKind,
): SegmentPredictionView {
  const empty: SegmentPredictionView = {
    withheld: false,
    missing: [],
    startSentence: null,
    labelSentence: null,
    cutoffSentence: null,
  };
  if (!check) return empty;
  const withheld = !check.sufficiency.sufficient && PREDICTION_SEGMENT_KINDS.includes(kind);
  const when = `In the last ${check.horizonDays} days`;
  const cutoff = check.cutoffs.labels.find((l) => l.key === key);
  // A measured cut-off changes its label and the neighbours of its kind: their stored shares
  // were measured with the fixed cut-offs, so only the cut-off label itself is quoted then.
  const changedKinds = new Set(check.cutoffs.labels.filter((l) => l.measured).map((l) => CUTOFF_KIND[l.key]));
  const outcome = check.labels.find((l) => l.key === key);
  let labelSentence: string | null = null;
  if (cutoff && cutoff.members > 0 && cutoff.repurchaseRate !== null) {
    labelSentence = `${when}, ${percent(cutoff.repurchaseRate)} of the ${count(cutoff.members)} customers we would have labelled ${cutoff.name} bought again.`;
  } else if (outcome && outcome.boughtShare !== null && !changedKinds.has(outcome.kind)) {
    labelSentence = `${when}, ${percent(outcome.boughtShare)} of the ${count(outcome.members)} customers we would have labelled ${outcome.name} bought again.`;
  }
  const quality = predictionQualityOf(check);
  const index = check.cutoffs.labels.findIndex((l) => l.key === key);
  return {
    withheld,
    missing: withheld ? quality.missing : [],
    startSentence: withheld ? quality.startSentence : null,
    labelSentence,
    cutoffSentence: index >= 0 ? quality.cutoffSentences[index] : null,
  };
}

/** The segment page's prediction facts for one segment. */
export async function segmentPrediction(
  shop: ShopContext,
  key: string,
  kind: SegmentKind,
): Promise<SegmentPredictionView> {
  return segmentPredictionOf(await latestPredictionCheck(db, shop.id), key, kind);
}
