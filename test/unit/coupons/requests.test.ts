import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { basketChannel, IssueCouponRequest, redemptionId, redemptionPurchase, RedemptionRequest, toBasket, ValidateRequest } from '../../../shared/coupons/requests.js';
import { PurchaseInput } from '../../../shared/purchases/schema.js';
import { issued, t0 } from './fixtures.js';

const redemption = { code: 'WB-7KQ4-M9XT-R3PC', orderId: 'o-1', source: 'pos-berlin', basketTotal: 59.9, currency: 'EUR', storeId: 's-1' };

describe('request schemas', () => {
  it('accept well-formed bodies and convert baskets to exact minor units', () => {
    const parsed = RedemptionRequest.parse({ ...redemption, items: [{ sku: 'a', category: 'shoes', quantity: 1, unitPrice: 19.99 }] });
    expect(toBasket(parsed)).toEqual({
      customerId: undefined,
      basketTotalMinor: 5990,
      currency: 'EUR',
      items: [{ sku: 'a', category: 'shoes', quantity: 1, unitPriceMinor: 1999 }],
      channel: 'pos',
      storeId: 's-1',
    });
    expect(toBasket(ValidateRequest.parse({ basketTotal: 1000, currency: 'JPY' }))).toMatchObject({ basketTotalMinor: 1000, channel: 'shop' });
    expect(IssueCouponRequest.parse({ customerId: 'c', offerId: 'o', requestId: 'r', journeyStep: 2, segment: 'lost' })).toMatchObject({ journeyStep: 2 });
  });

  it.each([
    ['too many decimals for EUR', { ...redemption, basketTotal: 10.001 }, 'basketTotal'],
    ['decimals for JPY', { ...redemption, currency: 'JPY', basketTotal: 10.5 }, 'basketTotal'],
    ['item decimals', { ...redemption, items: [{ sku: 'a', quantity: 1, unitPrice: 1.234 }] }, 'items.0.unitPrice'],
    ['negative total', { ...redemption, basketTotal: -1 }, 'basketTotal'],
    ['unknown field', { ...redemption, discount: 5 }, ''],
    ['bad source', { ...redemption, source: 'POS Berlin' }, 'source'],
    ['missing orderId', { ...redemption, orderId: undefined }, 'orderId'],
    ['unknown currency', { ...redemption, currency: 'EURO' }, 'currency'],
    ['bad channel', { ...redemption, channel: 'app' }, 'channel'],
  ])('RedemptionRequest rejects %s', (_name, body, path) => {
    const result = RedemptionRequest.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('IssueCouponRequest is strict and requires the idempotency key', () => {
    expect(IssueCouponRequest.safeParse({ customerId: 'c', offerId: 'o' }).success).toBe(false);
    expect(IssueCouponRequest.safeParse({ customerId: 'c', offerId: 'o', requestId: 'r', extra: 1 }).success).toBe(false);
    expect(IssueCouponRequest.safeParse({ customerId: 'c', offerId: 'o', requestId: 'r', journeyStep: 0 }).success).toBe(false);
  });

  it('never throws on arbitrary input (fuzz)', () => {
    fc.assert(
      fc.property(fc.anything(), (body) => {
        for (const schema of [RedemptionRequest, ValidateRequest, IssueCouponRequest]) expect(typeof schema.safeParse(body).success).toBe('boolean');
      }),
    );
  });
});

describe('helpers', () => {
  it('infers the channel from the store when not given', () => {
    expect(basketChannel({ storeId: 's' })).toBe('pos');
    expect(basketChannel({})).toBe('shop');
    expect(basketChannel({ channel: 'shop', storeId: 's' })).toBe('shop');
  });

  it('derives stable, distinct redemption ids', () => {
    expect(redemptionId('pos', 'key-1')).toBe(redemptionId('pos', 'key-1'));
    expect(redemptionId('pos', 'key-1')).not.toBe(redemptionId('pos', 'key-2'));
    // Part boundaries matter: ("a", "bc") is not ("ab", "c").
    expect(redemptionId('a', 'bc')).not.toBe(redemptionId('ab', 'c'));
    expect(redemptionId('x')).toMatch(/^r_[A-Za-z0-9_-]{32}$/);
  });

  it('records the purchase a redemption makes: paid total, owner, code', () => {
    const coupon = issued();
    const request = RedemptionRequest.parse({ ...redemption, items: [{ sku: 'a', quantity: 3, unitPrice: 19.99 }] });
    const purchase = redemptionPurchase(request, coupon, 599, t0);
    expect(PurchaseInput.parse(purchase)).toEqual(purchase);
    expect(purchase).toMatchObject({ orderId: 'o-1', source: 'pos-berlin', customerId: 'c-1', total: 53.91, currency: 'EUR', channel: 'pos', storeId: 's-1', couponCodes: [coupon.code] });
  });
});
