// Public data shapes of the engine. Everything per customer is a column (typed array or
// plain array) indexed by the customer's position in `CustomerResults.ids`.

export type PeriodUnit = "day" | "week";

/**
 * The engine's input: one row per order (or refund), columnar. Build it with
 * `TransactionColumnsBuilder` or directly when the data already sits in typed arrays.
 */
export interface TransactionColumns {
  /** Distinct customer ids; `customer[row]` indexes into this table. */
  customerIds: string[];
  customer: Int32Array;
  /** Order time, epoch milliseconds. */
  time: Float64Array;
  /** Amount in shop currency. Negative rows are refunds: they reduce spend but are not orders. */
  amount: Float64Array;
}

export interface LifecycleOptions {
  /** First order at most this many days ago → "new". */
  newCustomerDays: number;
  /** Days without an order after which a customer counts as lapsed; null derives it from the shop's own purchase gaps. */
  lapseDays: number | null;
  /** P(alive) below this → "at risk". */
  atRiskBelowPAlive: number;
  /** P(alive) below this → "churned". */
  churnedBelowPAlive: number;
}

export interface AnalysisOptions {
  /** Analysis date: orders after this shop-local day are ignored. */
  asOf: Date | number;
  /** BG/NBD time unit: the paper uses weeks; shops default to days. */
  periodUnit: PeriodUnit;
  /** Shop time zone offset, which decides what "the same day" means. */
  utcOffsetMinutes: number;
  clvHorizonMonths: number;
  monthlyDiscountRate: number;
  /** Horizon of `expectedOrders`. */
  predictionHorizonDays: number;
  kMin: number;
  kMax: number;
  /** k-means is fitted on a sample of this many customers, then everyone is assigned. */
  kmeansSampleSize: number;
  silhouetteSampleSize: number;
  seed: number;
  /** Fewer repeat customers than this → no BG/NBD fit, RFM-based fallback predictions. */
  minRepeatCustomersForModel: number;
  lifecycle: LifecycleOptions;
  /** Longest "months since first order" column in the cohort table. */
  cohortMonths: number;
  /** Build the one-line explanation per customer (string column). */
  explanations: boolean;
}

export type AnalysisOptionsInput = Partial<Omit<AnalysisOptions, "lifecycle">> & {
  asOf: Date | number;
  lifecycle?: Partial<LifecycleOptions>;
};

export interface BgNbdParameters {
  r: number;
  alpha: number;
  a: number;
  b: number;
  logLikelihood: number;
}

export interface GammaGammaParameters {
  p: number;
  q: number;
  gamma: number;
  logLikelihood: number;
}

export type SegmentKind = "rfm" | "cluster" | "lifecycle" | "churn-risk";

export interface SegmentDefinition {
  /** Stable kebab-case key, e.g. `rfm-champions`, `cluster-2`, `lifecycle-active`. */
  key: string;
  kind: SegmentKind;
  name: string;
  description: string;
}

export interface SegmentSummary extends SegmentDefinition {
  size: number;
  revenue: number;
  averageClv: number;
}

export interface ClusterDescription {
  key: string;
  name: string;
  /** "frequent, high spend, recent" */
  description: string;
  size: number;
  /** Centroid back in natural units (geometric-mean-like, from the log scale). */
  centroid: Record<ClusterFeature, number>;
}

export type ClusterFeature = "recencyDays" | "orders" | "averageOrderValue" | "tenureDays";

export interface CohortRow {
  /** Acquisition month "YYYY-MM". */
  month: string;
  customers: number;
  /** [m] = customers of the cohort with an order m months after their first month. */
  retained: number[];
  /** [m] = net revenue from the cohort m months after their first month. */
  revenue: number[];
}

export interface CohortTable {
  months: number;
  rows: CohortRow[];
}

/** Serialisable everything-needed-to-score-one-customer-later, stored with each run. */
export interface FittedModel {
  version: 1;
  asOf: number;
  periodUnit: PeriodUnit;
  utcOffsetMinutes: number;
  predictionHorizonDays: number;
  clvHorizonMonths: number;
  monthlyDiscountRate: number;
  bgnbd: BgNbdParameters | null;
  gammaGamma: GammaGammaParameters | null;
  /** Why a model is missing, if it is. */
  fallbackReason: string | null;
  /** Shop-level figures the fallbacks use. */
  shop: { meanOrderValue: number; lapseDays: number };
  /** Score s ∈ 2..5 iff value > thresholds[s-2] (recency is negated so larger is better). */
  rfmThresholds: { recency: number[]; frequency: number[]; monetary: number[] };
  clustering: {
    features: ClusterFeature[];
    mean: number[];
    scale: number[];
    /** Standardised centroids in cluster-key order (cluster-1 first). */
    centroids: number[][];
  };
  lifecycle: LifecycleOptions & { lapseDays: number };
}
