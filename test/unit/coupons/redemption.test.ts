import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyRedemption,
  applyRollback,
  couponView,
  discountMinor,
  effectiveStatus,
  redeem,
  validateRedemption,
  type Coupon,
  type CouponTerms,
  type Redemption,
  type RedemptionFailure,
} from '../../../shared/coupons/coupon.js';
import { redemptionProblem } from '../../../shared/coupons/problems.js';
import { basket, dayMs, issued, offer, t0 } from './fixtures.js';

const later = new Date(t0.getTime() + dayMs);

function failureOf(result: ReturnType<typeof validateRedemption>): string {
  return result.ok ? 'ok' : result.reason;
}

describe('validateRedemption', () => {
  const coupon = issued();

  it('gives the discount for a valid basket (10 % of 50 €)', () => {
    expect(validateRedemption({ coupon, basket: basket(), now: later })).toEqual({ ok: true, discountMinor: 500 });
  });

  it.each<[string, Partial<Parameters<typeof validateRedemption>[0]>, string]>([
    ['unknown', { coupon: undefined }, 'unknown'],
    ['already redeemed', { coupon: { ...coupon, status: 'redeemed' } }, 'already_redeemed'],
    ['expired (end is exclusive)', { now: new Date(Date.parse(coupon.expiresAt)) }, 'expired'],
    ['not yet valid', { now: new Date(t0.getTime() - 1) }, 'not_yet_valid'],
    ['wrong customer', { basket: basket({ customerId: 'c-2' }) }, 'wrong_customer'],
    ['wrong currency', { basket: basket({ currency: 'USD' }) }, 'wrong_currency'],
    ['basket too small', { basket: basket({ basketTotalMinor: 1999 }) }, 'basket_too_small'],
    ['limit reached', { otherRedemptionsOfOffer: 1 }, 'limit_reached'],
  ])('%s', (_name, overrides, reason) => {
    expect(failureOf(validateRedemption({ coupon, basket: basket(), now: later, ...overrides }))).toBe(reason);
  });

  it('accepts the minimum basket exactly and an anonymous basket for the coupon owner', () => {
    expect(validateRedemption({ coupon, basket: basket({ basketTotalMinor: 2000 }), now: later })).toEqual({ ok: true, discountMinor: 200 });
    expect(validateRedemption({ coupon, basket: basket({ customerId: 'c-1' }), now: later }).ok).toBe(true);
  });

  it('enforces channel and, for POS baskets, stores', () => {
    const posOnly = issued({ offer: offer({ channel: 'pos', stores: ['store-1', 'store-2'] }) });
    expect(failureOf(validateRedemption({ coupon: posOnly, basket: basket({ channel: 'shop', storeId: undefined }), now: later }))).toBe('wrong_channel');
    expect(failureOf(validateRedemption({ coupon: posOnly, basket: basket({ storeId: 'store-3' }), now: later }))).toBe('wrong_store');
    expect(failureOf(validateRedemption({ coupon: posOnly, basket: basket({ storeId: undefined }), now: later }))).toBe('wrong_store');
    expect(failureOf(validateRedemption({ coupon: posOnly, basket: basket({ storeId: 'store-2' }), now: later }))).toBe('ok');
    const both = issued({ offer: offer({ stores: ['store-1'] }) });
    expect(failureOf(validateRedemption({ coupon: both, basket: basket({ channel: 'shop', storeId: undefined }), now: later }))).toBe('ok');
    const shopOnly = issued({ offer: offer({ channel: 'shop' }) });
    expect(failureOf(validateRedemption({ coupon: shopOnly, basket: basket(), now: later }))).toBe('wrong_channel');
  });

  it('applies a category restriction to the matching lines only', () => {
    const shoes = issued({ offer: offer({ categories: ['Shoes'] }) });
    const items = [
      { sku: 'a', category: 'shoes ', quantity: 2, unitPriceMinor: 1999 },
      { sku: 'b', category: 'hats', quantity: 1, unitPriceMinor: 1002 },
    ];
    expect(validateRedemption({ coupon: shoes, basket: basket({ basketTotalMinor: 5000, items }), now: later })).toEqual({ ok: true, discountMinor: 399 });
    expect(failureOf(validateRedemption({ coupon: shoes, basket: basket({ items: items.slice(1) }), now: later }))).toBe('category_not_in_basket');
    expect(failureOf(validateRedemption({ coupon: shoes, basket: basket(), now: later }))).toBe('category_not_in_basket');
  });

  it('awards points without money off', () => {
    const points = issued({ offer: offer({ value: { type: 'points', points: 250 }, minBasket: undefined }) });
    expect(validateRedemption({ coupon: points, basket: basket(), now: later })).toEqual({ ok: true, discountMinor: 0, pointsAwarded: 250 });
  });

  it('refuses to burn a money coupon for a zero discount', () => {
    const noMin = issued({ offer: offer({ minBasket: undefined }) });
    expect(validateRedemption({ coupon: noMin, basket: basket({ basketTotalMinor: 9 }), now: later })).toMatchObject({ ok: false, reason: 'basket_too_small' });
    expect(validateRedemption({ coupon: noMin, basket: basket({ basketTotalMinor: 10 }), now: later })).toEqual({ ok: true, discountMinor: 1 });
  });
});

describe('discountMinor', () => {
  const terms = (value: CouponTerms['value'], extra: Partial<CouponTerms> = {}): CouponTerms => ({ offerName: 'x', value, channel: 'both', ...extra });

  it('rounds percent discounts down, exactly, also for fractional percents and huge baskets', () => {
    expect(discountMinor(terms({ type: 'percent', percent: 10 }), basket({ basketTotalMinor: 1999 }))).toBe(199);
    expect(discountMinor(terms({ type: 'percent', percent: 12.5 }), basket({ basketTotalMinor: 1001 }))).toBe(125);
    expect(discountMinor(terms({ type: 'percent', percent: 33.33 }), basket({ basketTotalMinor: 99_999_999_999_999 }))).toBe(33_329_999_999_999);
    expect(discountMinor(terms({ type: 'percent', percent: 100 }), basket({ basketTotalMinor: 4321 }))).toBe(4321);
  });

  it('caps percent discounts and limits fixed amounts to the eligible total', () => {
    expect(discountMinor(terms({ type: 'percent', percent: 15, maxDiscountMinor: 3000 }), basket({ basketTotalMinor: 50_000 }))).toBe(3000);
    expect(discountMinor(terms({ type: 'amount', amountMinor: 500 }), basket({ basketTotalMinor: 300 }))).toBe(300);
    const items = [{ sku: 'a', category: 'x', quantity: 1, unitPriceMinor: 200 }];
    expect(discountMinor(terms({ type: 'amount', amountMinor: 500 }, { categories: ['x'] }), basket({ basketTotalMinor: 5000, items }))).toBe(200);
  });

  it('rounds fractional quantities per line (half away from zero)', () => {
    const items = [{ sku: 'cheese', category: 'deli', quantity: 0.333, unitPriceMinor: 1500 }]; // 499.5 → 500
    expect(discountMinor(terms({ type: 'percent', percent: 10 }, { categories: ['deli'] }), basket({ basketTotalMinor: 5000, items }))).toBe(50);
  });

  const valueArb: fc.Arbitrary<CouponTerms['value']> = fc.oneof(
    fc.record({ type: fc.constant('percent' as const), percent: fc.integer({ min: 1, max: 10_000 }).map((bp) => bp / 100) }),
    fc.record({
      type: fc.constant('percent' as const),
      percent: fc.integer({ min: 1, max: 10_000 }).map((bp) => bp / 100),
      maxDiscountMinor: fc.integer({ min: 0, max: 1e6 }),
    }),
    fc.record({ type: fc.constant('amount' as const), amountMinor: fc.integer({ min: 0, max: 1e9 }) }),
  );
  const itemsArb = fc.array(
    fc.record({
      sku: fc.string({ minLength: 1, maxLength: 4 }),
      category: fc.constantFrom('a', 'b', 'A', undefined),
      quantity: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0.001, max: 50, noNaN: true })),
      unitPriceMinor: fc.integer({ min: 0, max: 1e7 }),
    }),
    { maxLength: 10 },
  );

  it('never exceeds the basket, the eligible total or the cap, and is a non-negative integer (property)', () => {
    fc.assert(
      fc.property(valueArb, fc.integer({ min: 0, max: 1e12 }), itemsArb, fc.boolean(), (value, total, items, restricted) => {
        const t = terms(value, restricted ? { categories: ['a'] } : {});
        const b = basket({ basketTotalMinor: total, items });
        const d = discountMinor(t, b);
        expect(Number.isSafeInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(total);
        if (value.type === 'percent' && value.maxDiscountMinor !== undefined) expect(d).toBeLessThanOrEqual(value.maxDiscountMinor);
        if (value.type === 'amount') expect(d).toBeLessThanOrEqual(value.amountMinor);
        if (value.type === 'percent') {
          // Rounded down: never more than the advertised share of the eligible amount.
          const eligible = restricted ? Math.min(total, items.filter((i) => i.category?.toLowerCase() === 'a').reduce((s, i) => s + Math.round(i.unitPriceMinor * i.quantity), 0)) : total;
          expect(d * 10_000).toBeLessThanOrEqual(eligible * Math.round(value.percent * 100));
        }
      }),
    );
  });
});

describe('redeem, applyRedemption, applyRollback', () => {
  const facts = { redemptionId: 'r-1', orderId: 'o-1', source: 'pos-berlin' };

  function redeemed(coupon = issued()): { coupon: Coupon; redemption: Redemption } {
    const d = redeem({ coupon, basket: basket(), now: later, ...facts });
    if (d.kind !== 'redeemed') throw new Error(d.kind);
    return d;
  }

  it('redeems once and records who, what and when', () => {
    const d = redeem({ coupon: issued(), basket: basket(), now: later, ...facts });
    expect(d).toMatchObject({
      kind: 'redeemed',
      redemption: { ...facts, at: later.toISOString(), discountMinor: 500, basketTotalMinor: 5000, currency: 'EUR', channel: 'pos', storeId: 'store-1' },
      coupon: { status: 'redeemed', redemption: { redemptionId: 'r-1' } },
      budgetDeltaMinor: 500,
    });
    if (d.kind !== 'redeemed') return;
    expect(d.coupon.history.map((e) => e.event)).toEqual(['issued', 'redeemed']);
    expect(effectiveStatus(d.coupon, later)).toBe('redeemed');
  });

  it('replays the same redemption id without change, and refuses another one', () => {
    const first = redeemed();
    expect(redeem({ coupon: first.coupon, basket: basket({ basketTotalMinor: 1 }), now: later, ...facts })).toEqual({ kind: 'replay', coupon: first.coupon, redemption: first.redemption });
    expect(redeem({ coupon: first.coupon, basket: basket(), now: later, ...facts, redemptionId: 'r-2' })).toMatchObject({
      kind: 'refused',
      reason: 'already_redeemed',
      redeemedAt: later.toISOString(),
    });
    expect(applyRedemption(first.coupon, first.redemption, later)).toEqual({ ok: true, coupon: first.coupon, changed: false });
    expect(applyRedemption(first.coupon, { ...first.redemption, redemptionId: 'r-2' }, later)).toEqual({ ok: false, reason: 'already_redeemed' });
  });

  it('releases the unused part of the reservation when redeemed for less than the cap', () => {
    const capped = issued({ offer: offer({ value: { type: 'percent', percent: 10, maxDiscount: 20 }, budget: { maxDiscount: 100 } }) });
    expect(capped.budgetReservedMinor).toBe(2000);
    const d = redeem({ coupon: capped, basket: basket(), now: later, ...facts });
    expect(d).toMatchObject({ kind: 'redeemed', budgetDeltaMinor: 500 - 2000 });
  });

  it('rolls back: usable again while valid, budget re-exposed, idempotent', () => {
    const { coupon } = redeemed();
    const back = applyRollback(coupon, 'r-1', later);
    expect(back).toMatchObject({ kind: 'rolled_back', usable: true, budgetDeltaMinor: -500, coupon: { status: 'issued' } });
    if (back.kind !== 'rolled_back') return;
    expect(back.coupon.redemption).toBeUndefined();
    expect(back.coupon.history.map((e) => e.event)).toEqual(['issued', 'redeemed', 'rolled_back']);
    expect(applyRollback(back.coupon, 'r-1', later)).toEqual({ kind: 'already_rolled_back', coupon: back.coupon, usable: true });
    expect(validateRedemption({ coupon: back.coupon, basket: basket(), now: later }).ok).toBe(true);
    // The rolled-back id is spent; a new redemption id redeems again.
    expect(redeem({ coupon: back.coupon, basket: basket(), now: later, ...facts })).toEqual({ kind: 'refused', reason: 'redemption_rolled_back' });
    expect(redeem({ coupon: back.coupon, basket: basket(), now: later, ...facts, redemptionId: 'r-2' }).kind).toBe('redeemed');
  });

  it('rolls back an expired coupon without making it usable', () => {
    const { coupon } = redeemed();
    const afterExpiry = new Date(Date.parse(coupon.expiresAt) + 1);
    expect(applyRollback(coupon, 'r-1', afterExpiry)).toMatchObject({ kind: 'rolled_back', usable: false });
  });

  it('does not know foreign redemption ids', () => {
    expect(applyRollback(redeemed().coupon, 'r-x', later)).toEqual({ kind: 'unknown_redemption' });
    expect(applyRollback(issued(), 'r-x', later)).toEqual({ kind: 'unknown_redemption' });
  });

  it('rollback is idempotent for any sequence of repeats (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 60 }), (repeats, days) => {
        const { coupon } = redeemed();
        const at = new Date(later.getTime() + days * dayMs);
        const once = applyRollback(coupon, 'r-1', at);
        if (once.kind !== 'rolled_back') throw new Error(once.kind);
        let state = once.coupon;
        for (let i = 0; i < repeats; i++) {
          const again = applyRollback(state, 'r-1', at);
          expect(again.kind).toBe('already_rolled_back');
          if (again.kind === 'already_rolled_back') state = again.coupon;
        }
        expect(state).toEqual(once.coupon);
      }),
    );
  });

  it('shows customers their coupons without budget internals', () => {
    const { coupon } = redeemed();
    const view = couponView(coupon, later);
    expect(view).toMatchObject({ code: coupon.code, status: 'redeemed', redemption: { redemptionId: 'r-1', discountMinor: 500 } });
    expect(view.displayCode).toMatch(/^WB-/);
    expect(view).not.toHaveProperty('budgetReservedMinor');
    expect(effectiveStatus(issued(), new Date(t0.getTime() + 31 * dayMs))).toBe('expired');
  });
});

describe('redemptionProblem', () => {
  const all: RedemptionFailure[] = [
    { reason: 'unknown' },
    { reason: 'malformed_code', detail: 'check failed' },
    { reason: 'expired', expiresAt: '2026-01-01T00:00:00.000Z' },
    { reason: 'revoked', revokedAt: '2026-01-01T00:00:00.000Z' },
    { reason: 'not_yet_valid', validFrom: '2026-01-01T00:00:00.000Z' },
    { reason: 'already_redeemed', redeemedAt: '2026-01-01T00:00:00.000Z' },
    { reason: 'redemption_rolled_back' },
    { reason: 'wrong_customer' },
    { reason: 'wrong_channel', allowed: 'pos' },
    { reason: 'wrong_store' },
    { reason: 'wrong_currency', expected: 'EUR' },
    { reason: 'limit_reached', limit: 1 },
    { reason: 'basket_too_small', minBasketMinor: 2000, currency: 'EUR' },
    { reason: 'category_not_in_basket', categories: ['shoes'] },
  ];

  it('maps each reason to a status and echoes the reason', () => {
    const statuses = Object.fromEntries(all.map((f) => [f.reason, redemptionProblem(f).status]));
    expect(statuses).toEqual({
      unknown: 404,
      malformed_code: 422,
      expired: 410,
      revoked: 410,
      not_yet_valid: 422,
      already_redeemed: 409,
      redemption_rolled_back: 409,
      wrong_customer: 422,
      wrong_channel: 422,
      wrong_store: 422,
      wrong_currency: 422,
      limit_reached: 409,
      basket_too_small: 422,
      category_not_in_basket: 422,
    });
    for (const f of all) expect(redemptionProblem(f).reason).toBe(f.reason);
    expect(redemptionProblem({ reason: 'basket_too_small', minBasketMinor: 2000, currency: 'EUR' }).detail).toContain('20 EUR');
  });
});
