// Standard errors and plain-language warnings for a maximum-likelihood fit. The fits optimise
// log-parameters in a box [1e-6, 1e6]; an optimum on that box, or one the data barely pin
// down, looks like a normal fit to a caller unless someone says so.

/** log-likelihood at log-parameters θ, writing ∂ℓ/∂θ into `gradient`. */
export type LogLikelihoodAt = (theta: Float64Array, gradient: Float64Array) => number;

export type FitWarningCode =
  /** A parameter is within a factor of 10 of the fit's box: the optimum is not really there. */
  | "parameter-at-bound"
  /** The optimiser stopped before the gradient vanished. */
  | "not-converged"
  /** The information matrix is singular or not positive definite: no standard errors. */
  | "standard-error-not-finite"
  /** A log-parameter's standard error exceeds RELATIVE_SE_LIMIT. */
  | "unstable-estimate"
  /** Some combination of log-parameters has a standard error above FLAT_DIRECTION_SE_LIMIT. */
  | "flat-likelihood";

export interface FitWarning {
  code: FitWarningCode;
  model: ModelName;
  /** The parameter concerned, if one is. */
  parameter: string | null;
  /** "unusable": predictions from this fit mislead; "caution": usable, but loosely determined. */
  severity: "unusable" | "caution";
  message: string;
}

export type ModelName = "BG/NBD" | "Pareto/NBD" | "Gamma-Gamma";

/** A log-parameter SE of 1 means ±1 SE spans a factor e ≈ 2.7: the value's magnitude is not known. */
export const RELATIVE_SE_LIMIT = 1;
export const FLAT_DIRECTION_SE_LIMIT = 1;
/** Within this factor of a box bound counts as on it (the box is 1e-6 … 1e6). */
export const BOUND_FACTOR = 10;

export interface ModelDescription {
  model: ModelName;
  parameters: readonly string[];
  bounds: { lower: number; upper: number };
  /** What a parameter sitting on a bound means for the merchant. */
  atBound: (parameter: string, side: "lower" | "upper") => string;
}

export const BOX = { lower: 1e-6, upper: 1e6 };

const dropoutAbsent = (model: string, parameter: string) =>
  `no measurable drop-out in this shop's history yet (${model} drop-out parameter ${parameter} at its bound), so P(alive) is 1 for everyone`;

export const BGNBD_DESCRIPTION: ModelDescription = {
  model: "BG/NBD",
  parameters: ["r", "alpha", "a", "b"],
  bounds: BOX,
  atBound: (parameter, side) => {
    if ((parameter === "a" && side === "lower") || (parameter === "b" && side === "upper"))
      return dropoutAbsent("BG/NBD", parameter);
    if (parameter === "a" || parameter === "b")
      return `customers look as if they drop out after nearly every purchase (BG/NBD ${parameter} at its bound)`;
    return `the shop's purchase rates cannot be told apart from their spread across customers (BG/NBD ${parameter} at its bound)`;
  },
};

export const PARETO_NBD_DESCRIPTION: ModelDescription = {
  model: "Pareto/NBD",
  parameters: ["r", "alpha", "s", "beta"],
  bounds: BOX,
  atBound: (parameter, side) => {
    if ((parameter === "s" && side === "lower") || (parameter === "beta" && side === "upper"))
      return dropoutAbsent("Pareto/NBD", parameter);
    if (parameter === "s" || parameter === "beta")
      return `drop-out rates cannot be told apart from their spread across customers (Pareto/NBD ${parameter} at its bound)`;
    return `the shop's purchase rates cannot be told apart from their spread across customers (Pareto/NBD ${parameter} at its bound)`;
  },
};

export const GAMMA_GAMMA_DESCRIPTION: ModelDescription = {
  model: "Gamma-Gamma",
  parameters: ["p", "q", "gamma"],
  bounds: BOX,
  atBound: (parameter) => `order values do not fit the spend model (Gamma-Gamma ${parameter} at its bound)`,
};

export interface FitDiagnosis {
  /** Natural-scale standard errors by parameter name (delta method: SE(θ) = θ · SE(log θ)); NaN when unavailable. */
  standardErrors: Record<string, number>;
  /** Standard errors of the log-parameters ≈ relative standard errors. */
  logStandardErrors: number[];
  /** Smallest eigenvalue of the observed information in log-parameter space. */
  smallestCurvature: number;
  warnings: FitWarning[];
}

/**
 * Observed information −∇²ℓ in log-parameter space, by central differences of the analytic
 * gradient (2n gradient evaluations), symmetrised.
 */
export function observedInformation(
  logLikelihoodAt: LogLikelihoodAt,
  theta: ArrayLike<number>,
  step = 1e-5,
): Float64Array {
  const n = theta.length;
  const information = new Float64Array(n * n);
  const point = Float64Array.from(theta);
  const up = new Float64Array(n);
  const down = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    point[j] = theta[j] + step;
    logLikelihoodAt(point, up);
    point[j] = theta[j] - step;
    logLikelihoodAt(point, down);
    point[j] = theta[j];
    for (let i = 0; i < n; i++) information[i * n + j] = -(up[i] - down[i]) / (2 * step);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const mean = 0.5 * (information[i * n + j] + information[j * n + i]);
      information[i * n + j] = mean;
      information[j * n + i] = mean;
    }
  }
  return information;
}

/** Inverse of a symmetric positive-definite matrix by Cholesky; null if it is not positive definite. */
export function invertPositiveDefinite(matrix: Float64Array, n: number): Float64Array | null {
  const lower = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i * n + j];
      for (let k = 0; k < j; k++) sum -= lower[i * n + k] * lower[j * n + k];
      if (i === j) {
        if (!(sum > 0)) return null;
        lower[i * n + i] = Math.sqrt(sum);
      } else lower[i * n + j] = sum / lower[j * n + j];
    }
  }
  // Invert L, then A⁻¹ = L⁻ᵀ L⁻¹.
  const inverseLower = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    inverseLower[i * n + i] = 1 / lower[i * n + i];
    for (let j = 0; j < i; j++) {
      let sum = 0;
      for (let k = j; k < i; k++) sum -= lower[i * n + k] * inverseLower[k * n + j];
      inverseLower[i * n + j] = sum / lower[i * n + i];
    }
  }
  const inverse = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = Math.max(i, j); k < n; k++) sum += inverseLower[k * n + i] * inverseLower[k * n + j];
      inverse[i * n + j] = sum;
    }
  }
  return inverse;
}

/** Eigenvalues of a small symmetric matrix (cyclic Jacobi rotations). */
export function symmetricEigenvalues(matrix: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(matrix);
  for (let sweep = 0; sweep < 100; sweep++) {
    let offDiagonal = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) offDiagonal += a[i * n + j] ** 2;
    if (offDiagonal < 1e-30 * (1 + frobeniusSquared(a))) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Float64Array.from({ length: n }, (_, i) => a[i * n + i]);
}

function frobeniusSquared(a: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * a[i];
  return sum;
}

export interface FitToDiagnose {
  description: ModelDescription;
  /** Fitted values in `description.parameters` order. */
  values: readonly number[];
  converged: boolean;
  logLikelihoodAt: LogLikelihoodAt;
}

/** Standard errors and warnings of one fit. */
export function diagnoseFit(fit: FitToDiagnose): FitDiagnosis {
  const { description, values } = fit;
  const { model, parameters, bounds } = description;
  const n = parameters.length;
  const warnings: FitWarning[] = [];
  const warn = (code: FitWarningCode, parameter: string | null, severity: FitWarning["severity"], message: string) =>
    warnings.push({ code, model, parameter, severity, message });

  if (!fit.converged) warn("not-converged", null, "unusable", `the ${model} fit did not converge`);
  parameters.forEach((parameter, i) => {
    const value = values[i];
    if (!(value > bounds.lower * BOUND_FACTOR))
      warn("parameter-at-bound", parameter, "unusable", description.atBound(parameter, "lower"));
    else if (!(value < bounds.upper / BOUND_FACTOR))
      warn("parameter-at-bound", parameter, "unusable", description.atBound(parameter, "upper"));
  });

  const theta = Float64Array.from(values, Math.log);
  const information = observedInformation(fit.logLikelihoodAt, theta);
  const finite = information.every(Number.isFinite);
  const eigenvalues = finite ? symmetricEigenvalues(information, n) : new Float64Array(n).fill(NaN);
  const smallestCurvature = Math.min(...eigenvalues);
  const covariance = finite ? invertPositiveDefinite(information, n) : null;
  const logStandardErrors = Array.from({ length: n }, (_, i) => (covariance ? Math.sqrt(covariance[i * n + i]) : NaN));
  const standardErrors: Record<string, number> = {};
  parameters.forEach((parameter, i) => (standardErrors[parameter] = values[i] * logStandardErrors[i]));

  if (!covariance || !logStandardErrors.every(Number.isFinite)) {
    warn(
      "standard-error-not-finite",
      null,
      "caution",
      `the ${model} likelihood has no well-defined peak here, so its parameters have no standard errors`,
    );
  } else {
    parameters.forEach((parameter, i) => {
      if (logStandardErrors[i] > RELATIVE_SE_LIMIT) {
        warn(
          "unstable-estimate",
          parameter,
          "caution",
          `the shop's history hardly determines ${model} ${parameter} (${formatNumber(values[i])} ± ${formatNumber(standardErrors[parameter])})`,
        );
      }
    });
  }
  if (!(smallestCurvature > 1 / FLAT_DIRECTION_SE_LIMIT ** 2)) {
    warn(
      "flat-likelihood",
      null,
      "caution",
      `the ${model} likelihood is nearly flat along some combination of parameters: other values explain the history about as well`,
    );
  }
  return { standardErrors, logStandardErrors, smallestCurvature, warnings };
}

function formatNumber(value: number): string {
  return Number.isFinite(value) ? value.toPrecision(3) : String(value);
}

/** True when any warning says the fit's predictions would mislead. */
export function isUnusable(warnings: readonly FitWarning[]): boolean {
  return warnings.some((w) => w.severity === "unusable");
}
