// Public API of the segmentation engine. Pure TypeScript: no I/O, no framework imports.
export { analyzeShop } from "./analyze";
export type { AnalysisDiagnostics, AnalysisHooks, CustomerResults, FeatureName, ScoreFeatureName, ShopAnalysis } from "./analyze";
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
