import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AnalyticsConfig,
  assignSegment,
  defaultSegmentRules,
  emptyFields,
  SegmentRules,
  type SegmentFields,
} from '../../../shared/analytics/index.js';

const fields = (overrides: Partial<SegmentFields>): SegmentFields => ({ ...emptyFields(), pAlive: 1, ...overrides });

describe('segment rules', () => {
  it('defaults are valid, snake_case, and end in a catch-all', () => {
    expect(SegmentRules.parse(defaultSegmentRules)).toEqual(defaultSegmentRules);
    expect(defaultSegmentRules.map((r) => r.name)).toEqual([
      'champions',
      'new',
      'lost',
      'cant_lose',
      'at_risk',
      'loyal',
      'occasional',
      'promising',
      'hibernating',
    ]);
  });

  it('reject rule lists that could leave a customer without a segment or are ambiguous', () => {
    const rule = { name: 'a', when: { field: 'pAlive', op: 'lt', value: 0.5 } };
    expect(SegmentRules.safeParse([rule]).success).toBe(false); // no catch-all
    expect(SegmentRules.safeParse([{ name: 'a' }, { name: 'b' }]).success).toBe(false); // catch-all not last
    expect(SegmentRules.safeParse([rule, { name: 'a' }]).success).toBe(false); // duplicate name
    expect(SegmentRules.safeParse([{ name: 'x', when: { field: 'churnRisk', op: 'gt', value: 1 } }, { name: 'y' }]).success).toBe(false);
    expect(SegmentRules.safeParse([{ name: 'x', when: { field: 'pAlive', op: 'eq', value: true } }, { name: 'y' }]).success).toBe(false);
    expect(SegmentRules.safeParse([{ name: 'x', when: { field: 'shoeSize', op: 'gt', value: 1 } }, { name: 'y' }]).success).toBe(false);
    expect(SegmentRules.safeParse([{ name: 'Big Spenders' }]).success).toBe(false);
  });

  it('first matching rule wins; the catch-all takes the rest', () => {
    const rules = SegmentRules.parse([
      { name: 'vip', when: { field: 'monetaryScore', op: 'eq', value: 5 } },
      { name: 'fading', when: { any: [{ field: 'pAlive', op: 'lt', value: 0.3 }, { field: 'churnRisk', op: 'eq', value: true }] } },
      { name: 'steady', when: { not: { field: 'churnRisk', op: 'eq', value: true } } },
      { name: 'rest' },
    ]);
    expect(assignSegment(fields({ monetaryScore: 5, pAlive: 0.1 }), rules)).toBe('vip');
    expect(assignSegment(fields({ monetaryScore: 4, pAlive: 0.1 }), rules)).toBe('fading');
    expect(assignSegment(fields({ monetaryScore: 4, churnRisk: false }), rules)).toBe('steady');
    expect(assignSegment(fields({ monetaryScore: 4, pAlive: 0.9, churnRisk: true }), rules)).toBe('fading');
  });

  it('comparisons with a missing value (single-purchase customers) are false', () => {
    const rules = SegmentRules.parse([
      { name: 'regular', when: { field: 'typicalIntervalDays', op: 'lte', value: 10 } },
      { name: 'not_ten', when: { field: 'typicalIntervalDays', op: 'neq', value: 10 } },
      { name: 'rest' },
    ]);
    expect(assignSegment(fields({ typicalIntervalDays: null }), rules)).toBe('rest');
    expect(assignSegment(fields({ typicalIntervalDays: 7 }), rules)).toBe('regular');
  });

  it('can be replaced through the JSON configuration', () => {
    const config = AnalyticsConfig.parse(
      JSON.parse('{"timeZone":"Europe/Vienna","segments":[{"name":"active","when":{"field":"daysSinceLastPurchase","op":"lte","value":30}},{"name":"inactive"}]}'),
    );
    expect(config.segments.map((s) => s.name)).toEqual(['active', 'inactive']);
    expect(config.churn.floorDays).toBe(21);
    expect(AnalyticsConfig.safeParse({ timeZone: 'Nowhere/Land' }).success).toBe(false);
  });

  it('put every possible customer in exactly one default segment', () => {
    const anyFields = fc.record({
      recencyScore: fc.integer({ min: 1, max: 5 }),
      frequencyScore: fc.integer({ min: 1, max: 5 }),
      monetaryScore: fc.integer({ min: 1, max: 5 }),
      pAlive: fc.double({ min: 0, max: 1, noNaN: true }),
      expectedPurchases90d: fc.double({ min: 0, max: 100, noNaN: true }),
      expectedAovMinor: fc.integer({ min: 0, max: 1e6 }),
      clv12mMinor: fc.integer({ min: 0, max: 1e7 }),
      churnRisk: fc.boolean(),
      daysSinceLastPurchase: fc.integer({ min: 0, max: 2000 }),
      daysSinceFirstPurchase: fc.integer({ min: 0, max: 4000 }),
      purchaseDays: fc.integer({ min: 1, max: 500 }),
      repeatPurchases: fc.integer({ min: 0, max: 499 }),
      typicalIntervalDays: fc.option(fc.double({ min: 1, max: 365, noNaN: true })),
      overdueRatio: fc.option(fc.double({ min: 0, max: 50, noNaN: true })),
      totalSpendMinor: fc.integer({ min: -1e5, max: 1e8 }),
      couponUsageRate: fc.double({ min: 0, max: 1, noNaN: true }),
      engagementRate: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
      couponRedemptionRate: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    });
    const names = new Set(defaultSegmentRules.map((r) => r.name));
    fc.assert(
      fc.property(anyFields, (f) => {
        expect(names.has(assignSegment(f, defaultSegmentRules))).toBe(true);
      }),
    );
  });
});
