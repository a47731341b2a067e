import { describe, expect, it } from 'vitest';
import type { IssueCouponRequest } from '../../../shared/coupons/requests.js';
import { issueCoupon, redeemCoupon } from '../../../shared/coupons/service.js';
import { couponParticipant } from '../../../shared/links/participants.js';
import { FakeWorld } from '../coupons/fakes.js';
import { t0 } from '../coupons/fixtures.js';

const onePerCustomer = { name: '5 off', value: { type: 'amount', amount: 5 }, currency: 'EUR', validity: { days: 30 }, perCustomerLimit: 1 };
const request = (customerId: string, requestId: string): IssueCouponRequest => ({ customerId, offerId: 'five', requestId });

describe('coupons follow a merge', () => {
  it('re-owns coupons and folds holdings, so the per-customer limit counts the merged person once', async () => {
    const w = new FakeWorld();
    w.putOffer('five', onePerCustomer);
    const survivorOf = new Map<string, string>();
    const deps = { ...w.deps(), links: { survivorOf: async (id: string) => survivorOf.get(id) } };
    const fromA = await issueCoupon(deps, request('A', 'r-a'), t0);
    expect(fromA.kind).toBe('issued');

    const participant = couponParticipant(w.deps().coupons);
    await participant.merge('A', 'B', t0);
    survivorOf.set('A', 'B');
    await participant.merge('A', 'B', t0); // a retry changes nothing
    expect(w.coupons().map((c) => c.customerId)).toEqual(['B']);

    // B already holds A's coupon: one per customer means no second one, under either id.
    expect(await issueCoupon(deps, request('B', 'r-b'), t0)).toMatchObject({ kind: 'refused', reason: 'per_customer_limit' });
    expect(await issueCoupon(deps, request('A', 'r-a2'), t0)).toMatchObject({ kind: 'refused', reason: 'per_customer_limit' });
    // The same request again still answers with the coupon it got.
    expect(await issueCoupon(deps, request('A', 'r-a'), t0)).toMatchObject({ kind: 'existing', coupon: { customerId: 'B' } });

    // The absorbed card still redeems the coupon that now belongs to the survivor.
    const code = fromA.kind === 'issued' ? fromA.coupon.code : '';
    const redeemed = await redeemCoupon({ ...deps, bus: w.deps().bus }, { code, orderId: 'O-1', source: 'pos', basketTotal: 30, currency: 'EUR', customerId: 'A' }, 'key-1', t0);
    expect(redeemed).toMatchObject({ kind: 'redeemed', coupon: { customerId: 'B' } });
  });
});
