import { tCritical, tTwoSidedP } from './distributions.js';
import { centred, meanX, meanY, varianceY, type Moments } from './moments.js';
import type { Interval } from './proportions.js';

export interface MeanDifference {
  /** mean₁ − mean₂ (CUPED-adjusted when a covariate was used) */
  absolute: number;
  /** absolute ÷ mean₂ (unadjusted control mean); null when that is 0 */
  relative: number | null;
  ci95: Interval;
  pValue: number;
  /** Standard error of `absolute`. */
  standardError: number;
  degreesOfFreedom: number;
  /** 1 − Var(adjusted) / Var(unadjusted): the share of the variance CUPED removed (0 without it). */
  varianceReduction: number;
  /** CUPED coefficient θ (0 without adjustment). */
  theta: number;
  method: string;
}

export const welchMethod = 'Welch two-sample t interval (Welch–Satterthwaite degrees of freedom)';

/**
 * Welch's interval for mean₁ − mean₂ from sufficient statistics. With `cuped`, each arm's mean is
 * regression-adjusted on its pre-period covariate (Deng et al. 2013, CUPED):
 *   ȳᵢ* = ȳᵢ − θ (x̄ᵢ − x̄),  θ = Σᵢ Sxyᵢ / Σᵢ Sxxᵢ (pooled within-arm slope, so the treatment does not leak into θ),
 *   Var(yᵢ*) = Var(yᵢ) − 2θ Cov(xᵢ, yᵢ) + θ² Var(xᵢ).
 * Randomisation makes E[x̄₁ − x̄₂] = 0, so the adjustment removes noise without biasing the difference.
 */
export function meanDifference(a: Moments, b: Moments, options: { cuped?: boolean; alpha?: number } = {}): MeanDifference {
  const alpha = options.alpha ?? 0.05;
  const ca = centred(a);
  const cb = centred(b);
  const pooledSxx = ca.sxx + cb.sxx;
  const theta = options.cuped && pooledSxx > 0 ? (ca.sxy + cb.sxy) / pooledSxx : 0;
  const grandX = a.n + b.n > 0 ? (a.sx + b.sx) / (a.n + b.n) : 0;

  const adjusted = (m: Moments, c: ReturnType<typeof centred>) => {
    const mean = meanY(m) - theta * (meanX(m) - grandX);
    const variance = m.n > 1 ? Math.max(0, (c.syy - 2 * theta * c.sxy + theta * theta * c.sxx) / (m.n - 1)) : 0;
    return { mean, variance };
  };
  const ya = adjusted(a, ca);
  const yb = adjusted(b, cb);
  const absolute = ya.mean - yb.mean;
  const va = a.n > 0 ? ya.variance / a.n : 0;
  const vb = b.n > 0 ? yb.variance / b.n : 0;
  // With fewer than two customers in an arm its variance is unknown: the interval is unbounded (null in JSON).
  const se = a.n < 2 || b.n < 2 ? Infinity : Math.sqrt(va + vb);
  const rawVar = (a.n > 0 ? varianceY(a) / a.n : 0) + (b.n > 0 ? varianceY(b) / b.n : 0);
  const df = welchDf(va, a.n, vb, b.n);
  const t = se > 0 && Number.isFinite(se) ? absolute / se : 0;
  const crit = tCritical(alpha, df);
  const controlMean = meanY(b);
  return {
    absolute,
    relative: controlMean !== 0 ? absolute / controlMean : null,
    ci95: se > 0 ? [absolute - crit * se, absolute + crit * se] : [absolute, absolute],
    pValue: se > 0 && Number.isFinite(se) ? tTwoSidedP(t, df) : 1,
    standardError: se,
    degreesOfFreedom: df,
    varianceReduction: options.cuped && rawVar > 0 ? Math.max(0, 1 - (va + vb) / rawVar) : 0,
    theta,
    method: options.cuped ? `${welchMethod} on CUPED-adjusted values (covariate: spend in the 90 days before entry)` : welchMethod,
  };
}

/** Welch–Satterthwaite degrees of freedom; Infinity when it cannot be estimated (then the normal is used). */
export function welchDf(va: number, na: number, vb: number, nb: number): number {
  const num = (va + vb) ** 2;
  const den = (na > 1 ? va ** 2 / (na - 1) : 0) + (nb > 1 ? vb ** 2 / (nb - 1) : 0);
  if (!(den > 0)) return Infinity;
  return num / den;
}
