import { describe, expect, it } from 'vitest';
import { meanDifference, welchDf } from '../../../shared/kpis/stats/means.js';
import { momentsOf } from '../../../shared/kpis/stats/moments.js';
import { histogramOf, poolCap, winsorizedMoments } from '../../../shared/kpis/stats/winsor.js';
import { seededRandom } from '../../../bench/random.js';

describe('Welch interval', () => {
  // Welch's t-test, worked example 1 of its Wikipedia article (two samples of 15): t = −2.46, ν ≈ 25.0, p ≈ 0.021.
  const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
  const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];

  it('matches the published worked example', () => {
    const result = meanDifference(momentsOf(a1), momentsOf(a2));
    expect(result.absolute / result.standardError).toBeCloseTo(-2.46, 2);
    expect(result.degreesOfFreedom).toBeCloseTo(24.99, 1);
    expect(result.pValue).toBeCloseTo(0.021, 3);
    expect(result.varianceReduction).toBe(0);
  });

  it('with a single customer in an arm the interval is unbounded (null in JSON), not a point', () => {
    const result = meanDifference(momentsOf([5990]), momentsOf([0, 0, 100]));
    expect(result.ci95).toEqual([-Infinity, Infinity]);
    expect(result.pValue).toBe(1);
    expect(JSON.parse(JSON.stringify(result.ci95))).toEqual([null, null]);
  });

  it('degrees of freedom fall between the smaller group and the pooled count', () => {
    expect(welchDf(1, 10, 1, 10)).toBeCloseTo(18, 10);
    const df = welchDf(4 / 5, 5, 1 / 50, 50);
    expect(df).toBeGreaterThan(4);
    expect(df).toBeLessThan(53);
  });
});

describe('CUPED', () => {
  it('removes the part of the variance the covariate explains and keeps the difference unbiased', () => {
    const random = seededRandom(7);
    const draw = (n: number, shift: number) => {
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = 0; i < n; i++) {
        const x = 10 + 3 * random.normal();
        xs.push(x);
        ys.push(x + shift + random.normal());
      }
      return momentsOf(ys, xs);
    };
    const a = draw(2000, 0.5);
    const b = draw(2000, 0);
    const plain = meanDifference(a, b);
    const adjusted = meanDifference(a, b, { cuped: true });
    // Var(y) = 9 + 1, Var(y | x) = 1: about 90 % of the variance goes.
    expect(adjusted.varianceReduction).toBeGreaterThan(0.85);
    expect(adjusted.theta).toBeCloseTo(1, 1);
    expect(adjusted.ci95[1] - adjusted.ci95[0]).toBeLessThan((plain.ci95[1] - plain.ci95[0]) * 0.4);
    expect(adjusted.ci95[0]).toBeLessThan(0.5);
    expect(adjusted.ci95[1]).toBeGreaterThan(0.5);
  });

  it('changes nothing when the covariate is constant', () => {
    const a = momentsOf([1, 2, 3, 4], [0, 0, 0, 0]);
    const b = momentsOf([2, 2, 5, 1], [0, 0, 0, 0]);
    expect(meanDifference(a, b, { cuped: true }).ci95).toEqual(meanDifference(a, b).ci95);
  });
});

describe('winsorizing from the histogram', () => {
  it('is exact: the moments equal those of min(y, cap) computed from the raw values', () => {
    const random = seededRandom(11);
    const ys = Array.from({ length: 5000 }, () => (random.bernoulli(0.2) ? Math.round(random.logNormal(8, 1.2)) : 0));
    const xs = ys.map(() => Math.round(random.logNormal(7, 1)));
    const h = histogramOf(ys, xs);
    const cap = poolCap([h], 0.99)!;
    const positives = ys.filter((y) => y > 0).sort((p, q) => p - q);
    const exact = positives[Math.ceil(0.99 * positives.length) - 1]!;
    expect(cap).toBeGreaterThanOrEqual(exact);
    expect(cap).toBeLessThanOrEqual(exact * 1.05);
    const expected = momentsOf(ys.map((y) => Math.min(y, cap)), xs);
    const got = winsorizedMoments(h, cap);
    expect(got.n).toBe(expected.n);
    for (const key of ['sy', 'syy', 'sx', 'sxx', 'sxy'] as const) expect(got[key] / expected[key]).toBeCloseTo(1, 9);
  });

  it('has no cap when nobody spent anything, and keeps net refunds (negative values) as they are', () => {
    expect(poolCap([histogramOf([0, 0, 0])], 0.99)).toBeNull();
    const h = histogramOf([-500, 0, 100, 200, 100_000]);
    const cap = poolCap([h], 0.5)!;
    expect(cap).toBeGreaterThanOrEqual(200);
    const m = winsorizedMoments(h, cap);
    expect(m.sy).toBeCloseTo(-500 + 100 + 200 + cap, 6);
  });
});
