import { describe, expect, it } from 'vitest';
import {
  AnalyticsConfig,
  conditionalExpectedAverageSpend,
  conditionalExpectedPurchases,
  customerLifetimeValue,
  defaultSegmentRules,
  fitModels,
  pAlive,
  parseDay,
  partialStats,
  rfmCutPoints,
  Scorer,
  scoreColumns,
  scoreCustomer,
  summarize,
  summaryColumnsFrom,
  type CustomerSummary,
  type Models,
} from '../../../shared/analytics/index.js';
import { readSample } from './cdnow.js';

const config = AnalyticsConfig.parse({});

function cdnowRun() {
  const purchases = readSample().map((row) => ({
    customerId: String(row.sampleId),
    occurredAt: `${row.date}T12:00:00Z`,
    totalMinor: Math.round(row.dollars * 100),
  }));
  const result = summarize(purchases, { asOf: '1997-09-30' });
  if (!result.ok) throw new Error(result.message);
  const stats = partialStats(result.summaries, '1997-09-30');
  const fitted = fitModels(stats, { timeUnit: 'week' });
  if (!fitted.ok) throw new Error(fitted.message);
  return { summaries: result.summaries, models: fitted.models, cuts: rfmCutPoints(stats) };
}

const run = cdnowRun();

describe('scoreCustomer on CDNOW', () => {
  it('gives every customer scores and exactly one of the configured segments', () => {
    const names = new Set(defaultSegmentRules.map((r) => r.name));
    const sizes = new Map<string, number>();
    for (const s of run.summaries) {
      const scores = scoreCustomer(s, run.models, run.cuts, config, '1997-09-30');
      expect(names.has(scores.segment)).toBe(true);
      sizes.set(scores.segment, (sizes.get(scores.segment) ?? 0) + 1);
      for (const v of [scores.rfm.recency, scores.rfm.frequency, scores.rfm.monetary]) expect(v).toBeGreaterThanOrEqual(1);
    }
    expect([...sizes.values()].reduce((a, b) => a + b, 0)).toBe(2357);
    // A 1997 CD buyer base is mostly gone by September: the largest segment is a lapsed one.
    const largest = [...sizes.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    expect(['lost', 'hibernating']).toContain(largest);
  });

  it('model outputs are the BG/NBD and Gamma-Gamma formulas in the model time unit', () => {
    const s = run.summaries.find((c) => c.x >= 3)!;
    const scores = scoreCustomer(s, run.models, run.cuts, config, '1997-09-30');
    const { r, alpha, a, b } = run.models.bgnbd;
    const p = { r, alpha, a, b };
    expect(scores.pAlive).toBeCloseTo(pAlive(p, s.x, s.tx / 7, s.T / 7), 12);
    expect(scores.expectedPurchases90d).toBeCloseTo(conditionalExpectedPurchases(p, 90 / 7, s.x, s.tx / 7, s.T / 7), 10);
    const aov = conditionalExpectedAverageSpend(run.models.gammaGamma, s.x, s.repeatAovMinor!);
    expect(scores.expectedAovMinor).toBe(Math.round(aov));
    const clv = customerLifetimeValue((days) => conditionalExpectedPurchases(p, days / 7, s.x, s.tx / 7, s.T / 7), aov, config.clv);
    expect(scores.clv12mMinor).toBe(Math.round(clv));
  });

  it('columnar scoring agrees with per-customer scoring', () => {
    const columns = summaryColumnsFrom(run.summaries, parseDay('1997-09-30')!);
    const bulk = scoreColumns(columns, new Scorer(run.models, run.cuts, config));
    run.summaries.forEach((s, i) => {
      const one = scoreCustomer(s, run.models, run.cuts, config, '1997-09-30');
      expect(bulk.segmentNames[bulk.segment[i]!]).toBe(one.segment);
      expect(bulk.pAlive[i]).toBeCloseTo(one.pAlive, 12);
      expect(bulk.clv12mMinor[i]).toBe(one.clv12mMinor);
    });
  });
});

describe('churn risk', () => {
  const models: Models = {
    timeUnit: 'day',
    bgnbd: { r: 1, alpha: 20, a: 0.8, b: 8, logLikelihood: null, customers: 1000, origin: 'fitted' },
    gammaGamma: { p: 6, q: 4, gamma: 1500, logLikelihood: null, repeatBuyers: 500, origin: 'fitted' },
  };
  const cuts = { customers: 100, recencyDays: [90, 60, 30, 10], frequency: [1, 2, 4, 8], monetaryBucket: [1000, 1100, 1200, 1300], monetaryMinor: [1000, 2000, 4000, 8000] };
  const summary = (lastDay: string, interval: number | null, x: number): CustomerSummary => ({
    customerId: 'c',
    firstPurchaseDay: '2024-01-01',
    lastPurchaseDay: lastDay,
    purchaseDays: x + 1,
    x,
    tx: parseDay(lastDay)! - parseDay('2024-01-01')!,
    T: 0,
    repeatAovMinor: x > 0 ? 2500 : null,
    totalSpendMinor: 2500 * (x + 1),
    typicalIntervalDays: interval,
    categoryAffinity: {},
    couponUsageRate: 0,
    orders: x + 1,
  });
  const lenient = AnalyticsConfig.parse({ churn: { pAliveThreshold: 0 } });

  it('flags a customer quiet for longer than k × their own interval, but never before the floor', () => {
    // Weekly shopper (interval 7): 3 × 7 = 21 days = the floor.
    expect(scoreCustomer(summary('2024-03-01', 7, 8), models, cuts, lenient, '2024-03-22').churnRisk).toMatchObject({ overdue: false, overdueAfterDays: 21 });
    expect(scoreCustomer(summary('2024-03-01', 7, 8), models, cuts, lenient, '2024-03-23').churnRisk).toMatchObject({ overdue: true, atRisk: true });
    // Every-other-day shopper: 3 × 2 = 6 days, lifted to the 21-day floor.
    expect(scoreCustomer(summary('2024-03-01', 2, 30), models, cuts, lenient, '2024-03-10').churnRisk).toMatchObject({ overdue: false, overdueAfterDays: 21 });
    // Monthly shopper: 90 days.
    expect(scoreCustomer(summary('2024-03-01', 30, 2), models, cuts, lenient, '2024-05-15').churnRisk).toMatchObject({ overdue: false, overdueAfterDays: 90 });
  });

  it('uses the single-purchase allowance for one-time buyers', () => {
    const once = summary('2024-01-01', null, 0);
    expect(scoreCustomer(once, models, cuts, lenient, '2024-02-29').churnRisk).toMatchObject({ overdue: false, overdueAfterDays: 60 });
    expect(scoreCustomer(once, models, cuts, lenient, '2024-03-02').churnRisk.overdue).toBe(true);
  });

  it('flags a low P(alive) even when the customer is not overdue by their own rhythm', () => {
    const strict = AnalyticsConfig.parse({ churn: { pAliveThreshold: 0.99, floorDays: 1000 } });
    const s = summary('2024-03-01', 7, 8);
    const scores = scoreCustomer(s, models, cuts, strict, '2024-03-20');
    expect(scores.pAlive).toBeLessThan(0.99);
    expect(scores.churnRisk).toMatchObject({ lowPAlive: true, overdue: false, atRisk: true });
  });

  it('refuses an asOf before the last purchase', () => {
    expect(() => scoreCustomer(summary('2024-03-01', 7, 8), models, cuts, config, '2024-02-01')).toThrow(RangeError);
  });
});
