import { describe, expect, it } from 'vitest';
import { chiSquareUpper } from '../../../shared/kpis/stats/distributions.js';
import { proportionDifference, twoProportionPValue, wilsonInterval } from '../../../shared/kpis/stats/proportions.js';

// Newcombe RG (1998) "Interval estimation for the difference between independent proportions: comparison of
// eleven methods", Statistics in Medicine 17:873–890, Table II, method 10 (hybrid score).
const newcombeTableII: [number, number, number, number, number, number][] = [
  [56, 70, 48, 80, 0.0524, 0.3339],
  [9, 10, 3, 10, 0.1705, 0.809],
  [6, 7, 2, 7, 0.0582, 0.8062],
  [5, 56, 0, 29, -0.0381, 0.1926],
  [0, 10, 0, 20, -0.1611, 0.2775],
  [0, 10, 0, 10, -0.2775, 0.2775],
  [10, 10, 0, 20, 0.6791, 1],
  [10, 10, 0, 10, 0.6075, 1],
];

describe('difference of proportions (Newcombe hybrid score)', () => {
  it.each(newcombeTableII)('%i/%i − %i/%i matches Newcombe (1998) Table II: [%f, %f]', (x1, n1, x2, n2, lo, hi) => {
    const result = proportionDifference(x1, n1, x2, n2);
    expect(result.absolute).toBeCloseTo(x1 / n1 - x2 / n2, 12);
    expect(result.ci95[0]).toBeCloseTo(lo, 4);
    expect(result.ci95[1]).toBeCloseTo(hi, 4);
  });

  it('Wilson interval matches Newcombe (1998, single proportion) example 81/263 = 0.2553–0.3662', () => {
    const [lo, hi] = wilsonInterval(81, 263);
    expect(lo).toBeCloseTo(0.2553, 4);
    expect(hi).toBeCloseTo(0.3662, 4);
  });

  it('pooled z-test p-value equals the uncorrected Pearson χ² p-value of the 2×2 table', () => {
    // [[56, 14], [48, 32]]: χ² = N(ad − bc)² / (r1 r2 c1 c2) = 7.023, 1 df
    const chi2 = (150 * (56 * 32 - 14 * 48) ** 2) / (70 * 80 * 104 * 46);
    expect(chi2).toBeCloseTo(7.0234, 4);
    expect(twoProportionPValue(56, 70, 48, 80)).toBeCloseTo(chiSquareUpper(chi2, 1), 10);
    expect(twoProportionPValue(56, 70, 48, 80)).toBeCloseTo(0.00805, 5);
  });

  it('relative difference is against the second (control) rate, null when it is zero', () => {
    expect(proportionDifference(30, 100, 20, 100).relative).toBeCloseTo(0.5, 12);
    expect(proportionDifference(3, 100, 0, 100).relative).toBeNull();
  });
});
