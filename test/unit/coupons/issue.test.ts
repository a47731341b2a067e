import { describe, expect, it } from 'vitest';
import { budgetStateId, initialBudgetState } from '../../../shared/coupons/budget.js';
import { issueDecision, withCode, type Coupon } from '../../../shared/coupons/coupon.js';
import { dayMs, issued, issueInput, nextCode, offer, t0 } from './fixtures.js';

describe('issueDecision', () => {
  it('issues the example offer: resolved terms in minor units, 30 days validity, budget reserved', () => {
    const input = issueInput({ request: { customerId: 'c-1', offerId: 'offer-1', requestId: 'req-1', journeyId: 'j-1', variant: 'B', journeyStep: 2 } });
    const decision = issueDecision(input);
    expect(decision.kind).toBe('issue');
    if (decision.kind !== 'issue') return;
    const c = decision.coupon;
    expect(c).toMatchObject({
      id: input.code,
      code: input.code,
      type: 'coupon',
      customerId: 'c-1',
      offerId: 'offer-1',
      journeyId: 'j-1',
      variant: 'B',
      journeyStep: 2,
      requestId: 'req-1',
      status: 'issued',
      issuedAt: t0.toISOString(),
      validFrom: t0.toISOString(),
      expiresAt: new Date(t0.getTime() + 30 * dayMs).toISOString(),
      terms: { offerName: '10 % off', value: { type: 'percent', percent: 10 }, currency: 'EUR', minBasketMinor: 2000, channel: 'both', perCustomerLimit: 1 },
      budgetReservedMinor: 0,
      history: [{ at: t0.toISOString(), event: 'issued' }],
    });
    expect(decision.budgetState).toEqual({ ...initialBudgetState('offer-1'), issuedCount: 1, version: 1 });
    expect(decision.budgetState?.id).toBe(budgetStateId('offer-1'));
  });

  it('returns the existing coupon for a redelivered request and writes nothing', () => {
    const first = issued();
    const again = issueDecision(issueInput({ existingCouponsForCustomer: [first], code: nextCode() }));
    expect(again).toEqual({ kind: 'existing', coupon: first });
  });

  it('refuses a requestId reused for another offer', () => {
    const first = issued();
    const other = issueDecision(
      issueInput({ offerId: 'offer-2', request: { customerId: 'c-1', offerId: 'offer-2', requestId: 'req-1' }, existingCouponsForCustomer: [first] }),
    );
    expect(other).toMatchObject({ kind: 'refused', reason: 'request_conflict' });
  });

  it('enforces the per-customer limit on held and redeemed coupons, not on expired unused ones', () => {
    const held = issued();
    expect(issueDecision(issueInput({ request: { customerId: 'c-1', offerId: 'offer-1', requestId: 'req-2' }, existingCouponsForCustomer: [held] }))).toMatchObject({
      kind: 'refused',
      reason: 'per_customer_limit',
    });
    const later = new Date(t0.getTime() + 31 * dayMs);
    expect(
      issueDecision(issueInput({ now: later, request: { customerId: 'c-1', offerId: 'offer-1', requestId: 'req-2' }, existingCouponsForCustomer: [held] })).kind,
    ).toBe('issue');
    const redeemed: Coupon = { ...held, status: 'redeemed' };
    expect(
      issueDecision(issueInput({ now: later, request: { customerId: 'c-1', offerId: 'offer-1', requestId: 'req-2' }, existingCouponsForCustomer: [redeemed] })),
    ).toMatchObject({ kind: 'refused', reason: 'per_customer_limit' });
    // Coupons of other offers do not count.
    const otherOffer: Coupon = { ...held, offerId: 'offer-9', requestId: 'req-9' };
    expect(issueDecision(issueInput({ request: { customerId: 'c-1', offerId: 'offer-1', requestId: 'req-2' }, existingCouponsForCustomer: [otherOffer] })).kind).toBe(
      'issue',
    );
  });

  it('stops at the coupon budget', () => {
    const input = issueInput({ offer: offer({ budget: { maxCoupons: 2 } }), budgetState: { ...initialBudgetState('offer-1'), issuedCount: 2, version: 7 } });
    expect(issueDecision(input)).toMatchObject({ kind: 'refused', reason: 'budget_exhausted' });
  });

  it('reserves the worst-case discount and stops before the discount budget is exceeded', () => {
    const o = offer({ value: { type: 'amount', amount: 5 }, budget: { maxDiscount: 12 }, perCustomerLimit: undefined });
    let state = undefined;
    const results: string[] = [];
    for (let i = 0; i < 3; i++) {
      const d = issueDecision(issueInput({ offer: o, budgetState: state, request: { customerId: 'c-1', offerId: 'offer-1', requestId: `r${i}` } }));
      results.push(d.kind);
      if (d.kind === 'issue') {
        expect(d.coupon.budgetReservedMinor).toBe(500);
        state = d.budgetState;
      }
    }
    expect(results).toEqual(['issue', 'issue', 'refused']);
    expect(state).toMatchObject({ issuedCount: 2, discountCommittedMinor: 1000, version: 2 });
  });

  it('uses the cap as the worst case of a percent coupon', () => {
    const c = issued({ offer: offer({ value: { type: 'percent', percent: 15, maxDiscount: 30 }, budget: { maxDiscount: 1000 } }) });
    expect(c.budgetReservedMinor).toBe(3000);
    expect(c.terms.value).toEqual({ type: 'percent', percent: 15, maxDiscountMinor: 3000 });
  });

  it('refuses inactive and ended offers', () => {
    expect(issueDecision(issueInput({ offer: offer({ status: 'paused' }) }))).toMatchObject({ kind: 'refused', reason: 'offer_paused' });
    expect(issueDecision(issueInput({ offer: offer({ status: 'archived' }) }))).toMatchObject({ kind: 'refused', reason: 'offer_archived' });
    // Offers stored before `status` existed paused themselves with `active: false`.
    const { status: _status, ...legacy } = offer();
    expect(issueDecision(issueInput({ offer: { ...legacy, active: false } as never }))).toMatchObject({ kind: 'refused', reason: 'offer_paused' });
    const fixed = offer({ validity: { from: '2026-01-01T00:00:00Z', until: '2026-03-02T10:00:00Z' } });
    expect(issueDecision(issueInput({ offer: fixed }))).toMatchObject({ kind: 'refused', reason: 'offer_expired' });
  });

  it('takes fixed validity dates, starting no earlier than issue time', () => {
    const before = issued({ offer: offer({ validity: { from: '2026-04-01T00:00:00+02:00', until: '2026-05-01T00:00:00Z' } }) });
    expect(before.validFrom).toBe('2026-03-31T22:00:00.000Z');
    expect(before.expiresAt).toBe('2026-05-01T00:00:00.000Z');
    const during = issued({ offer: offer({ validity: { from: '2026-01-01T00:00:00Z', until: '2026-05-01T00:00:00Z' } }) });
    expect(during.validFrom).toBe(t0.toISOString());
  });

  it('resolves the ladder from the request segment (over the customer document), CLV and journey step', () => {
    const o = offer({ value: undefined, ladder: 'default', minBasket: undefined, budget: undefined, perCustomerLimit: undefined });
    const lost = issued({ offer: o, customer: { id: 'c-1', segment: 'champions' }, request: { customerId: 'c-1', offerId: 'offer-1', requestId: 'r', segment: 'lost' } });
    expect(lost.terms).toMatchObject({ tier: 'lost', value: { type: 'amount', amountMinor: 500 }, minBasketMinor: 3000 });
    const loyal = issued({ offer: o, customer: { id: 'c-1', segment: 'champions' } });
    expect(loyal.terms).toMatchObject({ tier: 'loyal', value: { type: 'points', points: 200 } });
    expect(loyal.terms.minBasketMinor).toBeUndefined();
    const rich = issued({ offer: o, customer: { id: 'c-1', segment: 'at_risk', clv12m: 800 } });
    expect(rich.terms).toMatchObject({ tier: 'at_risk_high_clv', value: { type: 'percent', percent: 15, maxDiscountMinor: 3000 } });
  });

  it('refuses when no tier applies', () => {
    const o = offer({ value: undefined, ladder: { tiers: [{ name: 'only lost', when: { segments: ['lost'] }, value: { type: 'points', points: 5 } }] } });
    expect(issueDecision(issueInput({ offer: o, customer: { id: 'c-1', segment: 'loyal' } }))).toMatchObject({ kind: 'refused', reason: 'no_matching_tier' });
  });

  it("restricts to the customer's top category, or refuses when there is none", () => {
    const o = offer({ categories: 'customerTopCategory' });
    expect(issued({ offer: o, customer: { id: 'c-1', topCategory: 'shoes' } }).terms.categories).toEqual(['shoes']);
    expect(issueDecision(issueInput({ offer: o }))).toMatchObject({ kind: 'refused', reason: 'no_customer_category' });
  });

  it('keeps counting on an existing counter when the offer no longer has a budget', () => {
    const d = issueDecision(issueInput({ offer: offer({ budget: undefined }), budgetState: { ...initialBudgetState('offer-1'), issuedCount: 4, version: 4 } }));
    expect(d).toMatchObject({ kind: 'issue', budgetState: { issuedCount: 5, version: 5 } });
    expect(issueDecision(issueInput({ offer: offer({ budget: undefined }) }))).toMatchObject({ kind: 'issue', budgetState: undefined });
  });

  it('rejects inconsistent input as a programming error', () => {
    expect(() => issueDecision(issueInput({ customer: { id: 'someone-else' } }))).toThrow(RangeError);
  });

  it('withCode re-keys a coupon whose code was taken', () => {
    const c = issued();
    const code = nextCode();
    expect(withCode(c, code)).toEqual({ ...c, id: code, code });
  });
});
