// Public API of the segmentation engine. Pure TypeScript: no I/O, no framework imports.
export { analyzeShop } from "./analyze";
export type {
  AnalysisDiagnostics,
  AnalysisHooks,
  CustomerResults,
  FeatureName,
  ScoreFeatureName,
  ShopAnalysis,
} from "./analyze";
export { scoreCustomer, summarizeOrders } from "./score-customer";
export type { CustomerScore, CustomerSummary } from "./score-customer";
export { TransactionColumnsBuilder } from "./transactions";
export { DEFAULT_OPTIONS, resolveOptions } from "./options";
export { RFM_SEGMENT_RULES } from "./rfm";
export { CHURN_RISK_LEVELS, LIFECYCLE_STAGES, RFM_SEGMENTS, clusterKey } from "./segments";
export { fitBgNbd, compressSummaries, probabilityAlive, expectedPurchases } from "./bgnbd";
export { fitGammaGamma, expectedAverageSpend } from "./gamma-gamma";
export { segmentKeysOf } from "./memberships";
export type * from "./types";
export { BGNBD_CANDIDATE, calibrationContext, chooseModel, fitOnce, runBacktest } from "./backtest";
export type {
  BacktestMetrics,
  BacktestOptions,
  BacktestResult,
  CalibrationContext,
  FittedCandidate,
  ModelBacktest,
  ModelChoice,
  PurchaseModelCandidate,
} from "./backtest";
export { dataSufficiency, SUFFICIENCY_THRESHOLDS } from "./data-sufficiency";
export type { SufficiencyVerdict } from "./data-sufficiency";
export { measureLabelThresholds, TARGET_REPURCHASE_RATE } from "./label-thresholds";
export type { MeasuredThreshold, MeasuredThresholds } from "./label-thresholds";
export { choosePurchaseModel, PURCHASE_MODEL_CANDIDATES } from "./choose-model";
export type { LivePredictions, PurchaseModelChoice } from "./choose-model";
export { PARETO_NBD_CANDIDATE } from "./pareto-nbd-candidate";
export { seasonalCandidate, SEASONAL_MIN_HISTORY_DAYS } from "./seasonality";
export { learnedCandidate } from "./learned-model";
