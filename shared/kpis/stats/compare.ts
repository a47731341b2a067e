import { meanDifference, type MeanDifference } from './means.js';
import { newcombeMethod, proportionDifference, type Interval } from './proportions.js';
import { sequentialInterval, sequentialMethod, sequentialPValue } from './sequential.js';
import { poolCap, winsorizedMoments, type SpendHistogram } from './winsor.js';

export type Analysis = 'fixedHorizon' | 'sequential';

/** The pooled percentile of positive per-enrollment revenue that revenue is winsorized at. */
export const winsorPercentile = 0.99;

export interface Effect {
  absolute: number;
  relative: number | null;
  ci95: Interval;
  pValue: number;
  method: string;
}

export interface RevenueEffect extends Effect {
  varianceReduction: number;
  standardError: number;
}

/** Reactivation: treatment rate − control rate. */
export function compareProportions(xT: number, nT: number, xC: number, nC: number, analysis: Analysis): Effect {
  const fixed = proportionDifference(xT, nT, xC, nC);
  switch (analysis) {
    case 'fixedHorizon':
      return fixed;
    case 'sequential': {
      // Variance with one success and one failure added to each arm (Agresti & Caffo 2000): 0 of n still has a
      // width, and the first days, with a handful of events in the holdout, keep their coverage.
      const pT = (xT + 1) / (nT + 2);
      const pC = (xC + 1) / (nC + 2);
      const variance = (pT * (1 - pT)) / (nT + 2) + (pC * (1 - pC)) / (nC + 2);
      const n = nT + nC;
      const ci = sequentialInterval(fixed.absolute, variance, n);
      return {
        absolute: fixed.absolute,
        relative: fixed.relative,
        ci95: [Math.max(-1, ci[0]), Math.min(1, ci[1])],
        pValue: sequentialPValue(fixed.absolute, variance, n),
        method: `${sequentialMethod}; difference of proportions with the binomial variance`,
      };
    }
    default: {
      const exhaustive: never = analysis;
      return exhaustive;
    }
  }
}

export const fixedReactivationMethod = newcombeMethod;

/**
 * Revenue per enrolled customer: treatment − control, on revenue winsorized at `cap` (see `revenueCap`), CUPED-
 * adjusted on pre-period spend; Welch interval (fixed horizon) or the confidence sequence on the same
 * estimate and standard error (sequential).
 */
export function compareRevenue(treatment: SpendHistogram, control: SpendHistogram, cap: number | null, analysis: Analysis): RevenueEffect {
  const t = winsorizedMoments(treatment, cap);
  const c = winsorizedMoments(control, cap);
  const fixed: MeanDifference = meanDifference(t, c, { cuped: true });
  const capText = cap === null ? 'no cap (no positive revenue yet)' : `revenue winsorized at the pooled ${winsorPercentile * 100}th percentile of positive per-customer revenue`;
  switch (analysis) {
    case 'fixedHorizon':
      return { ...fixed, method: `${fixed.method}; ${capText}` };
    case 'sequential': {
      const variance = fixed.standardError ** 2;
      const n = t.n + c.n;
      return {
        absolute: fixed.absolute,
        relative: fixed.relative,
        ci95: sequentialInterval(fixed.absolute, variance, n),
        pValue: sequentialPValue(fixed.absolute, variance, n),
        standardError: fixed.standardError,
        varianceReduction: fixed.varianceReduction,
        method: `${sequentialMethod}, on the CUPED-adjusted difference of means; ${capText}`,
      };
    }
    default: {
      const exhaustive: never = analysis;
      return exhaustive;
    }
  }
}

/** One cap for every comparison of a report: pooled over all its arms, so every arm is capped alike. */
export const revenueCap = (histograms: readonly SpendHistogram[]): number | null => poolCap(histograms, winsorPercentile);
