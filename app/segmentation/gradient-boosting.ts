// Gradient-boosted regression trees for counts (Poisson deviance, log link), small and
// deterministic: features are binned once into quantile histograms, trees grow level by level
// to a fixed depth from per-(node, feature, bin) gradient sums, and a seeded validation split
// stops the boosting when it no longer helps. Each row can carry an offset (a log prediction
// from another model), so the trees learn a multiplicative correction of that model.
import { seededRandom } from "./random";

export interface BoostingOptions {
  maxDepth: number;
  learningRate: number;
  maxRounds: number;
  /** Stop after this many rounds without a better validation deviance. */
  patience: number;
  /** Share of rows held out for early stopping. */
  validationShare: number;
  /** Histogram bins per feature (≤ 256). */
  bins: number;
  /** Smallest hessian sum (≈ expected count under Poisson) a leaf may hold. */
  minLeafHessian: number;
  /** L2 penalty on leaf values. */
  l2: number;
  /** Largest step of one leaf in log space: keeps early Poisson rounds from overshooting. */
  maxLeafStep: number;
  seed: number;
}

export const DEFAULT_BOOSTING: BoostingOptions = {
  maxDepth: 3,
  learningRate: 0.1,
  maxRounds: 300,
  patience: 20,
  validationShare: 0.2,
  bins: 64,
  minLeafHessian: 5,
  l2: 1,
  maxLeafStep: 0.7,
  seed: 1,
};

/** Feature matrix, column-major: value of feature f for row i at `values[f * rows + i]`. */
export interface FeatureMatrix {
  rows: number;
  features: number;
  values: Float64Array;
}

/** One tree as a perfect binary tree in breadth-first order; a node with feature −1 is a leaf. */
export interface Tree {
  feature: Int32Array;
  /** Go left when value ≤ threshold. */
  threshold: Float64Array;
  /** Log-space contribution of each node reached as a leaf (already scaled by the learning rate). */
  value: Float64Array;
}

export interface BoostedTrees {
  features: number;
  /** Constant log-space correction on top of the offset. */
  base: number;
  trees: Tree[];
  /** Rounds kept (best validation deviance). */
  rounds: number;
  validationDeviance: number;
  /** Deviance of the offset-plus-constant model on the validation rows, for comparison. */
  validationDevianceAtStart: number;
  /** 1 for the rows held out for early stopping. */
  validation: Uint8Array;
}

/** Poisson deviance contribution of one count y with mean mu. */
function deviance(y: number, mu: number): number {
  return 2 * ((y > 0 ? y * Math.log(y / mu) : 0) - (y - mu));
}

/**
 * Fits trees to counts `label` with optional log-offsets. Returns the kept trees; predict with
 * `predictLog` (log of the mean) on any matrix with the same feature columns.
 */
export function fitBoostedTrees(
  matrix: FeatureMatrix,
  label: Float64Array,
  offset: Float64Array | null,
  input: Partial<BoostingOptions> = {},
  validation: Uint8Array | null = null,
): BoostedTrees {
  const options = { ...DEFAULT_BOOSTING, ...input };
  const n = matrix.rows;
  const F = matrix.features;
  const random = seededRandom(options.seed);
  let isValidation = validation;
  if (!isValidation) {
    isValidation = new Uint8Array(n);
    for (let i = 0; i < n; i++) isValidation[i] = random() < options.validationShare ? 1 : 0;
  }

  const { bins, edges } = binFeatures(matrix, isValidation, options.bins);
  const binCount = options.bins;

  // The constant that matches the training total: log(Σy / Σ offset-mean).
  let labelTotal = 0;
  let offsetTotal = 0;
  for (let i = 0; i < n; i++) {
    if (isValidation[i]) continue;
    labelTotal += label[i];
    offsetTotal += offset ? Math.exp(offset[i]) : 1;
  }
  const base = labelTotal > 0 && offsetTotal > 0 ? Math.log(labelTotal / offsetTotal) : 0;
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) score[i] = base + (offset ? offset[i] : 0);

  const validationDeviance = () => {
    let sum = 0;
    for (let i = 0; i < n; i++) if (isValidation[i]) sum += deviance(label[i], Math.exp(score[i]));
    return sum;
  };
  const startDeviance = validationDeviance();
  let bestDeviance = startDeviance;
  let bestRounds = 0;

  const depth = options.maxDepth;
  const nodeCount = (1 << (depth + 1)) - 1;
  const gradient = new Float64Array(n);
  const hessian = new Float64Array(n);
  const node = new Int32Array(n);
  const trees: Tree[] = [];
  const levelWidth = 1 << depth;
  const histogram = new Float64Array(levelWidth * F * binCount * 2);
  const nodeG = new Float64Array(nodeCount);
  const nodeH = new Float64Array(nodeCount);
  const splitBin = new Int32Array(nodeCount);

  for (let round = 0; round < options.maxRounds; round++) {
    for (let i = 0; i < n; i++) {
      const mu = Math.exp(score[i]);
      gradient[i] = mu - label[i];
      hessian[i] = mu;
      node[i] = 0;
    }
    const tree: Tree = {
      feature: new Int32Array(nodeCount).fill(-1),
      threshold: new Float64Array(nodeCount),
      value: new Float64Array(nodeCount),
    };
    nodeG.fill(0);
    nodeH.fill(0);
    for (let i = 0; i < n; i++) {
      if (isValidation[i]) continue;
      nodeG[0] += gradient[i];
      nodeH[0] += hessian[i];
    }
    for (let level = 0; level < depth; level++) {
      const first = (1 << level) - 1;
      const width = 1 << level;
      histogram.fill(0, 0, width * F * binCount * 2);
      for (let i = 0; i < n; i++) {
        if (isValidation[i]) continue;
        const slot = node[i] - first;
        if (slot < 0) continue; // settled in a leaf above this level
        const g = gradient[i];
        const h = hessian[i];
        const nodeBase = slot * F * binCount;
        for (let f = 0; f < F; f++) {
          const at = (nodeBase + f * binCount + bins[f * n + i]) * 2;
          histogram[at] += g;
          histogram[at + 1] += h;
        }
      }
      let anySplit = false;
      for (let slot = 0; slot < width; slot++) {
        const id = first + slot;
        const G = nodeG[id];
        const H = nodeH[id];
        if (H < 2 * options.minLeafHessian) continue;
        const parentGain = (G * G) / (H + options.l2);
        let bestGain = 1e-9;
        let bestFeature = -1;
        let bestBin = -1;
        let bestLeftG = 0;
        let bestLeftH = 0;
        for (let f = 0; f < F; f++) {
          const at = (slot * F + f) * binCount * 2;
          let leftG = 0;
          let leftH = 0;
          const last = edges[f].length; // bins beyond the last edge are empty
          for (let b = 0; b < last; b++) {
            leftG += histogram[at + 2 * b];
            leftH += histogram[at + 2 * b + 1];
            const rightH = H - leftH;
            if (leftH < options.minLeafHessian) continue;
            if (rightH < options.minLeafHessian) break;
            const rightG = G - leftG;
            const gain =
              (leftG * leftG) / (leftH + options.l2) + (rightG * rightG) / (rightH + options.l2) - parentGain;
            if (gain > bestGain) {
              bestGain = gain;
              bestFeature = f;
              bestBin = b;
              bestLeftG = leftG;
              bestLeftH = leftH;
            }
          }
        }
        if (bestFeature < 0) continue;
        anySplit = true;
        tree.feature[id] = bestFeature;
        tree.threshold[id] = edges[bestFeature][bestBin];
        splitBin[id] = bestBin;
        nodeG[2 * id + 1] = bestLeftG;
        nodeH[2 * id + 1] = bestLeftH;
        nodeG[2 * id + 2] = G - bestLeftG;
        nodeH[2 * id + 2] = H - bestLeftH;
      }
      if (!anySplit) break;
      for (let i = 0; i < n; i++) {
        const id = node[i];
        const f = tree.feature[id];
        if (f < 0 || id < first) continue;
        node[i] = bins[f * n + i] <= splitBin[id] ? 2 * id + 1 : 2 * id + 2;
      }
    }
    // Leaf values: Newton step, clipped, shrunk.
    for (let id = 0; id < nodeCount; id++) {
      if (tree.feature[id] >= 0 || nodeH[id] <= 0) continue;
      const step = Math.max(-options.maxLeafStep, Math.min(options.maxLeafStep, -nodeG[id] / (nodeH[id] + options.l2)));
      tree.value[id] = options.learningRate * step;
    }
    for (let i = 0; i < n; i++) score[i] += tree.value[node[i]];
    trees.push(tree);
    const current = validationDeviance();
    if (startDeviance === 0)
      bestRounds = trees.length; // no validation rows: keep every round
    else if (current < bestDeviance - 1e-9 * Math.abs(bestDeviance)) {
      bestDeviance = current;
      bestRounds = trees.length;
    } else if (trees.length - bestRounds >= options.patience) break;
  }
  return {
    features: F,
    base,
    trees: trees.slice(0, bestRounds),
    rounds: bestRounds,
    validationDeviance: bestDeviance,
    validationDevianceAtStart: startDeviance,
    validation: isValidation,
  };
}

/**
 * Quantile bins per feature from the training rows: edges are distinct upper bounds, bin b
 * holds values in (edges[b−1], edges[b]]; values above the last edge go to one more bin.
 */
function binFeatures(
  matrix: FeatureMatrix,
  isValidation: Uint8Array,
  maxBins: number,
): { bins: Uint8Array; edges: Float64Array[] } {
  const n = matrix.rows;
  const bins = new Uint8Array(n * matrix.features);
  const edges: Float64Array[] = [];
  const stride = Math.max(1, Math.floor(n / 100_000));
  for (let f = 0; f < matrix.features; f++) {
    const column = matrix.values.subarray(f * n, (f + 1) * n);
    const sample: number[] = [];
    for (let i = 0; i < n; i += stride) if (!isValidation[i]) sample.push(column[i]);
    const sorted = Float64Array.from(sample).sort();
    const featureEdges: number[] = [];
    for (let b = 1; b < maxBins; b++) {
      const value = sorted[Math.min(sorted.length - 1, Math.floor((b * sorted.length) / maxBins))];
      if (featureEdges.length === 0 || value > featureEdges[featureEdges.length - 1]) featureEdges.push(value);
    }
    // The largest value closes the last bin, so every training value has an edge at or above it.
    if (
      sorted.length > 0 &&
      (featureEdges.length === 0 || sorted[sorted.length - 1] > featureEdges[featureEdges.length - 1])
    ) {
      if (featureEdges.length === maxBins - 1) featureEdges[featureEdges.length - 1] = sorted[sorted.length - 1];
      else featureEdges.push(sorted[sorted.length - 1]);
    }
    const e = Float64Array.from(featureEdges);
    edges.push(e);
    for (let i = 0; i < n; i++) bins[f * n + i] = binOf(e, column[i]);
  }
  return { bins, edges };
}

/** First edge ≥ value (edges.length when above all). */
function binOf(edges: Float64Array, value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** log of the predicted mean for every row: offset + base + Σ tree leaves. */
export function predictLog(
  model: Pick<BoostedTrees, "features" | "base" | "trees">,
  matrix: FeatureMatrix,
  offset: Float64Array | null,
  out = new Float64Array(matrix.rows),
): Float64Array {
  if (matrix.features !== model.features)
    throw new RangeError(`model has ${model.features} features, matrix ${matrix.features}`);
  const n = matrix.rows;
  const values = matrix.values;
  for (let i = 0; i < n; i++) out[i] = model.base + (offset ? offset[i] : 0);
  for (const tree of model.trees) {
    for (let i = 0; i < n; i++) {
      let id = 0;
      let f = tree.feature[0];
      while (f >= 0) {
        id = values[f * n + i] <= tree.threshold[id] ? 2 * id + 1 : 2 * id + 2;
        f = tree.feature[id];
      }
      out[i] += tree.value[id];
    }
  }
  return out;
}
