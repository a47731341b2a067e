/**
 * Unconstrained minimisation for the model fits: BFGS with an Armijo backtracking line search. The models are
 * fitted in log-parameter space, so "unconstrained" is exactly what they need.
 */

export interface Objective {
  /** Function value and gradient at theta; value is +Infinity / NaN where the model is undefined. */
  (theta: readonly number[]): { value: number; gradient: number[] };
}

export interface MinimizeResult {
  theta: number[];
  value: number;
  gradientNorm: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  /** Final inverse-Hessian estimate: lets a refinement on more data continue where this run stopped. */
  inverseHessian: number[][];
}

export interface MinimizeOptions {
  maxIterations?: number;
  /** Stop when the largest gradient component falls below this. */
  gradientTolerance?: number;
  /** Stop when an accepted step improves the value by less than this (relative). */
  valueTolerance?: number;
  /** |theta_i| beyond this is treated as divergence (e^40 is far outside any plausible parameter). */
  maxAbsTheta?: number;
  /** Start from this inverse-Hessian estimate instead of the identity. */
  inverseHessian?: number[][];
}

export function minimizeBfgs(f: Objective, start: readonly number[], options: MinimizeOptions = {}): MinimizeResult {
  const n = start.length;
  const maxIterations = options.maxIterations ?? 500;
  const gradientTolerance = options.gradientTolerance ?? 1e-9;
  const valueTolerance = options.valueTolerance ?? 1e-15;
  const maxAbsTheta = options.maxAbsTheta ?? 40;

  let theta = [...start];
  let current = f(theta);
  let evaluations = 1;
  if (!Number.isFinite(current.value) || current.gradient.some((g) => !Number.isFinite(g))) {
    return {
      theta,
      value: current.value,
      gradientNorm: Infinity,
      iterations: 0,
      evaluations,
      converged: false,
      inverseHessian: identity(n),
    };
  }
  let h = options.inverseHessian?.map((row) => [...row]) ?? identity(n);
  let iterations = 0;
  let converged = false;
  let smallSteps = 0;

  for (; iterations < maxIterations; iterations++) {
    const g = current.gradient;
    const gNorm = maxAbs(g);
    if (gNorm < gradientTolerance) {
      converged = true;
      break;
    }
    let direction = matVec(h, g).map((v) => -v);
    let slope = dot(direction, g);
    if (!(slope < 0)) {
      // The curvature estimate went bad (e.g. after a non-convex stretch): fall back to steepest descent.
      h = identity(n);
      direction = g.map((v) => -v);
      slope = dot(direction, g);
    }
    // The predicted decrease of a quasi-Newton step is −slope/2. Once it is at the level of the rounding
    // noise of the objective (a sum over many customers), no line search can make progress: converged.
    if (-slope < 1e-13 * Math.max(1, Math.abs(current.value))) {
      converged = true;
      break;
    }
    // Never jump more than e^3 in any parameter in one step: keeps the first iterations out of overflow land.
    const longest = maxAbs(direction);
    let step = longest > 3 ? 3 / longest : 1;
    let next: { value: number; gradient: number[] } | undefined;
    let nextTheta: number[] = theta;
    for (let tries = 0; tries < 40; tries++) {
      nextTheta = theta.map((t, i) => t + step * direction[i]!);
      if (nextTheta.every((t) => Math.abs(t) <= maxAbsTheta)) {
        const candidate = f(nextTheta);
        evaluations++;
        if (
          Number.isFinite(candidate.value) &&
          candidate.value <= current.value + 1e-4 * step * slope &&
          candidate.gradient.every((v) => Number.isFinite(v))
        ) {
          next = candidate;
          break;
        }
      }
      step *= 0.5;
    }
    if (next === undefined) {
      // No descent along the direction: converged if the gradient is tiny relative to the value, else stuck.
      converged = gNorm < 1e-6;
      break;
    }
    const s = nextTheta.map((t, i) => t - theta[i]!);
    const y = next.gradient.map((v, i) => v - g[i]!);
    const improvement = current.value - next.value;
    theta = nextTheta;
    current = next;
    const sy = dot(s, y);
    if (sy > 1e-12) {
      h = bfgsUpdate(h, s, y, sy);
    }
    if (improvement <= valueTolerance * Math.max(1, Math.abs(current.value))) {
      smallSteps++;
      if (smallSteps >= 3 && maxAbs(current.gradient) < 1e-5) {
        converged = true;
        iterations++;
        break;
      }
    } else {
      smallSteps = 0;
    }
  }
  return {
    theta,
    value: current.value,
    gradientNorm: maxAbs(current.gradient),
    iterations,
    evaluations,
    converged,
    inverseHessian: h,
  };
}

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

function matVec(m: number[][], v: readonly number[]): number[] {
  return m.map((row) => dot(row, v));
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(v: readonly number[]): number {
  let m = 0;
  for (const x of v) m = Math.max(m, Math.abs(x));
  return m;
}

function bfgsUpdate(h: number[][], s: number[], y: number[], sy: number): number[][] {
  const n = s.length;
  const rho = 1 / sy;
  const hy = matVec(h, y);
  const yhy = dot(y, hy);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < n; j++) {
      row.push(h[i]![j]! - rho * (hy[i]! * s[j]! + s[i]! * hy[j]!) + (rho * rho * yhy + rho) * s[i]! * s[j]!);
    }
    out.push(row);
  }
  return out;
}
