import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PurchaseInput } from '../../../shared/purchases/schema.js';
import { emailCustomerId } from '../../../shared/webhooks/common.js';
import { parseWebhookJson } from '../../../shared/webhooks/json.js';
import { mapShopwareOrderPlaced, shopwareDedupeId } from '../../../shared/webhooks/shopware.js';

const fixturePath = fileURLToPath(new URL('../../../../shared/webhooks/shopware/checkout-order-placed.constructed.json', import.meta.url));
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const fixture = (): Json => parseWebhookJson(readFileSync(fixturePath)) as Json;

/** The fixture with its order modified. */
function withOrder(change: (order: Json) => void): Json {
  const body = fixture();
  change(body['data']['payload']['order']);
  return body;
}

describe('mapShopwareOrderPlaced on the fixture', () => {
  it('maps the order to a purchase that passes PurchaseInput', () => {
    const mapped = mapShopwareOrderPlaced(fixture());
    expect(mapped.kind).toBe('purchase');
    if (mapped.kind !== 'purchase') return;
    expect(PurchaseInput.parse(mapped.purchase)).toEqual(mapped.purchase);
    expect(mapped.purchase).toEqual({
      orderId: '8f69d4874c53486a95383b2126161738',
      source: 'shopware',
      customerId: '1337',
      occurredAt: '2023-05-04T13:36:26.557Z',
      total: 395.01,
      currency: 'EUR',
      storeId: 'hRCw2xo1EDZnLco4',
      channel: 'shop',
      type: 'purchase',
      items: [{ sku: 'f3b92a7a618544308094cb4713b3ed84', name: 'Aerodynamic Bronze Slo-Cooked Prawns', quantity: 1, unitPrice: 395.01 }],
      couponCodes: [],
    });
    expect(mapped.discountCodes).toEqual([]);
  });

  it('dedupes on source.eventId, or shop + event + order without one', () => {
    expect(shopwareDedupeId(fixture())).toBe('7b04ebe416db4ebc93de4d791325e1d9');
    const old = fixture();
    delete old['source']['eventId'];
    expect(shopwareDedupeId(old)).toBe('hRCw2xo1EDZnLco4:checkout.order.placed:8f69d4874c53486a95383b2126161738');
    expect(shopwareDedupeId({})).toBeUndefined();
  });
});

describe('mapShopwareOrderPlaced rules', () => {
  it('turns promotion line items with a code into discount codes and keeps them out of the items', () => {
    const body = withOrder((order) => {
      order['lineItems'].push(
        { type: 'promotion', label: 'Winback', quantity: 1, unitPrice: -20, totalPrice: -20, payload: { code: 'WB-7KQ4-M9XT-R3PC' } },
        { type: 'promotion', label: 'Automatic', quantity: 1, unitPrice: -5, totalPrice: -5, payload: { code: '' } },
        { type: 'custom', label: 'Gift wrap', quantity: 1, unitPrice: 2.5, totalPrice: 2.5, identifier: 'wrap', payload: [] },
      );
    });
    const mapped = mapShopwareOrderPlaced(body);
    expect(mapped).toMatchObject({ kind: 'purchase', discountCodes: [{ code: 'WB-7KQ4-M9XT-R3PC', amount: 20 }], purchase: { couponCodes: ['WB-7KQ4-M9XT-R3PC'] } });
    if (mapped.kind === 'purchase') expect(mapped.purchase.items.map((i) => i.sku)).toEqual(['f3b92a7a618544308094cb4713b3ed84', 'wrap']);
  });

  it('identifies guests by hashed e-mail, registered customers by number then id', () => {
    const guest = withOrder((order) => (order['orderCustomer']['customer']['guest'] = true));
    expect(mapShopwareOrderPlaced(guest)).toMatchObject({ kind: 'purchase', purchase: { customerId: emailCustomerId('test@example.com') } });
    const noNumber = withOrder((order) => (order['orderCustomer']['customerNumber'] = null));
    expect(mapShopwareOrderPlaced(noNumber)).toMatchObject({ purchase: { customerId: '5e5d6cd8917c45839b2f6aa7b4bf1425' } });
    const nobody = withOrder((order) => (order['orderCustomer'] = null));
    expect(mapShopwareOrderPlaced(nobody)).toMatchObject({ kind: 'ignored', reason: 'no_customer' });
  });

  it('falls back to price.totalPrice and a configured currency', () => {
    const sparse = withOrder((order) => {
      delete order['amountTotal'];
      order['currency'] = null;
    });
    expect(mapShopwareOrderPlaced(sparse)).toMatchObject({ kind: 'invalid' });
    expect(mapShopwareOrderPlaced(sparse, { defaultCurrency: 'CHF' })).toMatchObject({ kind: 'purchase', purchase: { total: 395.01, currency: 'CHF' } });
  });

  it('ignores other events and cancelled orders, reports broken payloads', () => {
    const other = fixture();
    other['data']['event'] = 'checkout.customer.register';
    expect(mapShopwareOrderPlaced(other)).toMatchObject({ kind: 'ignored', reason: 'unsupported_event' });
    expect(mapShopwareOrderPlaced(withOrder((o) => (o['stateMachineState']['technicalName'] = 'cancelled')))).toMatchObject({ kind: 'ignored', reason: 'cancelled' });
    expect(mapShopwareOrderPlaced(withOrder((o) => delete o['id']))).toMatchObject({ kind: 'invalid' });
    expect(mapShopwareOrderPlaced({ data: {} })).toMatchObject({ kind: 'invalid' });
    expect(mapShopwareOrderPlaced('nope')).toMatchObject({ kind: 'invalid' });
  });
});

describe('foreign ids through the id rule', () => {
  it('maps a customer number with characters ids may not hold to a valid, stable id instead of refusing the order', () => {
    const mapped = mapShopwareOrderPlaced(withOrder((order) => (order['orderCustomer']['customerNumber'] = 'K/2024#7\n')));
    expect(mapped).toMatchObject({ kind: 'purchase', purchase: { customerId: 'K%2F2024%237' } });
    const again = mapShopwareOrderPlaced(withOrder((order) => (order['orderCustomer']['customerNumber'] = 'K/2024#7')));
    expect(again).toMatchObject({ kind: 'purchase', purchase: { customerId: 'K%2F2024%237' } });
  });
});
