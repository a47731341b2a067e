import { chiSquareUpper } from './distributions.js';

export const srmThreshold = 0.001;

export interface SampleRatioCheck {
  /** observed count per arm */
  observed: Record<string, number>;
  /** expected share per arm (the configured split, normalised) */
  expectedShare: Record<string, number>;
  chiSquare: number;
  degreesOfFreedom: number;
  pValue: number;
  /** true when p < 0.001: the assignment or the event flow is broken and the comparison cannot be trusted */
  mismatch: boolean;
  method: string;
}

/**
 * Sample-ratio mismatch: Pearson's χ² goodness-of-fit of the observed arm sizes against the configured split
 * (df = arms − 1), flagged at p < 0.001 as GrowthBook, Eppo and Statsig do.
 */
export function sampleRatioCheck(observed: Record<string, number>, weights: Record<string, number>): SampleRatioCheck {
  const arms = Object.keys(weights).filter((arm) => (weights[arm] ?? 0) > 0);
  const totalWeight = arms.reduce((s, arm) => s + weights[arm]!, 0);
  const n = arms.reduce((s, arm) => s + (observed[arm] ?? 0), 0);
  const expectedShare: Record<string, number> = {};
  let chiSquare = 0;
  for (const arm of arms) {
    const share = weights[arm]! / totalWeight;
    expectedShare[arm] = share;
    const expected = n * share;
    if (expected > 0) chiSquare += ((observed[arm] ?? 0) - expected) ** 2 / expected;
  }
  // Enrollments in an arm the split does not know are a mismatch by themselves.
  const stray = Object.entries(observed).some(([arm, count]) => count > 0 && !arms.includes(arm));
  const df = Math.max(1, arms.length - 1);
  const pValue = stray ? 0 : n > 0 && arms.length > 1 ? chiSquareUpper(chiSquare, df) : 1;
  return {
    observed,
    expectedShare,
    chiSquare,
    degreesOfFreedom: df,
    pValue,
    mismatch: pValue < srmThreshold,
    method: `Pearson χ² goodness-of-fit against the configured split, flagged when p < ${srmThreshold}`,
  };
}
