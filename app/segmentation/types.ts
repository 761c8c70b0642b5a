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
  /** Churn risk from which a customer is "High churn risk": 0.75 fixed, or the cut-off the shop's backtest measured. */
  churnRiskHighFrom: number;
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

export interface ParetoNbdParameters {
  r: number;
  alpha: number;
  s: number;
  beta: number;
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
  /** Stable kebab-case key, e.g. `rfm-champions`, `cluster-2`, `lifecycle-active` (cluster keys carry over between runs). */
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
  /** "Recent first-timers": from the centroid's place in the shop's distribution, unique in the run. */
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
  /** Used for purchase predictions when BG/NBD is null because its fit was unusable (absent in older stored models). */
  paretoNbd?: ParetoNbdParameters | null;
  /**
   * The backtest chose Pareto/NBD over a usable BG/NBD: Pareto/NBD (fitted on a sample, as in
   * the backtest) drives the predictions. Absent in older stored models.
   */
  preferParetoNbd?: boolean;
  /**
   * The backtest chose the seasonal adjustment: exp(effect) per calendar month 0..11 and the mean
   * multiplier over the fitted history. Expected orders over a horizon are scaled by the horizon's
   * mean multiplier over that level, CLV month by month. Absent or null: no adjustment.
   */
  seasonal?: { monthly: number[]; fittedLevel: number } | null;
  /**
   * The backtest chose BG/NBD with learned trees: the trees fitted on the whole history, which
   * scale BG/NBD's purchase rate customer by customer. Absent or null: plain BG/NBD.
   */
  learned?: StoredLearnedTrees | null;
  gammaGamma: GammaGammaParameters | null;
  /** Why a model is missing, if it is. */
  fallbackReason: string | null;
  /** Cut-off of "High churn risk" (absent in older stored models: the fixed 0.75). */
  churnRiskHighFrom?: number;
  /** Shop-level figures the fallbacks use. */
  shop: { meanOrderValue: number; lapseDays: number };
  /** Score s ∈ 2..5 iff value > thresholds[s-2] (recency is negated so larger is better). */
  rfmThresholds: { recency: number[]; frequency: number[]; monetary: number[] };
  clustering: {
    features: ClusterFeature[];
    mean: number[];
    scale: number[];
    /** Standardised centroids, most valuable first; empty when the run made no clusters. */
    centroids: number[][];
    /** Key of each centroid; absent in models stored before keys carried over (then cluster-1 …). */
    keys?: string[];
    /** N of the next fresh `cluster-N`; keys are never reused. */
    nextKeyNumber?: number;
  };
  lifecycle: LifecycleOptions & { lapseDays: number };
}

/** Gradient-boosted trees as plain JSON (see learned-model.ts); a few hundred nodes at most. */
export interface StoredLearnedTrees {
  /** The feature columns the trees split on, in order: trees built on other columns are not applied. */
  features: string[];
  /** Constant log correction on top of BG/NBD's expectation. */
  base: number;
  /** Share of the learned prediction in w · learned + (1 − w) · BG/NBD (1 for the plain candidate). */
  blendWeight: number;
  /** Days of the training window H'. */
  trainingWindowDays: number;
  /** Breadth-first nodes of each tree; feature −1 is a leaf (arrays end at the last reachable node). */
  trees: { feature: number[]; threshold: number[]; value: number[] }[];
}
