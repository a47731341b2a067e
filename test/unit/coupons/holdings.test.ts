import { describe, expect, it } from 'vitest';
import type { Coupon } from '../../../shared/coupons/coupon.js';
import { emptyHoldings, holdingsId, needsFreshState, withCoupon, withoutRequest, type Holdings } from '../../../shared/coupons/holdings.js';
import { issueCoupon, redeemCoupon } from '../../../shared/coupons/service.js';
import type { IssueCouponRequest } from '../../../shared/coupons/requests.js';
import { FakeWorld } from './fakes.js';
import { dayMs, issued, t0 } from './fixtures.js';

const at = (days: number) => new Date(t0.getTime() + days * dayMs);

const coupon = (requestId: string, now = t0): Coupon => issued({ now, request: { customerId: 'c-1', offerId: 'offer-1', requestId } });

describe('holdings documents', () => {
  it('have one stable id per (offer, customer), never a coupon code, and use it as partition key', () => {
    expect(holdingsId('o', 'c')).toBe(holdingsId('o', 'c'));
    expect(holdingsId('o', 'c')).not.toBe(holdingsId('o', 'd'));
    expect(holdingsId('ab', 'c')).not.toBe(holdingsId('a', 'bc'));
    expect(holdingsId('o', 'c')).toMatch(/^holdings-[0-9a-f]{40}$/);
    const empty = emptyHoldings('o', 'c');
    expect(empty).toEqual({ id: holdingsId('o', 'c'), code: holdingsId('o', 'c'), type: 'holdings', offerId: 'o', customerId: 'c', coupons: [] });
  });

  it('need a fresh read only for expired entries the snapshot shows unredeemed', () => {
    const live = coupon('r-live', at(10));
    const expired = coupon('r-old');
    const used: Coupon = { ...coupon('r-used'), status: 'redeemed' };
    const holdings: Holdings = { ...emptyHoldings('offer-1', 'c-1'), coupons: [live, expired, used] };
    expect(needsFreshState(holdings, at(29))).toEqual([]);
    expect(needsFreshState(holdings, at(30)).map((c) => c.requestId)).toEqual(['r-old']);
  });

  it('withCoupon drops expired unredeemed entries (using fresh state), keeps used and live ones, appends the new one', () => {
    const live = coupon('r-live', at(10));
    const expired = coupon('r-old');
    const redeemedLater = coupon('r-redeemed-later');
    const used: Coupon = { ...coupon('r-used'), status: 'redeemed' };
    const holdings: Holdings = { ...emptyHoldings('offer-1', 'c-1'), coupons: [live, expired, redeemedLater, used] };
    const fresh = new Map([[redeemedLater.code, { ...redeemedLater, status: 'redeemed' as const }]]);
    const next = withCoupon(holdings, coupon('r-new', at(31)), at(31), fresh);
    expect(next.coupons.map((c) => c.requestId)).toEqual(['r-live', 'r-redeemed-later', 'r-used', 'r-new']);
    expect(next.coupons[1]!.status).toBe('redeemed');
    expect(holdings.coupons).toHaveLength(4);
    expect(withoutRequest(next, 'r-live').coupons.map((c) => c.requestId)).toEqual(['r-redeemed-later', 'r-used', 'r-new']);
  });
});

describe('the per-customer limit guard (holdings written with ifMatch)', () => {
  const offer = { name: 'one each', value: { type: 'amount', amount: 5 }, currency: 'EUR', validity: { days: 1 }, perCustomerLimit: 1, budget: { maxCoupons: 100 } };
  const request = (requestId: string, customerId = 'c-1'): IssueCouponRequest => ({ customerId, offerId: 'one', requestId });
  const setup = () => {
    const w = new FakeWorld();
    w.putOffer('one', offer);
    return w;
  };

  it('two concurrent issues for one customer that both saw "limit not reached": one coupon, the loser refused and its reservation given back', async () => {
    const w = setup();
    const gate = w.pause('holdings.put', 2);
    const racing = Promise.all([issueCoupon(w.deps(), request('r-a'), t0), issueCoupon(w.deps(), request('r-b'), t0)]);
    await gate.reached;
    gate.release();
    const outcomes = await racing;
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['issued', 'refused']);
    expect(outcomes.find((o) => o.kind === 'refused')).toMatchObject({ reason: 'per_customer_limit' });
    expect(w.writesOf('holdings.put').map((x) => x.outcome)).toContain('conflict');
    expect(w.coupons()).toHaveLength(1);
    expect(w.budget('one')).toMatchObject({ issuedCount: 1, discountCommittedMinor: 500 });
  });

  it('many concurrent requests of one customer: exactly one coupon; other customers are not held up', async () => {
    const w = setup();
    const outcomes = await Promise.all([
      ...Array.from({ length: 8 }, (_, i) => issueCoupon(w.deps(), request(`greedy-${i}`), t0)),
      ...Array.from({ length: 4 }, (_, i) => issueCoupon(w.deps(), request(`other-${i}`, `c-other-${i}`), t0)),
    ]);
    expect(outcomes.filter((o) => o.kind === 'issued')).toHaveLength(5);
    expect(w.coupons().filter((c) => c.customerId === 'c-1')).toHaveLength(1);
    expect(w.budget('one')).toMatchObject({ issuedCount: 5 });
  });

  it('an expired, unused coupon frees the slot; an expired, redeemed one keeps counting (read fresh, the snapshot still says issued)', async () => {
    const w = setup();
    const first = await issueCoupon(w.deps(), request('r-1'), t0);
    expect(first.kind).toBe('issued');
    const again = await issueCoupon(w.deps(), request('r-2'), at(2));
    expect(again.kind).toBe('issued');
    if (again.kind !== 'issued') return;
    const holdings = w.couponDocs.get(holdingsId('one', 'c-1'))?.doc as Holdings;
    expect(holdings.coupons.map((c) => c.requestId)).toEqual(['r-2']);

    const redemption = await redeemCoupon(w.deps(), { code: again.coupon.code, orderId: 'O-1', source: 'pos', basketTotal: 50, currency: 'EUR', storeId: 's' }, 'k-1', at(2.5));
    expect(redemption.kind).toBe('redeemed');
    const third = await issueCoupon(w.deps(), request('r-3'), at(5));
    expect(third).toMatchObject({ kind: 'refused', reason: 'per_customer_limit' });
  });
});
