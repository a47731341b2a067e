import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CustomerId, Id, OfferId, foreignId, idProblem } from '../../../shared/ids.js';
import { PurchaseInput } from '../../../shared/purchases/schema.js';
import { IssueCouponRequest, RedemptionRequest } from '../../../shared/coupons/requests.js';
import { safeIds, unsafeIds } from './id-fixtures.js';

describe('the id rule', () => {
  it.each(unsafeIds)('refuses an id with a %s, naming why', (_what, value) => {
    expect(idProblem(value)).toBeTypeOf('string');
    expect(Id.safeParse(value).success).toBe(false);
  });

  it.each(safeIds)('accepts %j unchanged', (value) => {
    expect(Id.parse(value)).toBe(value);
  });

  it('is the rule of every id field of the ingest and coupon schemas', () => {
    const purchase = { orderId: 'A-1', source: 'pos', customerId: 'C-1', occurredAt: '2026-11-01T10:00:00Z', total: 1, currency: 'EUR' };
    for (const [, bad] of unsafeIds) {
      for (const field of ['orderId', 'customerId'] as const) {
        const parsed = PurchaseInput.safeParse({ ...purchase, [field]: bad });
        expect(parsed.success, `${field} = ${JSON.stringify(bad)}`).toBe(false);
        expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain(field);
      }
      expect(IssueCouponRequest.safeParse({ customerId: bad, offerId: 'o', requestId: 'r' }).success).toBe(false);
      expect(IssueCouponRequest.safeParse({ customerId: 'c', offerId: 'o', requestId: bad }).success).toBe(false);
      expect(CustomerId.safeParse(bad).success).toBe(false);
      expect(OfferId.safeParse(bad).success).toBe(false);
    }
    const redemption = { code: 'WBX', orderId: 'A-1', source: 'pos', basketTotal: 1, currency: 'EUR' };
    expect(RedemptionRequest.safeParse({ ...redemption, orderId: 'A/1' }).success).toBe(false);
    expect(RedemptionRequest.safeParse({ ...redemption, customerId: 'C#1' }).success).toBe(false);
  });
});

describe('foreignId: shop ids through the same rule', () => {
  it('keeps ordinary ids and encodes the rest', () => {
    expect(foreignId('820982911946154508')).toBe('820982911946154508');
    expect(foreignId(' K-1001 ')).toBe('K-1001');
    expect(foreignId('K/2024/001')).toBe('K%2F2024%2F001');
    expect(foreignId('K%2F2024')).toBe('K%252F2024');
    expect(foreignId('a\nb')).toBe('a%0Ab');
    expect(foreignId('   ')).toBeUndefined();
    expect(foreignId('x'.repeat(300))).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('always yields a valid id, and different ids stay different', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), (a, b) => {
        const fa = foreignId(a);
        if (fa !== undefined) expect(idProblem(fa)).toBeUndefined();
        if (a.trim() !== b.trim() && fa !== undefined) expect(foreignId(b)).not.toBe(fa);
      }),
      { numRuns: 2000 },
    );
  });
});
