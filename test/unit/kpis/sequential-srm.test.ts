import { describe, expect, it } from 'vitest';
import { zCritical } from '../../../shared/kpis/stats/distributions.js';
import { mixtureRho, sequentialHalfWidth, sequentialPValue } from '../../../shared/kpis/stats/sequential.js';
import { sampleRatioCheck } from '../../../shared/kpis/stats/srm.js';

describe('asymptotic confidence sequence', () => {
  it('uses GrowthBook’s tuning ρ for N* = 5,000 at α = 0.05', () => {
    const l = -2 * Math.log(0.05);
    expect(mixtureRho(0.05)).toBeCloseTo(Math.sqrt((l + Math.log(l + 1)) / 5000), 12);
  });

  it('is wider than the fixed-horizon interval at every n, and shrinks as n grows', () => {
    let previous = Infinity;
    for (const n of [100, 1_000, 5_000, 50_000, 500_000]) {
      const variance = 4 / n; // σ² = 4 per observation
      const half = sequentialHalfWidth(variance, n);
      expect(half).toBeGreaterThan(zCritical(0.05) * Math.sqrt(variance));
      expect(half).toBeLessThan(previous);
      previous = half;
    }
    // Near the tuning point the price of peeking is moderate (≈ 1.5–2.5× the fixed-horizon width).
    const ratio = sequentialHalfWidth(4 / 5000, 5000) / (zCritical(0.05) * Math.sqrt(4 / 5000));
    expect(ratio).toBeGreaterThan(1.2);
    expect(ratio).toBeLessThan(2.5);
  });

  it('the always-valid p-value is the α at which the sequence just touches 0', () => {
    const p = sequentialPValue(0.1, 0.001, 4000);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
    expect(sequentialHalfWidth(0.001, 4000, p)).toBeCloseTo(0.1, 6);
    expect(sequentialPValue(0, 0.001, 4000)).toBe(1);
  });
});

describe('sample-ratio mismatch', () => {
  it('a 90/10 split observed as 9,000/1,000 passes; 9,000/880 is flagged (p < 0.001)', () => {
    const fine = sampleRatioCheck({ treatment: 9000, control: 1000 }, { treatment: 0.9, control: 0.1 });
    expect(fine.chiSquare).toBe(0);
    expect(fine.mismatch).toBe(false);
    const bad = sampleRatioCheck({ treatment: 9000, control: 880 }, { treatment: 0.9, control: 0.1 });
    // expected 8,892 / 988: χ² = 108²/8892 + 108²/988 = 13.12, 1 df → p ≈ 0.00029
    expect(bad.chiSquare).toBeCloseTo(108 ** 2 / 8892 + 108 ** 2 / 988, 10);
    expect(bad.pValue).toBeCloseTo(0.000292, 5);
    expect(bad.mismatch).toBe(true);
  });

  it('three arms use 2 degrees of freedom; an arm outside the split is a mismatch', () => {
    const three = sampleRatioCheck({ control: 100, message: 450, coupon: 450 }, { control: 10, message: 45, coupon: 45 });
    expect(three.degreesOfFreedom).toBe(2);
    expect(three.pValue).toBeCloseTo(1, 10);
    expect(sampleRatioCheck({ control: 10, stray: 1 }, { control: 1, treatment: 9 }).mismatch).toBe(true);
  });
});
