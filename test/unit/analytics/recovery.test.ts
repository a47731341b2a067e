import { describe, expect, it } from 'vitest';
import { fitBgNbd, fitGammaGamma, spendBucket, type RfHistogram, type SpendHistogram } from '../../../shared/analytics/index.js';

/** mulberry32: deterministic draws so the test sees the same synthetic base every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gamma(rand: () => number, shape: number): number {
  if (shape < 1) return gamma(rand, shape + 1) * rand() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const v = (1 + c * x) ** 3;
    if (v > 0 && Math.log(1 - rand()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

describe('parameter recovery on simulated bases', () => {
  it('BG/NBD recovers the parameters that generated the purchases (days)', () => {
    const truth = { r: 0.6, alpha: 25, a: 0.7, b: 4 };
    const rand = random(7);
    const cells = new Map<string, number>();
    for (let i = 0; i < 30_000; i++) {
      const lambda = gamma(rand, truth.r) / truth.alpha;
      const ga = gamma(rand, truth.a);
      const p = ga / (ga + gamma(rand, truth.b));
      const T = 100 + Math.floor(rand() * 600);
      // Continuous-time BG/NBD; purchase times floored to whole days as a retailer records them.
      let t = 0;
      let x = 0;
      let last = 0;
      for (;;) {
        t += -Math.log(1 - rand()) / lambda;
        if (t > T) break;
        x++;
        last = t;
        if (rand() < p) break;
      }
      const key = `${x},${Math.floor(last)},${T}`;
      cells.set(key, (cells.get(key) ?? 0) + 1);
    }
    const entries = [...cells.entries()].map(([k, c]) => [...k.split(',').map(Number), c] as [number, number, number, number]);
    const h: RfHistogram = {
      length: entries.length,
      x: Int32Array.from(entries, (e) => e[0]),
      tx: Int32Array.from(entries, (e) => e[1]),
      T: Int32Array.from(entries, (e) => e[2]),
      count: Float64Array.from(entries, (e) => e[3]),
    };
    const result = fitBgNbd(h, { unit: 'day' });
    if (!result.ok) throw new Error(result.message);
    const { r, alpha, a, b } = result.fit.params;
    // Sampling error with 30,000 customers (and day rounding) stays within these bounds.
    expect(r / truth.r).toBeGreaterThan(0.85);
    expect(r / truth.r).toBeLessThan(1.15);
    expect(alpha / truth.alpha).toBeGreaterThan(0.8);
    expect(alpha / truth.alpha).toBeLessThan(1.2);
    expect(a / truth.a).toBeGreaterThan(0.75);
    expect(a / truth.a).toBeLessThan(1.25);
    expect(b / truth.b).toBeGreaterThan(0.7);
    expect(b / truth.b).toBeLessThan(1.3);
  });

  it('Gamma-Gamma recovers p, q, γ from bucketed mean spends', () => {
    const truth = { p: 6, q: 4, gamma: 1500 };
    const rand = random(11);
    const cells = new Map<string, { x: number; bucket: number; count: number; sumLogM: number; sumM: number }>();
    for (let i = 0; i < 20_000; i++) {
      const x = 1 + Math.floor(rand() * 8);
      const nu = gamma(rand, truth.q) / truth.gamma;
      let sum = 0;
      for (let k = 0; k < x; k++) sum += gamma(rand, truth.p) / nu;
      const m = sum / x;
      const bucket = spendBucket(m);
      const key = `${x},${bucket}`;
      const cell = cells.get(key) ?? { x, bucket, count: 0, sumLogM: 0, sumM: 0 };
      cell.count++;
      cell.sumLogM += Math.log(m);
      cell.sumM += m;
      cells.set(key, cell);
    }
    const list = [...cells.values()];
    const h: SpendHistogram = {
      length: list.length,
      x: Int32Array.from(list, (c) => c.x),
      bucket: Int32Array.from(list, (c) => c.bucket),
      count: Float64Array.from(list, (c) => c.count),
      sumLogM: Float64Array.from(list, (c) => c.sumLogM),
      sumM: Float64Array.from(list, (c) => c.sumM),
    };
    const result = fitGammaGamma(h);
    if (!result.ok) throw new Error(result.message);
    expect(result.fit.params.p / truth.p).toBeGreaterThan(0.9);
    expect(result.fit.params.p / truth.p).toBeLessThan(1.1);
    expect(result.fit.params.q / truth.q).toBeGreaterThan(0.85);
    expect(result.fit.params.q / truth.q).toBeLessThan(1.15);
    expect(result.fit.params.gamma / truth.gamma).toBeGreaterThan(0.8);
    expect(result.fit.params.gamma / truth.gamma).toBeLessThan(1.2);
  });
});
