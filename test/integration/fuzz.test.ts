import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';

/**
 * Fuzzed bodies on every endpoint that takes one: arbitrary JSON values, and valid bodies broken in one
 * place (a field replaced by an arbitrary value, plus a field no schema knows). No answer may be a 5xx, a
 * broken body must be refused with a 4xx, and the counts visible through the API must not move.
 */
const hostEnv = { SEGMENTS_SCHEDULE: '0 0 2 * * *', SHOPIFY_WEBHOOK_SECRET: 'fuzz-secret-shopify', SHOPWARE_WEBHOOK_SECRET: 'fuzz-secret-shopware' };
const runs = 40;

describe('fuzzed bodies on every endpoint', () => {
  let host: RunningHost;
  let code: string;

  beforeAll(async () => {
    host = await startHost({ args: ['--quiet'], env: hostEnv });
    await host.call('/api/offers/fuzz', { method: 'PUT', json: { name: 'fuzz', value: { type: 'amount', amount: 5 }, currency: 'EUR', validity: { days: 30 } } });
    const issued = await host.call('/api/coupons', { method: 'POST', json: { customerId: 'fuzz-c', offerId: 'fuzz', requestId: 'fuzz-r' } });
    code = ((await issued.json()) as { code: string }).code;
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
  });

  const snapshot = async () => {
    const json = async (p: string) => (await host.call(p)).json() as Promise<Record<string, unknown[]>>;
    return {
      offers: (await json('/api/offers'))['offers']!.length,
      coupons: JSON.stringify((await json('/api/customers/fuzz-c/coupons'))['coupons']),
      purchases: (await json('/api/customers/fuzz-c/purchases'))['purchases']!.length,
      customer: (await host.call('/api/customers/fuzz-c')).status,
    };
  };

  const valid: Record<string, { method: string; path: () => string; body: () => Record<string, unknown>; headers?: () => Record<string, string>; sign?: (raw: string) => Record<string, string> }> = {
    'PUT /api/offers/{id}': { method: 'PUT', path: () => '/api/offers/fuzz-new', body: () => ({ name: 'n', value: { type: 'percent', percent: 10 }, validity: { days: 3 } }) },
    'POST /api/coupons': { method: 'POST', path: () => '/api/coupons', body: () => ({ customerId: 'fuzz-c', offerId: 'fuzz', requestId: 'fuzz-r2' }) },
    'POST /api/coupons/{code}/validate': { method: 'POST', path: () => `/api/coupons/${code}/validate`, body: () => ({ basketTotal: 50, currency: 'EUR' }) },
    'POST /api/redemptions': {
      method: 'POST',
      path: () => '/api/redemptions',
      body: () => ({ code, orderId: 'F-1', source: 'pos', basketTotal: 50, currency: 'EUR', customerId: 'fuzz-c' }),
      headers: () => ({ 'idempotency-key': 'fuzz-key' }),
    },
    'POST /api/redemptions/{id}/rollback': { method: 'POST', path: () => `/api/redemptions/${code}.r_abc/rollback`, body: () => ({ reason: 'returned' }) },
    'POST /api/purchases': {
      method: 'POST',
      path: () => '/api/purchases',
      body: () => ({ orderId: 'FP-1', source: 'pos', customerId: 'fuzz-c', occurredAt: '2026-01-01T00:00:00Z', total: 10, currency: 'EUR' }),
    },
    'PUT /api/customers/{id}': { method: 'PUT', path: () => '/api/customers/fuzz-c', body: () => ({ email: 'a@example.com' }) },
    'POST /api/webhooks/shopify': {
      method: 'POST',
      path: () => '/api/webhooks/shopify',
      body: () => ({ id: 1, created_at: '2026-01-01T00:00:00Z', currency: 'EUR', total_price: '10.00', customer: { id: 7 }, line_items: 'x' }),
      sign: (raw) => ({ 'x-shopify-hmac-sha256': createHmac('sha256', hostEnv.SHOPIFY_WEBHOOK_SECRET).update(raw).digest('base64'), 'x-shopify-topic': 'orders/create' }),
    },
    'POST /api/webhooks/shopware': {
      method: 'POST',
      path: () => '/api/webhooks/shopware',
      body: () => ({ data: { event: 'checkout.order.placed', payload: { order: { id: 'o', orderDateTime: 'x', lineItems: 'x' } } }, source: { shopId: 's' } }),
      sign: (raw) => ({ 'shopware-shop-signature': createHmac('sha256', hostEnv.SHOPWARE_WEBHOOK_SECRET).update(raw).digest('hex') }),
    },
  };

  const send = async (endpoint: (typeof valid)[string], raw: string) =>
    host.call(endpoint.path(), {
      method: endpoint.method,
      body: raw,
      headers: { 'content-type': 'application/json', ...endpoint.headers?.(), ...endpoint.sign?.(raw) },
    });

  for (const [name, endpoint] of Object.entries(valid)) {
    it(`${name}: arbitrary JSON and broken valid bodies → 4xx, nothing stored`, async () => {
      const before = await snapshot();
      // `{}` is a valid customer profile; every other arbitrary value is invalid everywhere.
      const arbitrary = fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null').filter((raw) => raw !== '{}');
      const broken = fc
        .record({ key: fc.constantFrom(...Object.keys(endpoint.body())), value: fc.jsonValue() })
        .map(({ key, value }) => JSON.stringify({ ...endpoint.body(), [key]: value, zzUnknownField: value }));
      const garbage = fc.string({ maxLength: 64 });
      await fc.assert(
        fc.asyncProperty(fc.oneof(arbitrary, broken, garbage), async (raw) => {
          const response = await send(endpoint, raw);
          const status = response.status;
          await response.arrayBuffer();
          // Webhooks answer 200 to well-formed payloads they ignore (e.g. other events); all else is 4xx.
          const allowed = name.includes('webhooks') ? status === 200 || (status >= 400 && status < 500) : status >= 400 && status < 500;
          if (!allowed) throw new Error(`${name}: ${status} for ${raw.slice(0, 300)}`);
        }),
        { numRuns: runs },
      );
      // Nothing queued either: the redemption-events consumer would record a purchase.
      await waitIdle(host);
      expect(await snapshot()).toEqual(before);
    }, 120_000);
  }
});
