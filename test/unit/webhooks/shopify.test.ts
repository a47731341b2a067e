import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PurchaseInput } from '../../../shared/purchases/schema.js';
import { emailCustomerId } from '../../../shared/webhooks/common.js';
import { parseWebhookJson } from '../../../shared/webhooks/json.js';
import { mapShopifyOrder, mapShopifyRefund, shopifyRefundOrderId } from '../../../shared/webhooks/shopify.js';

const fixturePath = fileURLToPath(new URL('../../../../shared/webhooks/shopify/orders-create-test-notification.json', import.meta.url));
const raw = readFileSync(fixturePath);

/** The real test notification; it is a test order and arrives cancelled, so most tests lift those two flags. */
function fixture(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...(parseWebhookJson(raw) as Record<string, unknown>), ...overrides };
}
const live = () => fixture({ test: false, cancelled_at: null });

describe('mapShopifyOrder on the real test notification', () => {
  it('ignores it as a test order by default, and as cancelled when test orders are allowed', () => {
    expect(mapShopifyOrder(fixture())).toMatchObject({ kind: 'ignored', reason: 'test_order' });
    expect(mapShopifyOrder(fixture(), { includeTestOrders: true })).toMatchObject({ kind: 'ignored', reason: 'cancelled' });
  });

  it('maps the order to a purchase that passes PurchaseInput, with exact 64-bit ids', () => {
    const mapped = mapShopifyOrder(live(), { shopDomain: 'devkanvas.myshopify.com' });
    expect(mapped.kind).toBe('purchase');
    if (mapped.kind !== 'purchase') return;
    expect(PurchaseInput.parse(mapped.purchase)).toEqual(mapped.purchase);
    expect(mapped.purchase).toEqual({
      orderId: '820982911946154508',
      source: 'shopify',
      customerId: '115310627314723954',
      occurredAt: '2024-06-26T16:33:21.000Z',
      total: 1575.9,
      currency: 'USD',
      storeId: 'devkanvas.myshopify.com',
      channel: 'shop',
      type: 'purchase',
      items: [
        { sku: 'variant-49121760117052', name: 'The Videographer Snowboard', quantity: 1, unitPrice: 885.95 },
        { sku: 'variant-49121760182588', name: 'The Complete Snowboard', quantity: 1, unitPrice: 699.95 },
      ],
      couponCodes: [],
    });
    expect(mapped.discountCodes).toEqual([]);
  });

  it('gets the same ids from a plain JSON.parse body via admin_graphql_api_id', () => {
    const plain = { ...(JSON.parse(raw.toString('utf8')) as Record<string, unknown>), test: false, cancelled_at: null };
    expect(mapShopifyOrder(plain)).toMatchObject({ kind: 'purchase', purchase: { orderId: '820982911946154508', customerId: '115310627314723954' } });
  });
});

describe('mapShopifyOrder rules', () => {
  it('passes discount codes on, with sku and product_type when present', () => {
    const order = live();
    const items = order['line_items'] as Record<string, unknown>[];
    const mapped = mapShopifyOrder({
      ...order,
      discount_codes: [{ code: 'WB-7KQ4-M9XT-R3PC', amount: '20.00', type: 'fixed_amount' }, { code: ' ', amount: '0.00' }],
      line_items: [{ ...items[0], sku: 'SNOW-1', product_type: 'Snowboards' }, { ...items[1], quantity: 0 }],
    });
    expect(mapped).toMatchObject({
      kind: 'purchase',
      discountCodes: [{ code: 'WB-7KQ4-M9XT-R3PC', amount: 20 }],
      purchase: { couponCodes: ['WB-7KQ4-M9XT-R3PC'], items: [{ sku: 'SNOW-1', category: 'Snowboards' }] },
    });
    if (mapped.kind === 'purchase') expect(mapped.purchase.items).toHaveLength(1);
  });

  it('attributes guest orders by hashed e-mail and ignores orders without any identity', () => {
    const guest = mapShopifyOrder({ ...live(), customer: null, email: ' Jon@Example.com ' });
    expect(guest).toMatchObject({ kind: 'purchase', purchase: { customerId: emailCustomerId('jon@example.com') } });
    if (guest.kind === 'purchase') expect(guest.purchase.customerId).not.toContain('example');
    expect(mapShopifyOrder({ ...live(), customer: null, email: null, contact_email: null })).toMatchObject({ kind: 'ignored', reason: 'no_customer' });
  });

  it('maps Shopify POS orders to the pos channel at their location', () => {
    expect(mapShopifyOrder({ ...live(), source_name: 'pos', location_id: 655441491 })).toMatchObject({
      kind: 'purchase',
      purchase: { channel: 'pos', storeId: '655441491' },
    });
  });

  it('reports invalid payloads instead of throwing', () => {
    expect(mapShopifyOrder({ id: 1 })).toMatchObject({ kind: 'invalid' });
    expect(mapShopifyOrder(null)).toMatchObject({ kind: 'invalid' });
    expect(mapShopifyOrder({ ...live(), created_at: 'yesterday' })).toMatchObject({ kind: 'invalid' });
    // More decimals than the currency has: caught by PurchaseInput.
    expect(mapShopifyOrder({ ...live(), currency: 'JPY' })).toMatchObject({ kind: 'invalid' });
  });
});

describe('mapShopifyRefund', () => {
  const refund = {
    id: 509562969,
    order_id: '820982911946154508',
    created_at: '2024-07-01T10:00:00-04:00',
    processed_at: '2024-07-01T10:00:05-04:00',
    transactions: [
      { kind: 'refund', status: 'success', amount: '685.95', currency: 'USD' },
      { kind: 'refund', status: 'failure', amount: '100.00', currency: 'USD' },
    ],
    refund_line_items: [{ quantity: 1, subtotal: 685.95, line_item: { id: 866550311766439020, sku: null, variant_id: 49121760117052, title: 'The Videographer Snowboard', price: '885.95', quantity: 1 } }],
  };

  it('finds the original order and maps to a refund purchase of the money actually returned', () => {
    expect(shopifyRefundOrderId(refund)).toBe('820982911946154508');
    const mapped = mapShopifyRefund(refund, { customerId: '115310627314723954', currency: 'USD' });
    expect(mapped.kind).toBe('purchase');
    if (mapped.kind !== 'purchase') return;
    expect(PurchaseInput.parse(mapped.purchase)).toEqual(mapped.purchase);
    expect(mapped.purchase).toMatchObject({
      orderId: 'refund-509562969',
      type: 'refund',
      originalOrderId: '820982911946154508',
      customerId: '115310627314723954',
      total: 685.95,
      currency: 'USD',
      occurredAt: '2024-07-01T14:00:05.000Z',
      items: [{ sku: 'variant-49121760117052', quantity: 1, unitPrice: 885.95 }],
    });
  });

  it('falls back to line subtotals, ignores refunds of nothing and of unknown orders', () => {
    expect(mapShopifyRefund({ ...refund, transactions: [] }, { customerId: 'c', currency: 'USD' })).toMatchObject({ kind: 'purchase', purchase: { total: 685.95 } });
    expect(mapShopifyRefund({ ...refund, transactions: [], refund_line_items: [] }, { customerId: 'c', currency: 'USD' })).toMatchObject({ kind: 'ignored', reason: 'zero_amount' });
    expect(mapShopifyRefund(refund, undefined)).toMatchObject({ kind: 'ignored', reason: 'unknown_original_order' });
    expect(mapShopifyRefund({ id: 1 }, undefined)).toMatchObject({ kind: 'invalid' });
  });

  it('sums decimal amounts exactly', () => {
    const split = { ...refund, transactions: [{ kind: 'refund', status: 'success', amount: '0.10', currency: 'USD' }, { kind: 'refund', status: 'success', amount: '0.20', currency: 'USD' }] };
    expect(mapShopifyRefund(split, { customerId: 'c', currency: 'USD' })).toMatchObject({ kind: 'purchase', purchase: { total: 0.3 } });
  });
});
