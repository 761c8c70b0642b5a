// analyzeShop: transactions in, every customer scored and segmented out.
import { compressSummaries } from "./bgnbd";
import { dayLabel, dayNumber } from "./calendar";
import type { PreviousClustering } from "./cluster-keys";
import { nameClusters } from "./cluster-names";
import { centroidInUnits, clusterCustomers, describeCentroid, type ClusterSelection } from "./clustering";
import { buildCohorts } from "./cohorts";
import { buildCustomerFeatures, type BaseFeatureColumns } from "./features";
import type { FitWarning } from "./fit-diagnostics";
import { fitPurchaseModel, fitSpendModel } from "./fit-models";
import { followChoice, type LiveModel } from "./live-model";
import { spendRows } from "./gamma-gamma";
import { churnRiskLevel, deriveLapseDays, lifecycleStage, type LifecycleInput } from "./lifecycle";
import { periodDays, resolveOptions } from "./options";
import { scoreCustomers, type ScoreFeatureName } from "./score-all";
import { explainRfm, negated, quintileThresholds, rfmSegmentIndex, scoreColumn } from "./rfm";
import { CHURN_RISK_LEVELS, LIFECYCLE_STAGES, RFM_SEGMENTS, summarise } from "./segments";
import type {
  AnalysisOptions,
  AnalysisOptionsInput,
  ClusterDescription,
  CohortTable,
  FittedModel,
  SegmentDefinition,
  SegmentSummary,
  TransactionColumns,
} from "./types";

/** Every per-customer number, by name: what merchant rules will be written against. */
export type FeatureName = keyof BaseFeatureColumns | ScoreFeatureName;
export type { ScoreFeatureName };

export interface CustomerResults {
  count: number;
  ids: string[];
  /** Position of each customer in the input's `customerIds`. */
  sourceIndex: Int32Array;
  features: Record<FeatureName, Float64Array>;
  rfm: { recency: Uint8Array; frequency: Uint8Array; monetary: Uint8Array; segment: Uint8Array };
  /** Index into `ShopAnalysis.clusters`; NO_CLUSTER (255) when the run has no clusters. */
  cluster: Uint8Array;
  /** Index into LIFECYCLE_STAGES. */
  lifecycle: Uint8Array;
  /** Index into CHURN_RISK_LEVELS. */
  churnRiskLevel: Uint8Array;
  /** Epoch ms of the median next-order day if the customer stays active. */
  nextOrderAt: Float64Array;
  /** One line per customer; empty when `options.explanations` is false. */
  explanations: string[];
}

export interface AnalysisDiagnostics {
  transactions: number;
  rowsAfterAsOf: number;
  rowsWithoutOrder: number;
  repeatCustomers: number;
  /** Distinct (x, t_x, T) rows the BG/NBD likelihood runs over. */
  bgnbdRows: number;
  bgnbdConverged: boolean | null;
  gammaGammaCustomers: number;
  gammaGammaConverged: boolean | null;
  silhouetteByK: Record<number, number>;
  /** How k was chosen: minimum cluster size, tolerance, smallest cluster per k, any reason for fewer. */
  clusterSelection: ClusterSelection;
  warnings: string[];
  /** Every model fit's diagnosis (codes, severity, message); the messages also appear in `warnings`. */
  modelWarnings: FitWarning[];
  /** Estimates and natural-scale standard errors of each model fitted, including fits set aside. */
  modelFits: ModelFitSummary[];
  /** What the live predictions use against the prediction check's choice; null when no choice was given. */
  liveModel: LiveModel | null;
}

export interface ModelFitSummary {
  model: FitWarning["model"];
  /** Whether predictions use this fit. */
  used: boolean;
  estimate: Record<string, number>;
  standardErrors: Record<string, number> | null;
}

export interface ShopAnalysis {
  asOf: number;
  asOfDay: string;
  options: AnalysisOptions;
  customers: CustomerResults;
  /** Every segment of every kind, with size, revenue and average CLV. */
  segments: SegmentSummary[];
  clusters: ClusterDescription[];
  cohorts: CohortTable;
  model: FittedModel;
  diagnostics: AnalysisDiagnostics;
  timings: { stage: string; ms: number }[];
}

export interface AnalysisHooks {
  /** Called after each stage (for benchmarks and job progress). */
  onStage?: (stage: string, ms: number) => void;
  /** The shop's last stored clustering (`model.clustering`): groups found again keep their keys. */
  previousClustering?: PreviousClustering | null;
  /** The prediction check's chosen candidate: the live predictions follow it where the stored model can (live-model.ts). */
  modelChoice?: { chosen: string | null; label: string | null } | null;
}

export function analyzeShop(
  tx: TransactionColumns,
  input: AnalysisOptionsInput,
  hooks: AnalysisHooks = {},
): ShopAnalysis {
  const options = resolveOptions(input);
  const asOf = typeof options.asOf === "number" ? options.asOf : options.asOf.getTime();
  const asOfDay = dayNumber(asOf, options.utcOffsetMinutes);
  const unit = periodDays(options.periodUnit);
  const timings: { stage: string; ms: number }[] = [];
  let stageStart = performance.now();
  const endStage = (stage: string) => {
    const now = performance.now();
    timings.push({ stage, ms: now - stageStart });
    hooks.onStage?.(stage, now - stageStart);
    stageStart = now;
  };
  const warnings: string[] = [];

  // Features
  const base = buildCustomerFeatures(tx, asOfDay, options.utcOffsetMinutes, unit);
  const n = base.count;
  const f = base.columns;
  if (base.rowsAfterAsOf > 0)
    warnings.push(`${base.rowsAfterAsOf} transactions after the as-of day ${dayLabel(asOfDay)} were ignored`);
  if (base.rowsWithoutOrder > 0)
    warnings.push(`${base.rowsWithoutOrder} refund rows of customers without any order were ignored`);
  endStage("features");

  // RFM
  // Recency is scored on −days: more recent scores higher.
  const recencyValue = negated(f.recencyDays);
  const rfmThresholds = {
    recency: quintileThresholds(recencyValue),
    frequency: quintileThresholds(f.orders),
    monetary: quintileThresholds(f.totalSpend),
  };
  const rfm = {
    recency: new Uint8Array(n),
    frequency: new Uint8Array(n),
    monetary: new Uint8Array(n),
    segment: new Uint8Array(n),
  };
  scoreColumn(recencyValue, rfmThresholds.recency, rfm.recency);
  scoreColumn(f.orders, rfmThresholds.frequency, rfm.frequency);
  scoreColumn(f.totalSpend, rfmThresholds.monetary, rfm.monetary);
  for (let c = 0; c < n; c++) rfm.segment[c] = rfmSegmentIndex(rfm.recency[c], rfm.frequency[c], rfm.monetary[c]);
  endStage("rfm");

  // k-means
  const clustering = clusterCustomers(f, n, {
    kMin: options.kMin,
    kMax: options.kMax,
    sampleSize: options.kmeansSampleSize,
    silhouetteSampleSize: options.silhouetteSampleSize,
    seed: options.seed,
    previous: hooks.previousClustering,
  });
  if (clustering.selection.reason) warnings.push(clustering.selection.reason);
  endStage("kmeans");

  // Model fits
  const spanDays = new Int32Array(n);
  const ageDays = new Int32Array(n);
  let repeatCustomers = 0;
  let totalOrders = 0;
  let totalSpend = 0;
  for (let c = 0; c < n; c++) {
    spanDays[c] = base.lastDay[c] - base.firstDay[c];
    ageDays[c] = asOfDay - base.firstDay[c];
    if (f.frequency[c] > 0) repeatCustomers++;
    totalOrders += f.orders[c];
    totalSpend += f.totalSpend[c];
  }
  const { rows: summaries, rowOf } = compressSummaries(f.frequency, spanDays, ageDays, unit);
  const purchaseModel = fitPurchaseModel(summaries, repeatCustomers, options.minRepeatCustomersForModel);
  if (purchaseModel.reason) warnings.push(purchaseModel.reason);
  const paretoNbd = purchaseModel.paretoNbd;
  endStage("bgnbd-fit");

  const spend = spendRows(f.frequency, f.repeatSpend);
  const spendModel = fitSpendModel(spend, options.minRepeatCustomersForModel);
  if (spendModel.reason) warnings.push(spendModel.reason);
  endStage("gamma-gamma-fit");
  const modelWarnings = [...purchaseModel.warnings, ...(paretoNbd?.warnings ?? []), ...spendModel.warnings];
  // Unusable fits are already explained by their reason; the cautions are news.
  for (const w of modelWarnings) if (w.severity === "caution") warnings.push(w.message);
  const modelFits: ModelFitSummary[] = [];
  const addFit = (
    model: ModelFitSummary["model"],
    fit: { params: object | null; estimate: object | null; standardErrors: Record<string, number> | null },
  ) => {
    if (fit.estimate)
      modelFits.push({
        model,
        used: fit.params !== null,
        estimate: { ...fit.estimate } as Record<string, number>,
        standardErrors: fit.standardErrors,
      });
  };
  addFit("BG/NBD", purchaseModel);
  if (paretoNbd) addFit("Pareto/NBD", paretoNbd);
  addFit("Gamma-Gamma", spendModel);

  const lapseDays = options.lifecycle.lapseDays ?? deriveLapseDays(f.interPurchaseDays, f.purchaseDays);
  const model: FittedModel = {
    version: 1,
    asOf,
    periodUnit: options.periodUnit,
    utcOffsetMinutes: options.utcOffsetMinutes,
    predictionHorizonDays: options.predictionHorizonDays,
    clvHorizonMonths: options.clvHorizonMonths,
    monthlyDiscountRate: options.monthlyDiscountRate,
    bgnbd: purchaseModel.params,
    paretoNbd: paretoNbd?.params ?? null,
    gammaGamma: spendModel.params,
    fallbackReason: purchaseModel.reason,
    churnRiskHighFrom: options.churnRiskHighFrom,
    shop: {
      meanOrderValue: totalOrders > 0 ? totalSpend / totalOrders : 0,
      lapseDays,
    },
    rfmThresholds,
    clustering: clustering.model,
    lifecycle: { ...options.lifecycle, lapseDays },
  };

  const live = hooks.modelChoice
    ? followChoice(
        model,
        hooks.modelChoice.chosen,
        { chosenLabel: hooks.modelChoice.label },
        summaries,
        base,
        asOfDay,
        options.seed,
        { tx, rowOf },
      )
    : null;
  if (live?.note && !live.follows) warnings.push(live.note);
  if (model.preferParetoNbd && model.paretoNbd) {
    for (const fit of modelFits) if (fit.model === "BG/NBD") fit.used = false;
    modelFits.push({ model: "Pareto/NBD", used: true, estimate: { ...model.paretoNbd }, standardErrors: null });
  }
  if (live) endStage("live model");

  const { scores, nextOrderAt } = scoreCustomers(model, summaries, rowOf, f, rfm, clustering.assignment, asOfDay, base);
  endStage("scoring");

  // Lifecycle, churn risk, explanations, segment totals, cohorts.
  const lifecycle = new Uint8Array(n);
  const churnLevel = new Uint8Array(n);
  const stageInput: LifecycleInput = {
    recencyDays: 0,
    tenureDays: 0,
    purchaseDays: 0,
    interPurchaseDays: 0,
    lastGapDays: 0,
    pAlive: 0,
  };
  for (let c = 0; c < n; c++) {
    stageInput.recencyDays = f.recencyDays[c];
    stageInput.tenureDays = f.tenureDays[c];
    stageInput.purchaseDays = f.purchaseDays[c];
    stageInput.interPurchaseDays = f.interPurchaseDays[c];
    stageInput.lastGapDays = f.lastGapDays[c];
    stageInput.pAlive = scores.pAlive[c];
    lifecycle[c] = lifecycleStage(model.lifecycle, stageInput);
    churnLevel[c] = churnRiskLevel(scores.churnRisk[c], options.churnRiskHighFrom);
  }
  const explanations: string[] = options.explanations ? new Array<string>(n) : [];
  if (options.explanations) {
    for (let c = 0; c < n; c++)
      explanations[c] = explainRfm(f.recencyDays[c], f.orders[c], rfm.monetary[c], rfm.segment[c]);
  }

  const centroidsInUnits = clustering.model.centroids.map((centroid) => centroidInUnits(clustering.model, centroid));
  const clusterNames = nameClusters(centroidsInUnits, clustering.distribution);
  const clusters: ClusterDescription[] = clustering.model.centroids.map((centroid, k) => ({
    key: clustering.model.keys[k],
    name: clusterNames[k],
    description: describeCentroid(clustering.model, centroid),
    size: 0,
    centroid: centroidsInUnits[k],
  }));
  for (let c = 0; c < n; c++) if (clustering.assignment[c] < clusters.length) clusters[clustering.assignment[c]].size++;
  const clusterDefinitions: SegmentDefinition[] = clusters.map(({ key, name, description }) => ({
    key,
    kind: "cluster",
    name,
    description,
  }));
  const segments = [
    ...summarise(RFM_SEGMENTS, rfm.segment, f.totalSpend, scores.clv),
    ...summarise(clusterDefinitions, clustering.assignment, f.totalSpend, scores.clv),
    ...summarise(LIFECYCLE_STAGES, lifecycle, f.totalSpend, scores.clv),
    ...summarise(CHURN_RISK_LEVELS, churnLevel, f.totalSpend, scores.clv),
  ];
  const cohorts = buildCohorts(base, tx.amount, asOfDay, options.cohortMonths);
  endStage("segments");

  const ids = new Array<string>(n);
  for (let c = 0; c < n; c++) ids[c] = tx.customerIds[base.sourceIndex[c]];

  return {
    asOf,
    asOfDay: dayLabel(asOfDay),
    options,
    customers: {
      count: n,
      ids,
      sourceIndex: base.sourceIndex,
      features: { ...f, ...scores },
      rfm,
      cluster: clustering.assignment,
      lifecycle,
      churnRiskLevel: churnLevel,
      nextOrderAt,
      explanations,
    },
    segments,
    clusters,
    cohorts,
    model,
    diagnostics: {
      transactions: tx.customer.length,
      rowsAfterAsOf: base.rowsAfterAsOf,
      rowsWithoutOrder: base.rowsWithoutOrder,
      repeatCustomers,
      bgnbdRows: summaries.count,
      bgnbdConverged: purchaseModel.converged,
      gammaGammaCustomers: spend.count,
      gammaGammaConverged: spendModel.converged,
      silhouetteByK: clustering.silhouetteByK,
      clusterSelection: clustering.selection,
      warnings,
      modelWarnings,
      modelFits,
      liveModel: live,
    },
    timings,
  };
}
