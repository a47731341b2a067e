import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCode, generateCode } from '../../../shared/coupons/code.js';
import { redemptionId } from '../../../shared/coupons/requests.js';
import { winbackRedemptions } from '../../../shared/webhooks/common.js';
import { mapShopifyOrder, mapShopifyRefund } from '../../../shared/webhooks/shopify.js';
import { mapShopwareOrderPlaced } from '../../../shared/webhooks/shopware.js';
import { PurchaseInput } from '../../../shared/purchases/schema.js';

describe('winbackRedemptions', () => {
  it("keeps winback codes (normalized, once each) and skips the shop's own codes", () => {
    const code = generateCode(() => 5);
    const purchase = PurchaseInput.parse({ orderId: 'o-1', source: 'shopify', customerId: 'c', occurredAt: '2026-01-01T00:00:00Z', total: 10, currency: 'EUR' });
    const result = winbackRedemptions(purchase, [
      { code: 'SUMMER10', amount: 3 },
      { code: formatCode(code).toLowerCase(), amount: 5 },
      { code, amount: 5 },
    ]);
    expect(result).toEqual([{ code, redemptionId: redemptionId('shopify', 'o-1', code), amount: 5 }]);
  });
});

describe('mappers on fuzzed bodies', () => {
  it('never throw, and whatever they call a purchase passes PurchaseInput', () => {
    fc.assert(
      fc.property(fc.anything(), (body) => {
        for (const mapped of [mapShopifyOrder(body, { includeTestOrders: true }), mapShopwareOrderPlaced(body), mapShopifyRefund(body, { customerId: 'c', currency: 'EUR' })]) {
          if (mapped.kind === 'purchase') expect(PurchaseInput.safeParse(mapped.purchase).success).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
