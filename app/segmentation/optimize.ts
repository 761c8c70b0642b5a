// Box-constrained quasi-Newton minimiser (BFGS with projected backtracking line search).
// The models optimise log-parameters, so the box is "every parameter between 1e-6 and 1e6"
// and the objective stays smooth and well scaled.

/** Returns f(x) and writes ∂f/∂x into `gradient`. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface MinimizeOptions {
  lower: number[];
  upper: number[];
  maxIterations?: number;
  /** Stop when the projected gradient's largest component falls below this. */
  gradientTolerance?: number;
}

export interface MinimizeResult {
  x: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
}

export function minimize(objective: Objective, start: number[], options: MinimizeOptions): MinimizeResult {
  const n = start.length;
  const { lower, upper } = options;
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.gradientTolerance ?? 1e-9;
  const clamp = (v: number, i: number) => Math.min(upper[i], Math.max(lower[i], v));

  const x = Float64Array.from(start, clamp);
  const gradient = new Float64Array(n);
  let value = objective(x, gradient);
  if (!Number.isFinite(value)) throw new Error("objective is not finite at the starting point");

  // Inverse Hessian approximation, reset to identity whenever curvature information is poor.
  const inverseHessian = identity(n);
  const direction = new Float64Array(n);
  const trial = new Float64Array(n);
  const trialGradient = new Float64Array(n);
  const step = new Float64Array(n);
  const gradientChange = new Float64Array(n);

  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    if (projectedGradientNorm(x, gradient, lower, upper) < tolerance) {
      return { x, value, iterations: iteration - 1, converged: true };
    }
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let j = 0; j < n; j++) d -= inverseHessian[i * n + j] * gradient[j];
      direction[i] = d;
    }
    let slope = dot(direction, gradient);
    if (slope >= 0) {
      // Not a descent direction: fall back to steepest descent.
      resetIdentity(inverseHessian, n);
      for (let i = 0; i < n; i++) direction[i] = -gradient[i];
      slope = -dot(gradient, gradient);
    }

    // Backtracking (Armijo) along the projected path.
    let alpha = 1;
    let trialValue = Infinity;
    for (let attempt = 0; attempt < 60; attempt++) {
      for (let i = 0; i < n; i++) trial[i] = clamp(x[i] + alpha * direction[i], i);
      trialValue = objective(trial, trialGradient);
      let actualSlope = 0;
      for (let i = 0; i < n; i++) actualSlope += gradient[i] * (trial[i] - x[i]);
      if (Number.isFinite(trialValue) && trialValue <= value + 1e-4 * Math.min(actualSlope, 0)) break;
      alpha *= 0.5;
    }
    if (!(trialValue < value) && !(trialValue === value)) {
      // No progress possible along any step: at a (numerically) stationary point.
      return { x, value, iterations: iteration, converged: projectedGradientNorm(x, gradient, lower, upper) < 1e-5 };
    }

    for (let i = 0; i < n; i++) {
      step[i] = trial[i] - x[i];
      gradientChange[i] = trialGradient[i] - gradient[i];
    }
    const improvement = value - trialValue;
    x.set(trial);
    gradient.set(trialGradient);
    value = trialValue;
    updateInverseHessian(inverseHessian, step, gradientChange, n);
    if (improvement <= 1e-15 * Math.max(1, Math.abs(value)) && maxAbs(step) < 1e-12) {
      return { x, value, iterations: iteration, converged: true };
    }
  }
  return { x, value, iterations: maxIterations, converged: projectedGradientNorm(x, gradient, lower, upper) < 1e-5 };
}

function updateInverseHessian(h: Float64Array, s: Float64Array, y: Float64Array, n: number): void {
  const sy = dot(s, y);
  if (!(sy > 1e-12)) {
    // Curvature condition failed (typically at a bound): start over from steepest descent.
    resetIdentity(h, n);
    return;
  }
  const rho = 1 / sy;
  const hy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let j = 0; j < n; j++) v += h[i * n + j] * y[j];
    hy[i] = v;
  }
  const yhy = dot(y, hy);
  // H ← H − ρ(H y sᵀ + s yᵀ H) + (ρ² yᵀHy + ρ) s sᵀ
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      h[i * n + j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
    }
  }
}

function projectedGradientNorm(x: Float64Array, g: Float64Array, lower: number[], upper: number[]): number {
  let norm = 0;
  for (let i = 0; i < x.length; i++) {
    // A component pushing into an active bound cannot be reduced further.
    const blocked = (x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0);
    if (!blocked) norm = Math.max(norm, Math.abs(g[i]));
  }
  return norm;
}

function identity(n: number): Float64Array {
  const m = new Float64Array(n * n);
  resetIdentity(m, n);
  return m;
}

function resetIdentity(m: Float64Array, n: number): void {
  m.fill(0);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
