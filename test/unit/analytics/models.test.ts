import { describe, expect, it } from 'vitest';
import {
  bgnbdLogLikelihood,
  bgnbdLogLikelihoodOne,
  conditionalExpectedPurchases,
  emptyStats,
  expectedPurchases,
  fitBgNbd,
  fitModels,
  gammaGammaLogLikelihood,
  gammaGammaLogLikelihoodOne,
  hyp2f1,
  logGamma,
  digamma,
  Models,
  toUnit,
  type RfHistogram,
  type SpendHistogram,
} from '../../../shared/analytics/index.js';

const params = { r: 0.2426, alpha: 4.4137, a: 0.793, b: 2.4262 };

function histogram(rows: [number, number, number, number][]): RfHistogram {
  return {
    length: rows.length,
    x: Int32Array.from(rows, (r) => r[0]),
    tx: Int32Array.from(rows, (r) => r[1]),
    T: Int32Array.from(rows, (r) => r[2]),
    count: Float64Array.from(rows, (r) => r[3]),
  };
}

const small = histogram([
  [0, 0, 250, 30],
  [1, 40, 260, 7],
  [2, 120, 230, 4],
  [5, 200, 270, 2],
  [12, 250, 272, 1],
  [0, 0, 10, 3],
  [3, 30, 31, 2],
]);

describe('special functions', () => {
  it('ln Γ and ψ agree with known values', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 14);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 9); // ln 100!
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 13);
    expect(digamma(0.25)).toBeCloseTo(-Math.PI / 2 - 3 * Math.log(2) - 0.5772156649015329, 12);
  });

  it('2F1 matches closed forms', () => {
    for (const z of [0.1, 0.5, 0.9, 0.99]) {
      expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(-Math.log(1 - z) / z, 10);
      expect(hyp2f1(0.5, 1, 1, z)).toBeCloseTo((1 - z) ** -0.5, 10);
    }
  });
});

describe('BG/NBD likelihood', () => {
  it('sums the per-customer log-likelihood, weighted by count', () => {
    let expected = 0;
    for (let i = 0; i < small.length; i++) {
      expected += small.count[i]! * bgnbdLogLikelihoodOne(params, small.x[i]!, small.tx[i]! / 7, small.T[i]! / 7);
    }
    expect(bgnbdLogLikelihood(params, small, 'week').logLikelihood).toBeCloseTo(expected, 9);
  });

  it('has an analytic gradient that matches finite differences', () => {
    const { gradient } = bgnbdLogLikelihood(params, small, 'week');
    const keys = ['r', 'alpha', 'a', 'b'] as const;
    keys.forEach((key, i) => {
      const h = 1e-6 * params[key];
      const up = bgnbdLogLikelihood({ ...params, [key]: params[key] + h }, small, 'week').logLikelihood;
      const down = bgnbdLogLikelihood({ ...params, [key]: params[key] - h }, small, 'week').logLikelihood;
      expect(gradient[i]).toBeCloseTo((up - down) / (2 * h), 4);
    });
  });

  it('is stable for heavy buyers where the naive sum of exponentials underflows', () => {
    const ll = bgnbdLogLikelihoodOne(params, 400, 360, 365);
    expect(Number.isFinite(ll)).toBe(true);
    const direct = bgnbdLogLikelihood(params, histogram([[400, 2520, 2555, 1]]), 'week').logLikelihood;
    expect(direct).toBeCloseTo(ll, 8);
  });

  it('fits a weighted histogram exactly like the expanded list of customers', () => {
    const expanded: [number, number, number, number][] = [];
    for (let i = 0; i < small.length; i++) {
      for (let k = 0; k < small.count[i]!; k++) expanded.push([small.x[i]!, small.tx[i]!, small.T[i]!, 1]);
    }
    const a = fitBgNbd(small, { unit: 'day' });
    const b = fitBgNbd(histogram(expanded), { unit: 'day' });
    if (!a.ok || !b.ok) throw new Error('fit failed');
    expect(a.fit.params.r).toBeCloseTo(b.fit.params.r, 5);
    expect(a.fit.params.alpha).toBeCloseTo(b.fit.params.alpha, 3);
    expect(a.fit.logLikelihood).toBeCloseTo(b.fit.logLikelihood, 6);
  });

  it('reports a base without repeat purchases or customers as a typed failure', () => {
    expect(fitBgNbd(histogram([[0, 0, 100, 50]]), { unit: 'day' })).toMatchObject({ ok: false, reason: 'no_repeat_purchases' });
    expect(fitBgNbd(small, { unit: 'day', minCustomers: 1000 })).toMatchObject({ ok: false, reason: 'too_few_customers' });
  });
});

describe('BG/NBD predictions', () => {
  it('conditional expectation of a customer just acquired is E[X(t)]', () => {
    for (const t of [1, 10, 52]) expect(conditionalExpectedPurchases(params, t, 0, 0, 0)).toBeCloseTo(expectedPurchases(params, t), 12);
  });

  it('converts α between units without changing predictions', () => {
    const days = toUnit(params, 'week', 'day');
    expect(days.alpha).toBeCloseTo(params.alpha * 7, 12);
    expect(conditionalExpectedPurchases(days, 90, 3, 140, 210)).toBeCloseTo(conditionalExpectedPurchases(params, 90 / 7, 3, 20, 30), 10);
  });
});

describe('Gamma-Gamma likelihood', () => {
  const spend: SpendHistogram = {
    length: 3,
    x: Int32Array.from([1, 2, 5]),
    bucket: Int32Array.from([0, 0, 0]),
    count: Float64Array.from([1, 1, 1]),
    sumLogM: Float64Array.from([Math.log(1200), Math.log(3100), Math.log(2500)]),
    sumM: Float64Array.from([1200, 3100, 2500]),
  };
  const g = { p: 6.25, q: 3.74, gamma: 1544 };

  it('matches the per-customer form and its gradient matches finite differences', () => {
    const expected =
      gammaGammaLogLikelihoodOne(g, 1, 1200) + gammaGammaLogLikelihoodOne(g, 2, 3100) + gammaGammaLogLikelihoodOne(g, 5, 2500);
    const { logLikelihood, gradient } = gammaGammaLogLikelihood(g, spend);
    expect(logLikelihood).toBeCloseTo(expected, 9);
    (['p', 'q', 'gamma'] as const).forEach((key, i) => {
      const h = 1e-6 * g[key];
      const up = gammaGammaLogLikelihood({ ...g, [key]: g[key] + h }, spend).logLikelihood;
      const down = gammaGammaLogLikelihood({ ...g, [key]: g[key] - h }, spend).logLikelihood;
      expect(gradient[i]).toBeCloseTo((up - down) / (2 * h), 5);
    });
  });
});

describe('fitModels', () => {
  const lastGoodFit: Models = Models.parse({
    timeUnit: 'week',
    bgnbd: { ...params, logLikelihood: -9582.4, customers: 2357, origin: 'fitted' },
    gammaGamma: { p: 6.25, q: 3.74, gamma: 1544.77, logLikelihood: -4000, repeatBuyers: 946, origin: 'fitted' },
  });

  it('falls back to the last good fit when the base is too small, converting units', () => {
    const stats = emptyStats(10_000);
    stats.customers = 3;
    stats.rf = { x: [0, 1], tx: [0, 5], T: [10, 12], count: [2, 1] };
    const result = fitModels(stats, { timeUnit: 'day', lastGoodFit });
    if (!result.ok) throw new Error(result.message);
    expect(result.models.bgnbd.origin).toBe('last_good_fit');
    expect(result.models.bgnbd.alpha).toBeCloseTo(params.alpha * 7, 10);
    expect(result.models.gammaGamma).toMatchObject({ p: 6.25, origin: 'last_good_fit' });
    expect(result.warnings).toHaveLength(2);
  });

  it('fails with a typed result when there is neither a base nor a last good fit', () => {
    expect(fitModels(emptyStats(10_000), { timeUnit: 'week' })).toMatchObject({ ok: false, reason: 'no_model' });
  });
});
