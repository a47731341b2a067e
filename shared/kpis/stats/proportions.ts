import { normalTwoSidedP, zCritical } from './distributions.js';

export type Interval = [number, number];

/**
 * Wilson score interval for one proportion x/n (Wilson 1927): the interval that stays inside [0, 1] and keeps
 * its coverage at small counts, unlike the Wald interval p ± z√(p(1−p)/n).
 */
export function wilsonInterval(x: number, n: number, alpha = 0.05): Interval {
  if (n <= 0) return [0, 1];
  const z = zCritical(alpha);
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export interface ProportionDifference {
  /** p1 − p2 */
  absolute: number;
  /** (p1 − p2) / p2; null when p2 = 0 */
  relative: number | null;
  ci95: Interval;
  pValue: number;
  method: string;
}

export const newcombeMethod =
  'Newcombe (1998) hybrid score interval, method 10 (from the two Wilson score intervals); two-sided p-value from the pooled two-proportion z-test';

/**
 * Difference of two independent proportions x1/n1 − x2/n2 with Newcombe's hybrid score interval:
 * L = d − √((p1−l1)² + (u2−p2)²), U = d + √((u1−p1)² + (p2−l2)²), where (lᵢ, uᵢ) are the Wilson intervals.
 * Honest at small counts and at 0 % or 100 %; the p-value is the pooled z-test's, which agrees with the
 * interval excluding 0 except at the margin.
 */
export function proportionDifference(x1: number, n1: number, x2: number, n2: number, alpha = 0.05): ProportionDifference {
  const p1 = n1 > 0 ? x1 / n1 : 0;
  const p2 = n2 > 0 ? x2 / n2 : 0;
  const d = p1 - p2;
  const [l1, u1] = wilsonInterval(x1, n1, alpha);
  const [l2, u2] = wilsonInterval(x2, n2, alpha);
  const lower = d - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2);
  const upper = d + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2);
  return {
    absolute: d,
    relative: p2 > 0 ? d / p2 : null,
    ci95: [Math.max(-1, lower), Math.min(1, upper)],
    pValue: twoProportionPValue(x1, n1, x2, n2),
    method: newcombeMethod,
  };
}

/** Two-sided p-value of the pooled two-proportion z-test (the score test; equals Pearson's χ² without correction). */
export function twoProportionPValue(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 <= 0 || n2 <= 0) return 1;
  const pooled = (x1 + x2) / (n1 + n2);
  const variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (variance <= 0) return 1;
  return normalTwoSidedP((x1 / n1 - x2 / n2) / Math.sqrt(variance));
}
