import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptyStats,
  frequencyScore,
  mergeStats,
  monetaryBucket,
  monetaryBucketFloor,
  monetaryScore,
  partialStats,
  PartialStats,
  recencyScore,
  rfmCutPoints,
  type SummaryColumns,
} from '../../../shared/analytics/index.js';

interface Customer {
  first: number;
  last: number;
  days: number;
  repeatSpend: number;
  total: number;
}

const asOfDay = 20_000;

const customer = fc
  .record({
    first: fc.integer({ min: 0, max: 400 }),
    span: fc.integer({ min: 0, max: 400 }),
    extraDays: fc.integer({ min: 0, max: 30 }),
    repeatSpend: fc.integer({ min: 1, max: 500_000 }),
    total: fc.integer({ min: -5_000, max: 2_000_000 }),
  })
  .map(({ first, span, extraDays, repeatSpend, total }): Customer => {
    const firstDay = asOfDay - first - span;
    const days = span === 0 ? 1 : Math.min(span + 1, 2 + extraDays);
    return { first: firstDay, last: firstDay + (days === 1 ? 0 : span), days, repeatSpend: days > 1 ? repeatSpend : 0, total };
  });

function columns(list: readonly Customer[]): SummaryColumns {
  const n = list.length;
  return {
    asOfDay,
    length: n,
    customer: Int32Array.from(list, (_, i) => i),
    firstDay: Int32Array.from(list, (c) => c.first),
    lastDay: Int32Array.from(list, (c) => c.last),
    purchaseDays: Int32Array.from(list, (c) => c.days),
    repeatSpendMinor: Float64Array.from(list, (c) => c.repeatSpend),
    totalSpendMinor: Float64Array.from(list, (c) => c.total),
    medianGapDays: new Float64Array(n).fill(Number.NaN),
    orders: Int32Array.from(list, (c) => c.days),
    couponOrders: new Int32Array(n),
  };
}

/** Float sums may differ in the last bits with summation order; everything else must be identical. */
function expectSameStats(a: PartialStats, b: PartialStats): void {
  const strip = (s: PartialStats) => ({ ...s, spend: { ...s.spend, sumLogM: [], sumM: [] } });
  expect(strip(a)).toEqual(strip(b));
  a.spend.sumM.forEach((v, i) => expect(v).toBeCloseTo(b.spend.sumM[i]!, 6));
  a.spend.sumLogM.forEach((v, i) => expect(v).toBeCloseTo(b.spend.sumLogM[i]!, 9));
}

describe('partial statistics', () => {
  it('merge into exactly the statistics of the whole base, in any grouping and order', () => {
    fc.assert(
      fc.property(fc.array(customer, { maxLength: 80 }), fc.array(customer, { maxLength: 80 }), fc.array(customer, { maxLength: 80 }), (a, b, c) => {
        const [sa, sb, sc] = [a, b, c].map((l) => partialStats(columns(l))) as [PartialStats, PartialStats, PartialStats];
        const whole = partialStats(columns([...a, ...b, ...c]));
        expectSameStats(mergeStats(mergeStats(sa, sb), sc), whole);
        expectSameStats(mergeStats(sc, mergeStats(sb, sa)), whole);
        expectSameStats(mergeStats(emptyStats(asOfDay), whole), whole);
      }),
      { numRuns: 100 },
    );
  });

  it('survive a JSON round trip (they travel between shards as messages)', () => {
    const stats = partialStats(columns([{ first: asOfDay - 100, last: asOfDay - 10, days: 4, repeatSpend: 3000, total: 5000 }]));
    expect(PartialStats.parse(JSON.parse(JSON.stringify(stats)))).toEqual(stats);
    expect(stats.rf).toEqual({ x: [3], tx: [90], T: [100], count: [1] });
  });

  it('refuse to merge different analysis days', () => {
    expect(() => mergeStats(emptyStats(1), emptyStats(2))).toThrow(RangeError);
  });
});

describe('RFM quintiles', () => {
  it('cut a uniform base into fifths', () => {
    // 100 customers: last purchase 0..99 days ago, 1..100 purchase days, spend 1..100 (exact buckets).
    const list: Customer[] = Array.from({ length: 100 }, (_, i) => ({
      first: asOfDay - 200,
      last: asOfDay - i,
      days: i + 1,
      repeatSpend: i > 0 ? 100 : 0,
      total: i + 1,
    }));
    const cuts = rfmCutPoints(partialStats(columns(list)));
    expect(cuts.frequency).toEqual([20, 40, 60, 80]);
    expect(cuts.monetaryMinor).toEqual([20, 40, 60, 80]);
    expect(cuts.recencyDays).toEqual([80, 60, 40, 20]);
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 100; i++) counts[frequencyScore(i + 1, cuts) - 1]!++;
    expect(counts).toEqual([20, 20, 20, 20, 20]);
    expect(recencyScore(0, cuts)).toBe(5);
    expect(recencyScore(99, cuts)).toBe(1);
    expect(monetaryScore(100, cuts)).toBe(5);
    expect(monetaryScore(-300, cuts)).toBe(1);
  });

  it('give equal values equal scores, whatever the order of the base', () => {
    fc.assert(
      fc.property(fc.array(customer, { minLength: 1, maxLength: 120 }), (list) => {
        const cuts = rfmCutPoints(partialStats(columns(list)));
        const reversed = rfmCutPoints(partialStats(columns([...list].reverse())));
        expect(reversed).toEqual(cuts);
        for (const c of list) {
          const same = list.filter((d) => d.days === c.days);
          expect(new Set(same.map((d) => frequencyScore(d.days, cuts))).size).toBe(1);
          const score = monetaryScore(c.total, cuts);
          expect(score).toBeGreaterThanOrEqual(1);
          expect(score).toBeLessThanOrEqual(5);
        }
        // Better is never scored lower.
        const sorted = [...list].sort((p, q) => p.total - q.total);
        for (let i = 1; i < sorted.length; i++) {
          expect(monetaryScore(sorted[i]!.total, cuts)).toBeGreaterThanOrEqual(monetaryScore(sorted[i - 1]!.total, cuts));
        }
      }),
    );
  });

  it('monetary buckets preserve order, are exact below 1024 and 0.1 % wide above', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e6, max: 1e11 }), fc.integer({ min: -1e6, max: 1e11 }), (a, b) => {
        if (a < b) expect(monetaryBucket(a)).toBeLessThanOrEqual(monetaryBucket(b));
        const floor = monetaryBucketFloor(monetaryBucket(a));
        if (a <= 0) expect(floor).toBe(0);
        else if (a < 1024) expect(floor).toBe(a);
        else {
          expect(floor).toBeLessThanOrEqual(a);
          expect((a - floor) / a).toBeLessThan(1.001e-3);
        }
      }),
    );
  });
});
