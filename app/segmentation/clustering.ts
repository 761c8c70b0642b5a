// Behavioural clusters: k-means (ml-kmeans, k-means++ with fixed seeds, best of a few starts)
// on log-transformed, standardised features; everyone assigned to the nearest centroid.
// k is the smallest whose silhouette is within SILHOUETTE_TOLERANCE of the best among the k
// whose every cluster has at least `minimumClusterSize` customers; with none, fewer clusters
// than asked, or none at all (and the reason why).
import { kmeans } from "ml-kmeans";
import { carryClusterKeys, previousCentroidsIn, type PreviousClustering } from "./cluster-keys";
import { sampleIndices, seededRandom } from "./random";
import type { ClusterFeature } from "./types";

export const CLUSTER_FEATURES: ClusterFeature[] = ["recencyDays", "orders", "averageOrderValue", "tenureDays"];

/**
 * Silhouettes closer than this to the best count as a tie, and ties go to the smaller k:
 * between k-means starts and silhouette samples the same k already moves by about 0.01.
 */
export const SILHOUETTE_TOLERANCE = 0.02;
/** Every cluster needs max(MIN_CLUSTER_CUSTOMERS, MIN_CLUSTER_SHARE × customers) customers. */
export const MIN_CLUSTER_CUSTOMERS = 25;
export const MIN_CLUSTER_SHARE = 0.05;
/** k-means starts per k (seed, seed + 1, …); the lowest within-cluster sum of squares wins. */
const KMEANS_STARTS = 3;
/**
 * A start from the previous run's centroids wins unless a fresh start is tighter by more than
 * this share of its error. k-means++ from scratch lands in another local optimum when one
 * customer's order moves a seed point, reshuffling a tenth of a cluster between two daily runs
 * of nearly the same orders; the groups a merchant targets should not move for that.
 */
export const WARM_START_TOLERANCE = 0.01;
/** `assignment` of every customer when the run has no clusters. */
export const NO_CLUSTER = 255;

export function minimumClusterSize(customers: number): number {
  return Math.max(MIN_CLUSTER_CUSTOMERS, Math.ceil(MIN_CLUSTER_SHARE * customers));
}

export interface ClusteringModel {
  features: ClusterFeature[];
  mean: number[];
  scale: number[];
  /** Standardised centroids, most valuable cluster first; empty when the run has no clusters. */
  centroids: number[][];
  /** Key of each centroid, carried over from the previous run where it is the same group. */
  keys: string[];
  /** N of the next fresh `cluster-N`: keys are never reused. */
  nextKeyNumber: number;
}

export interface ClusterSelection {
  /** Chosen number of clusters; 0 when there are none. */
  k: number;
  minClusterSize: number;
  silhouetteTolerance: number;
  /** Estimated customers in the smallest cluster, per k tried. */
  smallestClusterByK: Record<number, number>;
  /** Why there are fewer clusters than asked, or none; null otherwise. */
  reason: string | null;
}

export interface ClusteringResult {
  model: ClusteringModel;
  /** Index into `model.centroids`, or NO_CLUSTER. */
  assignment: Uint8Array;
  silhouetteByK: Record<number, number>;
  silhouette: number;
  selection: ClusterSelection;
  /** Each feature's values over the k-means sample, ascending: the shop's own distribution. */
  distribution: Record<ClusterFeature, Float64Array>;
}

export interface ClusteringOptions {
  kMin: number;
  kMax: number;
  sampleSize: number;
  silhouetteSampleSize: number;
  seed: number;
  /** The last run's clustering, so groups found again keep their keys. */
  previous?: PreviousClustering | null;
}

/** Heavy-tailed counts and money become roughly symmetric on a log scale. */
function transform(value: number): number {
  return Math.log1p(Math.max(0, value));
}

interface Candidate {
  k: number;
  centroids: number[][];
  silhouette: number;
  smallest: number;
}

/**
 * The rule, on the k tried: among those whose smallest cluster reaches `minSize`, the smallest
 * k with a silhouette within `tolerance` of the best. Null when no k qualifies.
 */
export function chooseClusterCount(
  candidates: readonly { k: number; silhouette: number; smallest: number }[],
  minSize: number,
  tolerance = SILHOUETTE_TOLERANCE,
): number | null {
  const eligible = candidates.filter((c) => c.smallest >= minSize);
  if (eligible.length === 0) return null;
  const best = Math.max(...eligible.map((c) => c.silhouette));
  return Math.min(...eligible.filter((c) => c.silhouette >= best - tolerance).map((c) => c.k));
}

export function clusterCustomers(
  columns: Record<ClusterFeature, Float64Array>,
  count: number,
  options: ClusteringOptions,
): ClusteringResult {
  const dims = CLUSTER_FEATURES.length;
  const mean = new Array<number>(dims).fill(0);
  const scale = new Array<number>(dims).fill(1);
  CLUSTER_FEATURES.forEach((feature, d) => {
    const values = columns[feature];
    let sum = 0;
    let sumSquares = 0;
    for (let c = 0; c < count; c++) {
      const v = transform(values[c]);
      sum += v;
      sumSquares += v * v;
    }
    mean[d] = count > 0 ? sum / count : 0;
    const variance = count > 0 ? sumSquares / count - mean[d] * mean[d] : 0;
    // A constant feature carries no information: scale 1 leaves it at 0 for everyone.
    scale[d] = variance > 1e-12 ? Math.sqrt(variance) : 1;
  });
  const standardise = (c: number, out: number[]) => {
    for (let d = 0; d < dims; d++) out[d] = (transform(columns[CLUSTER_FEATURES[d]][c]) - mean[d]) / scale[d];
    return out;
  };

  const random = seededRandom(options.seed);
  const sampled = sampleIndices(count, options.sampleSize, random);
  const sample = Array.from(sampled, (c) => standardise(c, new Array<number>(dims)));
  const distribution = {} as Record<ClusterFeature, Float64Array>;
  for (const feature of CLUSTER_FEATURES)
    distribution[feature] = Float64Array.from(sampled, (c) => columns[feature][c]).sort();
  const distinctPoints = countDistinct(sample, options.kMax + 1);
  const minClusterSize = minimumClusterSize(count);

  const silhouetteByK: Record<number, number> = {};
  const smallestClusterByK: Record<number, number> = {};
  const silhouettePositions = sampleIndices(sample.length, options.silhouetteSampleSize, random);
  const silhouettePoints = Array.from(silhouettePositions, (i) => sample[i]);
  const candidates: Candidate[] = [];
  const previousCentroids = previousCentroidsIn({ features: CLUSTER_FEATURES, mean, scale }, options.previous);
  const tryK = (k: number) => {
    const warm = previousCentroids?.length === k ? previousCentroids : undefined;
    const fit = bestOfStarts(sample, k, options.seed, warm);
    const silhouette = meanSilhouette(
      silhouettePoints,
      Array.from(silhouettePositions, (i) => fit.clusters[i]),
      k,
    );
    const sizes = new Float64Array(k);
    for (const label of fit.clusters) sizes[label]++;
    // Sizes on the sample, scaled to the whole shop.
    const smallest = Math.round((Math.min(...sizes) / sample.length) * count);
    silhouetteByK[k] = silhouette;
    smallestClusterByK[k] = smallest;
    candidates.push({ k, centroids: fit.centroids, silhouette, smallest });
  };

  let reason: string | null = null;
  let chosen: Candidate | null = null;
  const most = Math.min(options.kMax, distinctPoints);
  if (count < 2 * minClusterSize) {
    reason = `No behavioural clusters: ${count} customers are too few for two groups of at least ${minClusterSize}`;
  } else if (most < 2) {
    reason = "No behavioural clusters: the customers are too alike to split";
  } else {
    for (let k = options.kMin; k <= most; k++) tryK(k);
    let k = chooseClusterCount(candidates, minClusterSize);
    if (k === null) {
      // Fewer clusters than asked rather than clusters too small to act on.
      for (let fewer = Math.min(options.kMin, most + 1) - 1; fewer >= 2; fewer--) tryK(fewer);
      k = chooseClusterCount(candidates, minClusterSize);
      reason =
        k === null
          ? `No behavioural clusters: every split into 2 to ${most} groups leaves a group under ${minClusterSize} customers`
          : `${k} behavioural clusters instead of at least ${options.kMin}: more would leave a group under ${minClusterSize} customers`;
    }
    chosen = candidates.find((c) => c.k === k) ?? null;
  }

  const centroids = chosen ? orderByValue(chosen.centroids) : [];
  const carried = carryClusterKeys({ features: CLUSTER_FEATURES, mean, scale, centroids }, options.previous);
  const model: ClusteringModel = {
    features: CLUSTER_FEATURES,
    mean,
    scale,
    centroids,
    keys: carried.keys,
    nextKeyNumber: carried.nextKeyNumber,
  };

  const assignment = new Uint8Array(count).fill(NO_CLUSTER);
  const point = new Array<number>(dims);
  if (centroids.length > 0)
    for (let c = 0; c < count; c++) assignment[c] = nearestCentroid(centroids, standardise(c, point));
  return {
    model,
    assignment,
    silhouetteByK,
    silhouette: chosen?.silhouette ?? 0,
    selection: {
      k: centroids.length,
      minClusterSize,
      silhouetteTolerance: SILHOUETTE_TOLERANCE,
      smallestClusterByK,
      reason,
    },
    distribution,
  };
}

/**
 * k-means from a few seeded k-means++ starts; the tightest fit (least squared error) wins, except
 * that a start from `warm` (the previous run's centroids) wins within WARM_START_TOLERANCE.
 */
function bestOfStarts(sample: number[][], k: number, seed: number, warm?: number[][]) {
  const fit = (initialization: "kmeans++" | number[][], start: number) => {
    const result = kmeans(sample, k, { initialization, seed: seed + start, maxIterations: 300, tolerance: 1e-12 });
    return { clusters: result.clusters, centroids: result.centroids, error: squaredError(sample, result) };
  };
  let best = fit("kmeans++", 0);
  for (let start = 1; start < KMEANS_STARTS; start++) {
    const next = fit("kmeans++", start);
    if (next.error < best.error - 1e-9) best = next;
  }
  if (warm) {
    const continued = fit(
      warm.map((centroid) => centroid.slice()),
      KMEANS_STARTS,
    );
    if (continued.error <= best.error * (1 + WARM_START_TOLERANCE)) best = continued;
  }
  return best;
}

function squaredError(sample: number[][], fit: { clusters: number[]; centroids: number[][] }): number {
  let error = 0;
  for (let i = 0; i < sample.length; i++) {
    const p = sample[i];
    const q = fit.centroids[fit.clusters[i]];
    for (let d = 0; d < p.length; d++) error += (p[d] - q[d]) ** 2;
  }
  return error;
}

/** Cluster index of one customer's raw feature values against a stored model; -1 without clusters. */
export function assignCluster(
  model: Pick<ClusteringModel, "features" | "mean" | "scale" | "centroids">,
  values: Record<ClusterFeature, number>,
): number {
  if (model.centroids.length === 0) return -1;
  const point = model.features.map((feature, d) => (transform(values[feature]) - model.mean[d]) / model.scale[d]);
  return nearestCentroid(model.centroids, point);
}

function nearestCentroid(centroids: number[][], point: number[]): number {
  let best = 0;
  let bestDistance = Infinity;
  for (let k = 0; k < centroids.length; k++) {
    const centroid = centroids[k];
    let distance = 0;
    for (let d = 0; d < point.length; d++) {
      const diff = point[d] - centroid[d];
      distance += diff * diff;
    }
    if (distance < bestDistance) {
      bestDistance = distance;
      best = k;
    }
  }
  return best;
}

/** Value score of a standardised centroid: frequent, high-spend and recent ranks first. */
function clusterValue(centroid: number[]): number {
  return centroid[1] + centroid[2] - centroid[0];
}

function orderByValue(centroids: number[][]): number[][] {
  return centroids.slice().sort((p, q) => clusterValue(q) - clusterValue(p));
}

/** Mean silhouette coefficient of a (small) labelled sample: O(n²). */
function meanSilhouette(points: number[][], labels: number[], k: number): number {
  const sums = new Float64Array(k);
  const sizes = new Float64Array(k);
  for (const label of labels) sizes[label]++;
  let total = 0;
  for (let i = 0; i < points.length; i++) {
    sums.fill(0);
    const p = points[i];
    for (let j = 0; j < points.length; j++) {
      if (j === i) continue;
      const q = points[j];
      let d2 = 0;
      for (let d = 0; d < p.length; d++) {
        const diff = p[d] - q[d];
        d2 += diff * diff;
      }
      sums[labels[j]] += Math.sqrt(d2);
    }
    const own = labels[i];
    if (sizes[own] <= 1) continue; // singleton clusters score 0 by convention
    const a = sums[own] / (sizes[own] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && sizes[c] > 0) b = Math.min(b, sums[c] / sizes[c]);
    if (Number.isFinite(b)) total += (b - a) / Math.max(a, b, 1e-12);
  }
  return points.length > 0 ? total / points.length : 0;
}

function countDistinct(points: number[][], atMost: number): number {
  const seen = new Set<string>();
  for (const p of points) {
    seen.add(p.join(","));
    if (seen.size >= atMost) break;
  }
  return seen.size;
}

const WORDS: Record<ClusterFeature, [low: string, high: string]> = {
  recencyDays: ["recent", "lapsed"],
  orders: ["infrequent", "frequent"],
  averageOrderValue: ["low spend", "high spend"],
  tenureDays: ["new", "long-standing"],
};

/**
 * Standardised distance from the shop average that earns a word. A quarter of a standard
 * deviation: a big cluster sits close to the overall mean yet still differs in kind.
 */
const NOTABLE_Z = 0.25;

/** "frequent, high spend, recent": the features on which the centroid is notably off average. */
export function describeCentroid(model: Pick<ClusteringModel, "features">, centroid: number[]): string {
  const order: ClusterFeature[] = ["orders", "averageOrderValue", "recencyDays", "tenureDays"];
  const words: string[] = [];
  for (const feature of order) {
    const z = centroid[model.features.indexOf(feature)];
    if (z > NOTABLE_Z) words.push(WORDS[feature][1]);
    else if (z < -NOTABLE_Z) words.push(WORDS[feature][0]);
  }
  return words.length > 0 ? words.join(", ") : "average on every measure";
}

/** Centroid in natural units (the inverse of the log-standardisation). */
export function centroidInUnits(
  model: Pick<ClusteringModel, "features" | "mean" | "scale">,
  centroid: number[],
): Record<ClusterFeature, number> {
  const out = {} as Record<ClusterFeature, number>;
  model.features.forEach((feature, d) => {
    out[feature] = Math.expm1(centroid[d] * model.scale[d] + model.mean[d]);
  });
  return out;
}
