import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summarize, summarizeColumns, type CustomerSummary, type PurchaseColumns } from '../../../shared/analytics/index.js';

interface Draft {
  customerId?: string;
  occurredAt: string;
  totalMinor: number;
  type?: 'purchase' | 'refund';
  items?: { category?: string; quantity: number; unitPriceMinor: number }[];
  couponCodes?: string[];
}

const purchase = (occurredAt: string, totalMinor: number, extra: Partial<Draft> = {}): Draft => ({
  customerId: 'c1',
  occurredAt,
  totalMinor,
  type: 'purchase',
  ...extra,
});

function only(drafts: Draft[], asOf = '2024-03-31', timeZone?: string): CustomerSummary {
  const result = summarize(drafts, { asOf, ...(timeZone === undefined ? {} : { timeZone }) });
  if (!result.ok) throw new Error(result.message);
  expect(result.summaries).toHaveLength(1);
  return result.summaries[0]!;
}

describe('summarize', () => {
  it('merges purchases of one day into one purchase day and counts x, t_x, T in days', () => {
    const s = only([
      purchase('2024-01-01T09:00:00Z', 1000),
      purchase('2024-01-01T17:00:00Z', 500),
      purchase('2024-01-11T10:00:00Z', 2000),
      purchase('2024-01-31T10:00:00Z', 3000),
    ]);
    expect(s).toMatchObject({
      firstPurchaseDay: '2024-01-01',
      lastPurchaseDay: '2024-01-31',
      purchaseDays: 3,
      x: 2,
      tx: 30,
      T: 90,
      orders: 4,
      totalSpendMinor: 6500,
    });
    // Mean of the repeat purchase-day totals (2000, 3000); the first day does not count.
    expect(s.repeatAovMinor).toBe(2500);
    // Gaps 10 and 20 days: median of an even count is the mean of the middle two.
    expect(s.typicalIntervalDays).toBe(15);
  });

  it('ignores purchases after asOf; asOf is inclusive', () => {
    const s = only(
      [purchase('2024-01-01T10:00:00Z', 1000), purchase('2024-03-31T23:59:59Z', 1000), purchase('2024-04-01T00:00:00Z', 1000)],
      '2024-03-31',
    );
    expect(s.purchaseDays).toBe(2);
    expect(s.lastPurchaseDay).toBe('2024-03-31');
    expect(s.totalSpendMinor).toBe(2000);
  });

  it('counts calendar days in the configured time zone', () => {
    const drafts = [purchase('2024-03-01T10:00:00Z', 100), purchase('2024-03-01T23:30:00Z', 100)];
    expect(only(drafts, '2024-03-31').purchaseDays).toBe(1);
    // 23:30 UTC is already 00:30 on 2 March in Berlin: two purchase days.
    const berlin = only(drafts, '2024-03-31', 'Europe/Berlin');
    expect(berlin.purchaseDays).toBe(2);
    expect(berlin.lastPurchaseDay).toBe('2024-03-02');
    // Across the spring-forward night (31 March 2024, 02:00 → 03:00) the day is still right.
    const dst = only([purchase('2024-03-30T23:30:00Z', 100), purchase('2024-03-31T22:30:00Z', 100)], '2024-04-05', 'Europe/Berlin');
    expect([dst.firstPurchaseDay, dst.lastPurchaseDay]).toEqual(['2024-03-31', '2024-04-01']);
  });

  it('nets refunds into spend but never makes a purchase day of them', () => {
    const s = only([
      purchase('2024-01-01T10:00:00Z', 4000),
      purchase('2024-02-01T10:00:00Z', 1500, { type: 'refund' }),
      purchase('2024-02-03T10:00:00Z', -500),
    ]);
    expect(s.purchaseDays).toBe(1);
    expect(s.x).toBe(0);
    expect(s.totalSpendMinor).toBe(2000);
    expect(s.orders).toBe(1);
    expect(s.repeatAovMinor).toBeNull();
    expect(s.typicalIntervalDays).toBeNull();
  });

  it('leaves out customers with refunds only', () => {
    const result = summarize([purchase('2024-01-01T10:00:00Z', 100, { type: 'refund' })], { asOf: '2024-03-31' });
    expect(result).toEqual({ ok: true, summaries: [], skipped: 0 });
  });

  it('computes category affinity from item lines and the coupon usage rate', () => {
    const s = only([
      purchase('2024-01-01T10:00:00Z', 3000, {
        items: [
          { category: 'dairy', quantity: 2, unitPriceMinor: 500 },
          { category: 'bakery', quantity: 1, unitPriceMinor: 2000 },
        ],
        couponCodes: ['WELCOME'],
      }),
      purchase('2024-01-05T10:00:00Z', 1000, { items: [{ category: 'dairy', quantity: 1, unitPriceMinor: 1000 }] }),
      purchase('2024-01-06T10:00:00Z', 1000, { type: 'refund', items: [{ category: 'bakery', quantity: 1, unitPriceMinor: 1000 }] }),
      purchase('2024-01-07T10:00:00Z', 500, { items: [{ quantity: 1, unitPriceMinor: 500 }] }),
    ]);
    // dairy 1000 + 1000, bakery 2000 − 1000; uncategorised lines do not count.
    expect(s.categoryAffinity).toEqual({ dairy: 2000 / 3000, bakery: 1000 / 3000 });
    expect(s.couponUsageRate).toBeCloseTo(1 / 3, 12);
  });

  it('skips records that do not parse and reports typed errors for bad options', () => {
    const result = summarize([{ customerId: 'c1' }, purchase('not a date', 100), purchase('2024-01-01T10:00:00Z', 100)], {
      asOf: '2024-03-31',
    });
    expect(result.ok && result.skipped).toBe(2);
    expect(summarize([], { asOf: '2024-02-30' })).toMatchObject({ ok: false, error: 'invalid_as_of' });
    expect(summarize([], { asOf: '2024-02-01', timeZone: 'Mars/Olympus' })).toMatchObject({ ok: false, error: 'invalid_time_zone' });
  });

  it('does not depend on the order of the rows', () => {
    const row = fc.record({
      customer: fc.integer({ min: 0, max: 4 }),
      day: fc.integer({ min: 0, max: 60 }),
      amount: fc.integer({ min: 1, max: 10_000 }),
      refund: fc.boolean(),
      coupon: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 60 }), fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })), (rows, stream) => {
        const keys = [...stream.take(rows.length)];
        const shuffled = rows.map((r, i) => ({ r, k: keys[i]! })).sort((a, b) => a.k - b.k).map((e) => e.r);
        const a = summarizeColumns(columnsOf(rows), 50);
        const b = summarizeColumns(columnsOf(shuffled), 50);
        expect(b).toEqual(a);
      }),
      { numRuns: 200 },
    );
  });
});

function columnsOf(rows: { customer: number; day: number; amount: number; refund: boolean; coupon: boolean }[]): PurchaseColumns {
  return {
    length: rows.length,
    customerCount: 5,
    customer: Int32Array.from(rows, (r) => r.customer),
    day: Int32Array.from(rows, (r) => r.day),
    amountMinor: Float64Array.from(rows, (r) => (r.refund ? -r.amount : r.amount)),
    refund: Uint8Array.from(rows, (r) => (r.refund ? 1 : 0)),
    coupon: Uint8Array.from(rows, (r) => (r.coupon ? 1 : 0)),
  };
}
