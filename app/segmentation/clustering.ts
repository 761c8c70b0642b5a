// Behavioural clusters: k-means (ml-kmeans, k-means++ with a fixed seed) on log-transformed,
// standardised features, k chosen by silhouette on a sample, then every customer assigned to
// its nearest centroid.
import { kmeans } from "ml-kmeans";
import { sampleIndices, seededRandom } from "./random";
import type { ClusterFeature } from "./types";

export const CLUSTER_FEATURES: ClusterFeature[] = ["recencyDays", "orders", "averageOrderValue", "tenureDays"];

export interface ClusteringModel {
  features: ClusterFeature[];
  mean: number[];
  scale: number[];
  /** Standardised centroids, most valuable cluster first. */
  centroids: number[][];
}

export interface ClusteringResult {
  model: ClusteringModel;
  assignment: Uint8Array;
  silhouetteByK: Record<number, number>;
  silhouette: number;
}

export interface ClusteringOptions {
  kMin: number;
  kMax: number;
  sampleSize: number;
  silhouetteSampleSize: number;
  seed: number;
}

/** Heavy-tailed counts and money become roughly symmetric on a log scale. */
function transform(value: number): number {
  return Math.log1p(Math.max(0, value));
}

export function clusterCustomers(columns: Record<ClusterFeature, Float64Array>, count: number, options: ClusteringOptions): ClusteringResult {
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
  const sample = Array.from(sampleIndices(count, options.sampleSize, random), (c) => standardise(c, new Array<number>(dims)));
  const distinctPoints = countDistinct(sample, options.kMax + 1);

  let best: { k: number; centroids: number[][]; silhouette: number } | null = null;
  const silhouetteByK: Record<number, number> = {};
  const silhouettePositions = sampleIndices(sample.length, options.silhouetteSampleSize, random);
  for (let k = options.kMin; k <= Math.min(options.kMax, distinctPoints); k++) {
    const fit = kmeans(sample, k, { initialization: "kmeans++", seed: options.seed, maxIterations: 100 });
    const silhouette = meanSilhouette(
      Array.from(silhouettePositions, (i) => sample[i]),
      Array.from(silhouettePositions, (i) => fit.clusters[i]),
      k,
    );
    silhouetteByK[k] = silhouette;
    // Ties keep the smaller k: simpler segments for the same separation.
    if (!best || silhouette > best.silhouette + 1e-12) best = { k, centroids: fit.centroids, silhouette };
  }
  // Too few distinct customers to split: everyone in one cluster.
  const centroids = best ? orderByValue(best.centroids) : [sample.length > 0 ? centroidOf(sample) : new Array<number>(dims).fill(0)];
  const model: ClusteringModel = { features: CLUSTER_FEATURES, mean, scale, centroids };

  const assignment = new Uint8Array(count);
  const point = new Array<number>(dims);
  for (let c = 0; c < count; c++) assignment[c] = nearestCentroid(centroids, standardise(c, point));
  return { model, assignment, silhouetteByK, silhouette: best?.silhouette ?? 0 };
}

/** Cluster index of one customer's raw feature values against a stored model. */
export function assignCluster(model: ClusteringModel, values: Record<ClusterFeature, number>): number {
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

function centroidOf(points: number[][]): number[] {
  const out = new Array<number>(points[0].length).fill(0);
  for (const p of points) for (let d = 0; d < p.length; d++) out[d] += p[d] / points.length;
  return out;
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
export function describeCentroid(model: ClusteringModel, centroid: number[]): string {
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
export function centroidInUnits(model: ClusteringModel, centroid: number[]): Record<ClusterFeature, number> {
  const out = {} as Record<ClusterFeature, number>;
  model.features.forEach((feature, d) => {
    out[feature] = Math.expm1(centroid[d] * model.scale[d] + model.mean[d]);
  });
  return out;
}
