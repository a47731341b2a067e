import { describe, expect, it } from 'vitest';
import { historyPurchaseBody, isHistory, purchaseRequests, type PlannedPurchase, type TrafficConfig } from '../../../cli/simulate/traffic.js';
import { PurchaseInput } from '../../../shared/purchases/schema.js';
import { RedemptionRequest } from '../../../shared/coupons/requests.js';
import { mapShopifyOrder, mapShopifyRefund } from '../../../shared/webhooks/shopify.js';
import { verifyShopifyHmac } from '../../../shared/webhooks/signature.js';
import { defaultRetailer, generateCustomers } from '../../../sim/retailer.js';
import { naturalTimeline } from '../../../sim/timeline.js';

const retailer = defaultRetailer(3000, 60, new Date('2026-01-05T00:00:00Z'));
const customers = generateCustomers(retailer, 7);
const config: TrafficConfig = { seed: 7, retailer, shopifySecret: 'sim-secret', shopifyShare: 0.5, refundShare: 0.02, duplicateShare: 0.01 };
const planned: PlannedPurchase[] = customers.flatMap((customer) =>
  naturalTimeline(customer, retailer, 7)
    .purchases.filter((p) => p.day >= 0)
    .map((purchase, n) => ({ customer, purchase, key: `n${n}` })),
);
const requests = planned.flatMap((p) => purchaseRequests(config, p));
const kinds = (kind: string) => requests.filter((r) => r.kind === kind);

describe('simulated traffic', () => {
  it('is deterministic for a seed', () => {
    expect(planned.flatMap((p) => purchaseRequests(config, p))).toEqual(requests);
    expect(planned.length).toBeGreaterThan(2000);
  });

  it('sends valid purchases through the till and the shop, and signed Shopify orders the host maps to the same customer', () => {
    for (const r of [...kinds('pos'), ...kinds('shop'), ...kinds('refund')]) {
      const parsed = PurchaseInput.safeParse(JSON.parse(r.body));
      expect(parsed.success, r.body).toBe(true);
      // Never in the future of the moment it is sent.
      expect(Date.parse(parsed.data!.occurredAt)).toBeLessThanOrEqual(r.at.getTime());
    }
    const shopify = kinds('shopify');
    expect(shopify.length).toBeGreaterThan(50);
    for (const r of shopify) {
      expect(verifyShopifyHmac(Buffer.from(r.body), r.headers['x-shopify-hmac-sha256'], 'sim-secret')).toBe(true);
      const mapped = mapShopifyOrder(JSON.parse(r.body));
      expect(mapped.kind).toBe('purchase');
      if (mapped.kind === 'purchase') expect(customers.some((c) => c.id === mapped.purchase.customerId)).toBe(true);
    }
    for (const r of kinds('shopify-refund')) expect(mapShopifyRefund(JSON.parse(r.body), { customerId: '1', currency: 'EUR' }).kind).toBe('purchase');
  });

  it('the history is what lies before the start instant, also in zones west of UTC', () => {
    const all = customers.flatMap((customer) => naturalTimeline(customer, retailer, 7).purchases.map((purchase, n) => ({ customer, purchase, key: `n${n}` })));
    const history = all.filter((p) => isHistory(config, p));
    for (const p of history) expect(Date.parse(historyPurchaseBody(config, p).occurredAt)).toBeLessThan(retailer.start.getTime());
    // A New York evening on the day before the start is not history: it lies after 00:00 UTC.
    const newYorker = customers.find((c) => c.profile.timeZone === 'America/New_York')!;
    const on = (localMinute: number) => ({ customer: newYorker, key: 'x', purchase: { ...all[0]!.purchase, day: -1, localMinute } });
    expect(isHistory(config, on(18 * 60 + 59))).toBe(true);
    expect(isHistory(config, on(19 * 60))).toBe(false);
  });

  it('refunds about 2 % and repeats about 1 % of purchases', () => {
    const refunds = kinds('refund').length + kinds('shopify-refund').length;
    expect(refunds / planned.length).toBeGreaterThan(0.01);
    expect(refunds / planned.length).toBeLessThan(0.035);
    const bodies = new Set<string>();
    let repeats = 0;
    for (const r of requests) {
      const key = `${r.path}\n${r.body}`;
      if (bodies.has(key)) repeats++;
      bodies.add(key);
    }
    expect(repeats / planned.length).toBeGreaterThan(0.004);
    expect(repeats / planned.length).toBeLessThan(0.02);
  });

  it('a coupon at the till is a redemption with an idempotency key, falling back to a plain purchase', () => {
    const till = planned.find((p) => !p.purchase.online)!;
    const [redemption] = purchaseRequests(config, { ...till, couponCode: 'WBGT4CDMRXAUAX' });
    expect(redemption!.kind).toBe('redemption');
    expect(RedemptionRequest.safeParse(JSON.parse(redemption!.body)).success).toBe(true);
    expect(redemption!.headers['idempotency-key']).toMatch(/^sim-/);
    expect(PurchaseInput.safeParse(JSON.parse(redemption!.fallback!.body)).success).toBe(true);
    // Online with a coupon: through Shopify, the code among the order's discount codes.
    const web = planned.filter((p) => p.purchase.online).map((p) => purchaseRequests(config, { ...p, couponCode: 'WBGT4CDMRXAUAX' })[0]!);
    const viaShopify = web.find((r) => r.kind === 'shopify')!;
    const mapped = mapShopifyOrder(JSON.parse(viaShopify.body));
    expect(mapped.kind === 'purchase' && mapped.discountCodes.map((d) => d.code)).toEqual(['WBGT4CDMRXAUAX']);
  });
});
