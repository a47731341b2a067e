import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/**
 * The distribution functions the KPI statistics need, from stdlib (accuracy tested upstream against
 * reference implementations). shared/analytics/special.ts has log-gamma and friends for the customer models
 * but no CDFs or quantiles, which are easy to get subtly wrong in the tails.
 */

/** Standard normal CDF Φ(x). */
export const phi = (x: number): number => normalCdf(x, 0, 1);

/** Standard normal quantile Φ⁻¹(p). */
export const phiInverse = (p: number): number => normalQuantile(p, 0, 1);

/** Two-sided critical value z with P(|Z| > z) = alpha. */
export const zCritical = (alpha: number): number => phiInverse(1 - alpha / 2);

/** Two-sided p-value of a standard normal statistic. */
export const normalTwoSidedP = (z: number): number => Math.min(1, 2 * (1 - phi(Math.abs(z))));

/** Two-sided critical value of Student's t with `df` degrees of freedom (normal when df is infinite). */
export const tCritical = (alpha: number, df: number): number => (Number.isFinite(df) ? tQuantile(1 - alpha / 2, df) : zCritical(alpha));

/** Two-sided p-value of a t statistic. */
export const tTwoSidedP = (t: number, df: number): number =>
  Number.isFinite(df) ? Math.min(1, 2 * (1 - tCdf(Math.abs(t), df))) : normalTwoSidedP(t);

/** Upper tail P(χ²_df > x). */
export const chiSquareUpper = (x: number, df: number): number => Math.max(0, 1 - chisquareCdf(x, df));
