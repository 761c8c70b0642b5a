// Stable cluster keys across runs. A cluster's key becomes its Shopify tag, native segment and
// storefront token, so a run that finds the same group again must give it the same key. New
// centroids are matched to the previous run's by an optimal one-to-one assignment on distance;
// a new centroid farther than CLUSTER_MATCH_DISTANCE from every old one is a new group and gets
// a key never used before in the shop (`nextKeyNumber` travels with the stored model).
import { clusterKey } from "./segments";
import type { ClusterFeature, FittedModel } from "./types";

/**
 * Largest distance (standardised log units, Euclidean over the four features) at which a new
 * centroid is still the old group. One shop standard deviation: run-to-run drift of the same
 * group is a small fraction of it, while clusters the silhouette rule keeps apart sit further.
 */
export const CLUSTER_MATCH_DISTANCE = 1;

/** What a later run needs of an earlier clustering: the one stored in the fitted model. */
export type PreviousClustering = FittedModel["clustering"];

export interface CarriedKeys {
  keys: string[];
  /** The N of the next fresh `cluster-N`. */
  nextKeyNumber: number;
  /** Per new centroid, the index of the old centroid it continues, or -1 for a new group. */
  matchedTo: number[];
}

/** The key of each centroid of a stored clustering (older models did not store them). */
export function clusterKeysOf(clustering: Pick<PreviousClustering, "centroids" | "keys">): string[] {
  return clustering.keys ?? clustering.centroids.map((_, k) => clusterKey(k));
}

/** N of `cluster-N`; 0 for anything else. */
export function clusterKeyNumber(key: string): number {
  const match = /^cluster-(\d+)$/.exec(key);
  return match ? Number(match[1]) : 0;
}

function nextNumberOf(previous: PreviousClustering): number {
  const highest = Math.max(0, ...clusterKeysOf(previous).map(clusterKeyNumber));
  return Math.max(previous.nextKeyNumber ?? 1, highest + 1);
}

/**
 * The previous run's centroids in this run's standardisation (back to log units, then through
 * this run's mean and scale), or null when there were none or they were on other features.
 */
export function previousCentroidsIn(
  current: { features: ClusterFeature[]; mean: number[]; scale: number[] },
  previous: PreviousClustering | null | undefined,
): number[][] | null {
  const comparable =
    previous &&
    previous.centroids.length > 0 &&
    previous.features.length === current.features.length &&
    previous.features.every((feature, d) => feature === current.features[d]);
  if (!comparable) return null;
  return previous.centroids.map((centroid) =>
    centroid.map((z, d) => (z * previous.scale[d] + previous.mean[d] - current.mean[d]) / current.scale[d]),
  );
}

/**
 * Keys for `centroids` (standardised with `mean`/`scale`, in display order): the matched old
 * key where a centroid continues an old group, otherwise a fresh one, handed out in order.
 */
export function carryClusterKeys(
  current: { features: ClusterFeature[]; mean: number[]; scale: number[]; centroids: number[][] },
  previous: PreviousClustering | null | undefined,
): CarriedKeys {
  const matchedTo = current.centroids.map(() => -1);
  let nextKeyNumber = previous ? nextNumberOf(previous) : 1;
  const oldKeys = previous ? clusterKeysOf(previous) : [];
  const old = previousCentroidsIn(current, previous);
  if (old && current.centroids.length > 0) {
    const distance = current.centroids.map((p) => old.map((q) => euclidean(p, q)));
    const pairs = matchWithin(distance, CLUSTER_MATCH_DISTANCE);
    pairs.forEach((j, i) => (matchedTo[i] = j));
  }
  // clusterKey takes a 0-based index: cluster-N is index N − 1.
  const keys = matchedTo.map((j) => (j >= 0 ? oldKeys[j] : clusterKey(nextKeyNumber++ - 1)));
  return { keys, nextKeyNumber, matchedTo };
}

function euclidean(p: number[], q: number[]): number {
  let sum = 0;
  for (let d = 0; d < p.length; d++) sum += (p[d] - q[d]) ** 2;
  return Math.sqrt(sum);
}

/**
 * One-to-one matching of rows to columns minimising total distance, where leaving a row and a
 * column unmatched costs `cutoff` (half each): a pair is matched only when that beats leaving
 * both alone, i.e. at a distance under the cutoff. Returns the column per row or -1.
 */
export function matchWithin(distance: number[][], cutoff: number): number[] {
  const rows = distance.length;
  const columns = rows > 0 ? distance[0].length : 0;
  const size = rows + columns;
  // Square cost matrix: real rows × (real columns | one "unmatched" slot per row), and dummy
  // rows that absorb unmatched columns.
  const cost = Array.from({ length: size }, (_, i) =>
    Array.from({ length: size }, (_, j) => {
      if (i < rows && j < columns) return distance[i][j];
      if (i < rows || j < columns) return cutoff / 2;
      return 0;
    }),
  );
  const assigned = minimumCostAssignment(cost);
  return Array.from({ length: rows }, (_, i) => {
    const j = assigned[i];
    return j < columns && distance[i][j] < cutoff ? j : -1;
  });
}

/** Hungarian algorithm (potentials, O(n³)) on a square matrix: the column of each row. */
export function minimumCostAssignment(cost: number[][]): number[] {
  const n = cost.length;
  // 1-based with a virtual column 0, as in the classic formulation.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const rowOfColumn = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    rowOfColumn[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = rowOfColumn[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const reduced = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (reduced < minv[j]) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[rowOfColumn[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (rowOfColumn[j0] !== 0);
    do {
      const j1 = way[j0];
      rowOfColumn[j0] = rowOfColumn[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const columnOfRow = new Array<number>(n).fill(-1);
  for (let j = 1; j <= n; j++) if (rowOfColumn[j] > 0) columnOfRow[rowOfColumn[j] - 1] = j - 1;
  return columnOfRow;
}
