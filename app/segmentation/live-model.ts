// Which of the backtest's candidates the live scores can follow. The stored FittedModel carries
// BG/NBD, Pareto/NBD, seasonal monthly effects and the learned trees (retrained on the whole
// history; a re-score recomputes the customer's tree features from their orders), so every
// choice goes live; when a refit on the whole history fails the scores stay on BG/NBD and say so.
import type { SummaryRows } from "./bgnbd";
import type { CustomerFeatures } from "./features";
import { trainLiveTrees } from "./learned-model";
import { periodDays } from "./options";
import { fitParetoNbd } from "./pareto-nbd";
import { PARETO_NBD_SAMPLE, sampleSummaryRows } from "./pareto-nbd-candidate";
import { livePurchaseModel } from "./predictions";
import { seasonalIndex } from "./seasonality";
import type { FittedModel, TransactionColumns } from "./types";

/** What the live scores use, against what the backtest chose. */
export interface LiveModel {
  /** The backtest's choice (candidate name), null when none or not given. */
  chosen: string | null;
  /** "BG/NBD", "Pareto/NBD", "BG/NBD, seasonally adjusted", … or "the recency/frequency heuristic". */
  uses: string;
  /** Whether the live scores follow the choice. */
  follows: boolean;
  /** Plain words for the overview when they do not, or how they do; null for a plain BG/NBD choice. */
  note: string | null;
}

/**
 * Sets `model.preferParetoNbd` / `model.seasonal` as the backtest's `chosen` candidate asks, when
 * the stored model can carry it; mutates `model` before anything is scored.
 */
export function followChoice(
  model: FittedModel,
  chosen: string | null,
  labels: { chosenLabel: string | null },
  summaries: SummaryRows,
  features: CustomerFeatures,
  asOfDay: number,
  seed: number,
  history: { tx: TransactionColumns; rowOf: Int32Array },
): LiveModel {
  const base = () => livePurchaseModel(model) ?? "the recency/frequency heuristic";
  const chosenLabel = labels.chosenLabel ?? chosen;
  const stays = (why: string): LiveModel => ({
    chosen,
    uses: base(),
    follows: false,
    note: `the backtest found ${chosenLabel} more accurate; live scores use ${base()} ${why}`,
  });
  if (chosen === null || chosen === "bgnbd")
    return { chosen, uses: base(), follows: chosen === null || model.bgnbd !== null, note: null };
  if (chosen === "pareto-nbd") {
    if (!model.bgnbd && model.paretoNbd) return { chosen, uses: "Pareto/NBD", follows: true, note: null };
    // Fitted the backtest's way: on a seeded sample above PARETO_NBD_SAMPLE customers.
    const { converged, r, alpha, s, beta, logLikelihood } = fitParetoNbd(
      sampleSummaryRows(summaries, PARETO_NBD_SAMPLE, seed),
    );
    const params = { r, alpha, s, beta, logLikelihood };
    if (!converged || !Object.values(params).every(Number.isFinite))
      return stays("because its fit on the whole history did not converge");
    model.paretoNbd = params;
    model.preferParetoNbd = true;
    return {
      chosen,
      uses: "Pareto/NBD",
      follows: true,
      note: "live scores use Pareto/NBD, the backtest's most accurate model",
    };
  }
  if (chosen === "bgnbd+seasonal") {
    if (!model.bgnbd) return stays("because the BG/NBD fit on the whole history is unusable");
    const index = seasonalIndex({ features, cutoffDay: asOfDay });
    if (!index) return stays("because the whole history gives no seasonal pattern");
    model.seasonal = { monthly: Array.from(index.monthly), fittedLevel: index.fittedLevel };
    return {
      chosen,
      uses: "BG/NBD, seasonally adjusted",
      follows: true,
      note: "live scores use BG/NBD with the seasonal adjustment, the backtest's most accurate model",
    };
  }
  if (chosen === "bgnbd+learned" || chosen === "bgnbd+learned-blend") {
    if (!model.bgnbd) return stays("because the BG/NBD fit on the whole history is unusable");
    const trees = trainLiveTrees(
      chosen === "bgnbd+learned-blend",
      history.tx,
      features,
      history.rowOf,
      asOfDay,
      model.predictionHorizonDays,
      periodDays(model.periodUnit),
      { utcOffsetMinutes: model.utcOffsetMinutes, seed },
    );
    if (!trees) return stays("because too few customers are old enough to train the trees on the whole history");
    model.learned = trees;
    return {
      chosen,
      uses: "BG/NBD with learned trees",
      follows: true,
      note: `live scores use ${chosenLabel}, the backtest's most accurate model`,
    };
  }
  return stays("because the stored model cannot carry it");
}
