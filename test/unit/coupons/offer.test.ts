import { describe, expect, it } from 'vitest';
import { defaultLadder, IncentiveLadder, Offer, resolveTier, topCategoryFromAffinity } from '../../../shared/coupons/offer.js';

const example = {
  name: '10 % off',
  value: { type: 'percent', percent: 10 },
  minBasket: 20,
  currency: 'EUR',
  validity: { days: 30 },
  perCustomerLimit: 1,
  budget: { maxCoupons: 10000 },
};

describe('Offer schema', () => {
  it('accepts the example from the issue and fills defaults', () => {
    const offer = Offer.parse(example);
    expect(offer.status).toBe('active');
    expect(offer.channel).toBe('both');
    expect(offer.value).toEqual({ type: 'percent', percent: 10 });
  });

  it('accepts fixed amounts, points, caps, categories, stores, fixed dates and discount budgets', () => {
    expect(
      Offer.safeParse({
        name: '5 € off shoes',
        value: { type: 'amount', amount: 5 },
        minBasket: 30,
        currency: 'EUR',
        categories: ['shoes', 'bags'],
        channel: 'pos',
        stores: ['berlin-1'],
        validity: { from: '2026-04-01T00:00:00Z', until: '2026-05-01T00:00:00+02:00' },
        budget: { maxCoupons: 100, maxDiscount: 500 },
      }).success,
    ).toBe(true);
    expect(Offer.safeParse({ name: 'points', value: { type: 'points', points: 300 }, validity: { days: 7 } }).success).toBe(true);
    expect(
      Offer.safeParse({ name: 'top cat', value: { type: 'percent', percent: 12.5, maxDiscount: 25 }, currency: 'EUR', categories: 'customerTopCategory', validity: { days: 14 } })
        .success,
    ).toBe(true);
    expect(Offer.safeParse({ name: 'ladder', ladder: 'default', currency: 'EUR', validity: { days: 30 } }).success).toBe(true);
  });

  it.each([
    ['neither value nor ladder', { ...example, value: undefined }, ['value']],
    ['both value and ladder', { ...example, ladder: 'default' }, ['value']],
    ['unknown field', { ...example, minbasket: 5 }, []],
    ['money without currency', { ...example, currency: undefined }, ['currency']],
    ['default ladder without currency', { name: 'x', ladder: 'default', validity: { days: 1 } }, ['currency']],
    ['too many decimals', { ...example, minBasket: 20.001 }, ['minBasket']],
    ['JPY decimals', { ...example, currency: 'JPY', value: { type: 'amount', amount: 5.5 } }, ['value', 'amount']],
    ['percent above 100', { ...example, value: { type: 'percent', percent: 101 } }, ['value', 'percent']],
    ['percent with 3 decimals', { ...example, value: { type: 'percent', percent: 10.125 } }, ['value', 'percent']],
    ['empty budget', { ...example, budget: {} }, ['budget']],
    ['uncapped percent with a discount budget', { ...example, budget: { maxDiscount: 1000 } }, ['value', 'maxDiscount']],
    ['validity backwards', { ...example, validity: { from: '2026-05-01T00:00:00Z', until: '2026-04-01T00:00:00Z' } }, ['validity', 'until']],
    ['validity zero days', { ...example, validity: { days: 0 } }, ['validity', 'days']],
    ['unknown currency', { ...example, currency: 'XXY' }, ['currency']],
    ['empty categories', { ...example, categories: [] }, ['categories']],
  ])('rejects %s', (_name, body, path) => {
    const result = Offer.safeParse(body);
    expect(result.success).toBe(false);
    if (path.length > 0) expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path.join('.'));
  });

  it('checks ladder tier amounts against the currency', () => {
    const result = Offer.safeParse({
      name: 'x',
      currency: 'EUR',
      validity: { days: 1 },
      ladder: { tiers: [{ name: 'a', when: {}, value: { type: 'amount', amount: 1.234 }, minBasket: 2.345 }] },
    });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['ladder.tiers.0.value.amount', 'ladder.tiers.0.minBasket']);
  });
});

describe('resolveTier and the default ladder', () => {
  it('ships the tiers named in the issue', () => {
    expect(resolveTier(defaultLadder, { segment: 'at_risk' })).toMatchObject({ value: { type: 'percent', percent: 10 } });
    expect(resolveTier(defaultLadder, { segment: 'cant_lose' })).toMatchObject({ value: { type: 'percent', percent: 15 } });
    expect(resolveTier(defaultLadder, { segment: 'lost' })).toMatchObject({ value: { type: 'amount', amount: 5 }, minBasket: 30 });
    expect(resolveTier(defaultLadder, { segment: 'champions' })).toMatchObject({ value: { type: 'points' } });
    // Every segment shared/analytics/segments.ts produces gets its own tier, not the catch-all.
    for (const segment of ['champions', 'loyal', 'promising', 'new', 'occasional', 'at_risk', 'cant_lose', 'hibernating', 'lost']) {
      expect(resolveTier(defaultLadder, { segment })?.name, segment).not.toBe('default');
    }
  });

  it('escalates by CLV and journey step, and falls back to the default tier', () => {
    expect(resolveTier(defaultLadder, { segment: 'at_risk', clv12m: 499.99 })?.name).toBe('at_risk');
    expect(resolveTier(defaultLadder, { segment: 'at_risk', clv12m: 500 })?.name).toBe('at_risk_high_clv');
    expect(resolveTier(defaultLadder, { segment: 'lost', journeyStep: 2 })?.name).toBe('lost');
    expect(resolveTier(defaultLadder, { segment: 'lost', journeyStep: 3 })?.name).toBe('lost_last_chance');
    expect(resolveTier(defaultLadder, { segment: 'something_new' })?.name).toBe('default');
    expect(resolveTier(defaultLadder, {})?.name).toBe('default');
  });

  it('is valid data: the default ladder passes its own schema', () => {
    expect(IncentiveLadder.parse(defaultLadder)).toEqual(defaultLadder);
  });

  it('never matches a condition on a fact the context lacks, and honours bounds exactly', () => {
    const ladder = IncentiveLadder.parse({
      tiers: [
        { name: 'rich', when: { minClv12m: 100, maxClv12m: 200 }, value: { type: 'points', points: 1 } },
        { name: 'steps', when: { minJourneyStep: 2, maxJourneyStep: 3 }, value: { type: 'points', points: 2 } },
      ],
    });
    expect(resolveTier(ladder, {})).toBeUndefined();
    expect(resolveTier(ladder, { clv12m: 99.99 })).toBeUndefined();
    expect(resolveTier(ladder, { clv12m: 100 })?.name).toBe('rich');
    expect(resolveTier(ladder, { clv12m: 200 })).toBeUndefined();
    expect(resolveTier(ladder, { clv12m: Number.NaN })).toBeUndefined();
    expect(resolveTier(ladder, { journeyStep: 1 })).toBeUndefined();
    expect(resolveTier(ladder, { journeyStep: 3 })?.name).toBe('steps');
    expect(resolveTier(ladder, { journeyStep: 4 })).toBeUndefined();
  });
});

describe('topCategoryFromAffinity', () => {
  it('picks the strongest category, ties alphabetically, ignores non-positive weights', () => {
    expect(topCategoryFromAffinity({ shoes: 0.2, bags: 0.5, hats: 0.3 })).toBe('bags');
    expect(topCategoryFromAffinity({ shoes: 0.5, bags: 0.5 })).toBe('bags');
    expect(topCategoryFromAffinity({ shoes: 0, bags: -1 })).toBeUndefined();
    expect(topCategoryFromAffinity(undefined)).toBeUndefined();
  });
});
