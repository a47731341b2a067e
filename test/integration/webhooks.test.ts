import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedKit, startHost, type RunningHost } from '../helpers/local-host.js';

const shopifySecret = 'shopify-test-secret-123';
// The fixture's own secret ('s3cr3t') is shorter than the settings accept (8+), so it is re-signed here.
const shopwareSecret = 'shopware-test-secret';

const shopifyFixture = readFileSync(path.join(sharedKit, 'webhooks/shopify/orders-create-test-notification.json'));
const shopwareFixture = readFileSync(path.join(sharedKit, 'webhooks/shopware/checkout-order-placed.constructed.json'));

const shopifyCustomer = '115310627314723954';

const sign = (body: Buffer | string, secret = shopifySecret) => createHmac('sha256', secret).update(body).digest('base64');
const signHex = (body: Buffer | string, secret = shopwareSecret) => createHmac('sha256', secret).update(body).digest('hex');
const shopwareFixtureSignature = signHex(shopwareFixture);

/** The real order with the changes a live order has: not a test, not cancelled, a discount code. */
function liveShopifyOrder(code: string): string {
  // Edit the text, not a JSON round trip, so the 64-bit ids stay exact as Shopify sends them.
  let text = shopifyFixture.toString('utf8');
  text = text.replace('"test":true', '"test":false').replace(/"cancelled_at":"[^"]*"/, '"cancelled_at":null');
  text = text.replace('"discount_codes":[]', `"discount_codes":[{"code":"${code}","amount":"10.00","type":"fixed_amount"}]`);
  return text;
}

/** Timer bindings of other functions name this setting; the host resolves %…% from the environment. */
const hostEnv = { SEGMENTS_SCHEDULE: '0 0 2 * * *' };

describe('shop webhooks over HTTP', () => {
  let host: RunningHost;

  beforeAll(async () => {
    host = await startHost({
      args: ['--virtual-clock', '2026-11-02T12:00:00Z', '--quiet'],
      env: { SHOPIFY_WEBHOOK_SECRET: shopifySecret, SHOPWARE_WEBHOOK_SECRET: shopwareSecret, ...hostEnv },
    });
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
  });

  // fetch takes bytes as a Uint8Array view; the exact bytes matter, they are what was signed.
  const asBody = (body: Buffer | string) => (typeof body === 'string' ? body : new Uint8Array(body));
  const shopify = (body: Buffer | string, headers: Record<string, string>) =>
    host.call('/api/webhooks/shopify', { method: 'POST', body: asBody(body), key: null, headers: { 'content-type': 'application/json', ...headers } });
  const shopware = (body: Buffer | string, signature: string | undefined) =>
    host.call('/api/webhooks/shopware', {
      method: 'POST',
      body: asBody(body),
      key: null,
      headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { 'shopware-shop-signature': signature }) },
    });
  const purchasesOf = async (customerId: string) =>
    ((await (await host.call(`/api/customers/${customerId}/purchases`)).json()) as { purchases: { orderId: string; type: string; total: number }[] }).purchases;
  const couponsOf = async (customerId: string) =>
    ((await (await host.call(`/api/customers/${customerId}/coupons`)).json()) as { coupons: { code: string; status: string; redemption?: { orderId: string } }[] }).coupons;
  const issue = async (customerId: string, offerId: string) => {
    const response = await host.call('/api/coupons', { method: 'POST', json: { customerId, offerId, requestId: `wh-${customerId}-${offerId}` } });
    expect(response.status).toBe(201);
    return ((await response.json()) as { code: string; displayCode: string }).displayCode;
  };

  it('rejects a bad or missing signature with 401 and stores nothing', async () => {
    const body = liveShopifyOrder('WB-2222-2222-2222');
    expect((await shopify(body, { 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': 'bad-1' })).status).toBe(401);
    const tampered = await shopify(body, { 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': 'bad-2', 'x-shopify-hmac-sha256': sign(body + ' ') });
    expect(tampered.status).toBe(401);
    expect((await shopware(shopwareFixture, signHex(shopwareFixture, 'wrong-secret'))).status).toBe(401);
    expect((await shopware(shopwareFixture, undefined)).status).toBe(401);
    expect(await purchasesOf(shopifyCustomer)).toHaveLength(0);
    expect(await purchasesOf('1337')).toHaveLength(0);
  });

  it('answers the real Shopify test notification with 200 and records nothing (test order)', async () => {
    const response = await shopify(shopifyFixture, { 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': 'real-1', 'x-shopify-hmac-sha256': sign(shopifyFixture) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ignored', reason: 'test_order' });
    expect(await purchasesOf(shopifyCustomer)).toHaveLength(0);
  });

  it('records a Shopify order, redeems its winback code, and a replayed delivery changes nothing', async () => {
    await host.call('/api/offers/usd-10', { method: 'PUT', json: { name: '10 $', value: { type: 'amount', amount: 10 }, currency: 'USD', validity: { days: 30 } } });
    const code = await issue('shop-cust-1', 'usd-10');
    const body = liveShopifyOrder(code);
    const headers = { 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': 'order-1', 'x-shopify-hmac-sha256': sign(body), 'x-shopify-shop-domain': 'demo.myshopify.com' };
    const first = await shopify(body, headers);
    expect(first.status).toBe(200);
    const firstBody = await first.json();
    expect(firstBody).toMatchObject({ status: 'processed', orderId: '820982911946154508', purchase: 'created', redemptions: [{ status: 'redeemed', discountMinor: 1000 }] });

    const replay = await shopify(body, headers);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual(firstBody);

    const purchases = await purchasesOf(shopifyCustomer);
    expect(purchases).toHaveLength(1);
    expect(purchases[0]).toMatchObject({ orderId: '820982911946154508', total: 1575.9, type: 'purchase' });
    const coupon = (await couponsOf('shop-cust-1'))[0]!;
    expect(coupon).toMatchObject({ status: 'redeemed', redemption: { orderId: '820982911946154508' } });
  });

  it('a full Shopify refund records the refund and gives the coupon back; a replay changes nothing', async () => {
    const refund = JSON.stringify({
      id: 509562969,
      order_id: 820982911946154508n.toString(),
      created_at: '2026-11-02T10:00:00-04:00',
      transactions: [{ kind: 'refund', status: 'success', amount: '1575.90', currency: 'USD' }],
      refund_line_items: [],
    }).replace('"820982911946154508"', '820982911946154508');
    const headers = { 'x-shopify-topic': 'refunds/create', 'x-shopify-webhook-id': 'refund-1', 'x-shopify-hmac-sha256': sign(refund) };
    const first = await shopify(refund, headers);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ status: 'processed', fullRefund: true, rolledBack: [{ usable: true }] });
    expect((await couponsOf('shop-cust-1'))[0]!.status).toBe('active');

    const replay = await shopify(refund, headers);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const purchases = await purchasesOf(shopifyCustomer);
    expect(purchases.map((p) => p.type).sort()).toEqual(['purchase', 'refund']);
    expect((await couponsOf('shop-cust-1'))[0]!.status).toBe('active');
  });

  it('records the real Shopware order (re-signed); the replay changes nothing', async () => {
    const first = await shopware(shopwareFixture, shopwareFixtureSignature);
    expect(first.status).toBe(200);
    const body = await first.json();
    expect(body).toMatchObject({ status: 'processed', purchase: 'created', redemptions: [] });
    const replay = await shopware(shopwareFixture, shopwareFixtureSignature);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual(body);
    const purchases = await purchasesOf('1337');
    expect(purchases).toHaveLength(1);
    expect(purchases[0]!.total).toBe(395.01);
  });

  it('redeems a winback code from a Shopware promotion line', async () => {
    await host.call('/api/offers/eur-5', { method: 'PUT', json: { name: '5 €', value: { type: 'amount', amount: 5 }, currency: 'EUR', validity: { days: 30 } } });
    const code = await issue('sw-cust', 'eur-5');
    const envelope = JSON.parse(shopwareFixture.toString('utf8')) as { source: { eventId: string }; data: { payload: { order: { id: string; lineItems: unknown[] } } } };
    envelope.source.eventId = 'derived-event-1';
    envelope.data.payload.order.id = 'derived-order-1';
    envelope.data.payload.order.lineItems.push({ type: 'promotion', label: 'Winback', quantity: 1, unitPrice: -5, totalPrice: -5, payload: { code } });
    const raw = JSON.stringify(envelope);
    const response = await shopware(raw, signHex(raw));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ redemptions: [{ status: 'redeemed', discountMinor: 500 }] });
    expect((await couponsOf('sw-cust'))[0]!.status).toBe('redeemed');
    expect((await shopware(raw, signHex(raw))).headers.get('idempotent-replayed')).toBe('true');
  });

  it('a host without webhook secrets answers 503 with a clear detail, never a 5xx stack', async () => {
    const bare = await startHost({ args: ['--quiet'], env: { SHOPIFY_WEBHOOK_SECRET: '', SHOPWARE_WEBHOOK_SECRET: '', ...hostEnv } });
    try {
      const response = await bare.call('/api/webhooks/shopify', { method: 'POST', body: shopifyFixture, key: null, headers: { 'x-shopify-hmac-sha256': sign(shopifyFixture) } });
      expect(response.status).toBe(503);
      expect(((await response.json()) as { detail: string }).detail).toContain('SHOPIFY_WEBHOOK_SECRET');
      const sw = await bare.call('/api/webhooks/shopware', { method: 'POST', body: shopwareFixture, key: null, headers: { 'shopware-shop-signature': shopwareFixtureSignature } });
      expect(sw.status).toBe(503);
      expect(((await sw.json()) as { detail: string }).detail).toContain('SHOPWARE_WEBHOOK_SECRET');
    } finally {
      await bare.stop();
      bare.cleanup();
    }
  });
});
