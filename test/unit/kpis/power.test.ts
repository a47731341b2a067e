import { describe, expect, it } from 'vitest';
import { phiInverse, zCritical } from '../../../shared/kpis/stats/distributions.js';
import {
  audienceNeeded,
  holdoutNeeded,
  meanMde,
  meanPower,
  proportionMde,
  proportionPower,
  proportionSampleSizePerGroup,
} from '../../../shared/kpis/stats/power.js';

/** The textbook equal-groups formula, written out here independently of the module under test. */
function textbookN(p1: number, p2: number): number {
  const pBar = (p1 + p2) / 2;
  const term = 1.959963984540054 * Math.sqrt(2 * pBar * (1 - pBar)) + 0.8416212335729143 * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return (term * term) / (p1 - p2) ** 2;
}

describe('power for two proportions', () => {
  it('10 % → 15 % needs 686 per group at α = 0.05, 80 % power (Fleiss, without continuity correction)', () => {
    expect(proportionSampleSizePerGroup(0.1, 0.15)).toBe(686);
  });

  it.each([
    [0.1, 0.15],
    [0.033, 0.045],
    [0.5, 0.55],
    [0.02, 0.03],
  ])('the MDE at the textbook n for %f → %f is the textbook difference within 1 %', (p1, p2) => {
    const n = textbookN(p1, p2);
    const mde = proportionMde(p1, n, n)!;
    expect(Math.abs(mde - (p2 - p1)) / (p2 - p1)).toBeLessThan(0.01);
    expect(proportionPower(p1, p2 - p1, n, n)).toBeCloseTo(0.8, 3);
  });

  it('an uneven split needs more customers than an even one, and the holdout search finds the even split', () => {
    const n = textbookN(0.1, 0.15) * 2;
    expect(proportionPower(0.1, 0.05, n * 0.9, n * 0.1)).toBeLessThan(0.5);
    expect(holdoutNeeded(n, 0.8, (t, c) => proportionPower(0.1, 0.05, t, c))).toBeCloseTo(0.5, 1);
    expect(holdoutNeeded(n * 0.9, 0.8, (t, c) => proportionPower(0.1, 0.05, t, c))).toBeNull();
  });
});

describe('power for means', () => {
  it('MDE = (z₀.₉₇₅ + z₀.₈) σ √(1/nT + 1/nC) and power at the MDE is 80 %', () => {
    const mde = meanMde(100, 27_000, 3_000)!;
    expect(mde).toBeCloseTo((zCritical(0.05) + phiInverse(0.8)) * 100 * Math.sqrt(1 / 27_000 + 1 / 3_000), 10);
    expect(meanPower(100, mde, 27_000, 3_000)).toBeCloseTo(0.8, 10);
  });

  it('the issue case: 30,000 customers, 10 % holdout, +1.2 % of a mean of 40 with sd 120 is far from detectable', () => {
    const power = meanPower(120, 0.012 * 40, 27_000, 3_000);
    expect(power).toBeLessThan(0.1);
    const needed = audienceNeeded(0.1, 0.8, (t, c) => meanPower(120, 0.012 * 40, t, c))!;
    // closed form: N = ((z + z) σ / δ)² (1/0.9 + 1/0.1)
    const closed = ((zCritical(0.05) + phiInverse(0.8)) * 120 / 0.48) ** 2 * (1 / 0.9 + 1 / 0.1);
    expect(Math.abs(needed - closed) / closed).toBeLessThan(0.001);
  });
});
