// Small seeded generators: sampling and simulation must be reproducible run to run.

/** mulberry32: a fast 32-bit PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Indices of a uniform sample without replacement (all of them if size ≥ n), ascending. */
export function sampleIndices(n: number, size: number, random: () => number): Int32Array {
  if (size >= n) return Int32Array.from({ length: n }, (_, i) => i);
  // Partial Fisher–Yates over an index permutation.
  const permutation = new Int32Array(n);
  for (let i = 0; i < n; i++) permutation[i] = i;
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (n - i));
    const swap = permutation[i];
    permutation[i] = permutation[j];
    permutation[j] = swap;
  }
  return permutation.slice(0, size).sort();
}

/** Standard normal deviate (Box–Muller). */
export function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Gamma(shape, rate = 1) deviate by Marsaglia–Tsang, boosted for shape < 1. */
export function gammaDeviate(shape: number, random: () => number): number {
  if (shape < 1) return gammaDeviate(shape + 1, random) * Math.pow(random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

export function betaDeviate(a: number, b: number, random: () => number): number {
  const x = gammaDeviate(a, random);
  return x / (x + gammaDeviate(b, random));
}
