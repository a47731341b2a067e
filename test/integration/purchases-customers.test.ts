import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type RunningHost } from '../helpers/local-host.js';

const purchase = (overrides: Record<string, unknown> = {}) => ({
  orderId: 'A-1001',
  source: 'pos',
  customerId: 'C-42',
  occurredAt: '2026-11-01T10:15:00Z',
  total: 59.9,
  currency: 'EUR',
  storeId: 'berlin-01',
  type: 'purchase',
  items: [{ sku: 'SKU-1', category: 'coffee', quantity: 2, unitPrice: 29.95 }],
  couponCodes: [],
  ...overrides,
});

type Problem = { status: number; title: string; errors?: { pointer: string; message: string }[] };

describe('purchases and customers over HTTP', () => {
  let host: RunningHost;

  beforeAll(async () => {
    host = await startHost({ args: ['--virtual-clock', '2026-11-02T12:00:00Z'] });
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
  });

  const purchasesOf = async (customerId: string) => {
    const response = await host.call(`/api/customers/${customerId}/purchases`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { purchases: { orderId: string; total: number; type: string }[] }).purchases;
  };

  it('stores a purchase once and answers a replay the same way', async () => {
    const first = await host.call('/api/purchases', { method: 'POST', json: purchase() });
    expect(first.status).toBe(201);
    const firstBody = await first.json();
    expect(firstBody).toMatchObject({ orderId: 'A-1001', customerId: 'C-42', total: 59.9, currency: 'EUR' });

    const replay = await host.call('/api/purchases', { method: 'POST', json: purchase() });
    expect(replay.status).toBe(201);
    expect(await replay.json()).toEqual(firstBody);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await purchasesOf('C-42')).toHaveLength(1);
  });

  it('answers 409 when the same (source, orderId) comes with a different body, and stores nothing', async () => {
    const response = await host.call('/api/purchases', { method: 'POST', json: purchase({ total: 10 }) });
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const stored = await purchasesOf('C-42');
    expect(stored).toHaveLength(1);
    expect(stored[0]!.total).toBe(59.9);
  });

  it('records a refund against the original order', async () => {
    const response = await host.call('/api/purchases', {
      method: 'POST',
      json: purchase({ orderId: 'R-1', type: 'refund', originalOrderId: 'A-1001', total: 29.95, items: [] }),
    });
    expect(response.status).toBe(201);
    const stored = await purchasesOf('C-42');
    expect(stored.map((p) => p.type).sort()).toEqual(['purchase', 'refund']);
  });

  it('judges each purchase of a batch on its own', async () => {
    const response = await host.call('/api/purchases', {
      method: 'POST',
      json: {
        purchases: [
          purchase({ orderId: 'B-1', customerId: 'C-7' }),
          purchase({ orderId: 'B-2', customerId: 'C-7', total: -5 }),
          purchase({ orderId: 'A-1001' }),
          purchase({ orderId: 'A-1001', total: 1 }),
        ],
      },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { results: { index: number; status: string; errors?: { pointer: string }[] }[] };
    expect(body.results.map((r) => r.status)).toEqual(['created', 'invalid', 'duplicate', 'conflict']);
    expect(body.results[1]!.errors!.map((e) => e.pointer)).toContain('/purchases/1/total');
    expect((await purchasesOf('C-7')).map((p) => p.orderId)).toEqual(['B-1']);
  });

  it('rejects bad input with problem+json naming each field, and stores nothing', async () => {
    const cases: { body: string | unknown; pointers: string[] }[] = [
      { body: purchase({ customerId: 'C-bad', items: [{ sku: 'X', quantity: -1, unitPrice: 1 }] }), pointers: ['/items/0/quantity'] },
      { body: purchase({ customerId: 'C-bad', currency: 'XYZ' }), pointers: ['/currency'] },
      { body: purchase({ customerId: 'C-bad', occurredAt: '2027-01-01T00:00:00Z' }), pointers: ['/occurredAt'] },
      { body: purchase({ customerId: 'C-bad', occurredAt: '2027-01-01T00:00:00Z', total: -1 }), pointers: ['/occurredAt', '/total'] },
      { body: purchase({ customerId: 'C-bad', surprise: true }), pointers: ['/surprise'] },
      { body: purchase({ customerId: 'C-bad', total: 59.901 }), pointers: ['/total'] },
      { body: purchase({ customerId: 'C-bad', type: 'refund' }), pointers: ['/originalOrderId'] },
      { body: { purchases: [] }, pointers: ['/purchases'] },
    ];
    for (const { body, pointers } of cases) {
      const response = await host.call('/api/purchases', { method: 'POST', json: body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await response.json()) as Problem;
      expect(problem.errors!.map((e) => e.pointer)).toEqual(expect.arrayContaining(pointers));
    }
    const malformed = await host.call('/api/purchases', { method: 'POST', body: '{"orderId": ', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    const tooMany = await host.call('/api/purchases', {
      method: 'POST',
      json: { purchases: Array.from({ length: 1001 }, (_, i) => purchase({ orderId: `M-${i}`, customerId: 'C-bad' })) },
    });
    expect(tooMany.status).toBe(400);
    const huge = await host.call('/api/purchases', { method: 'POST', json: purchase({ customerId: 'C-bad', pad: 'x'.repeat(1_100_000) }) });
    expect(huge.status).toBe(413);
    expect(await purchasesOf('C-bad')).toHaveLength(0);
  });

  it('creates, reads, replaces and erases a customer profile', async () => {
    const profile = {
      email: 'anna@example.com',
      phone: '+4915112345678',
      firstName: 'Anna',
      locale: 'de-DE',
      timeZone: 'Europe/Berlin',
      birthday: '1990-05-17',
      address: { line1: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
      preferredChannel: 'email',
      consents: { email: { granted: true, at: '2026-10-01T09:00:00Z', source: 'pos-signup' } },
    };
    const created = await host.call('/api/customers/C-42', { method: 'PUT', json: profile });
    expect(created.status).toBe(201);
    const read = await host.call('/api/customers/C-42');
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: 'C-42', ...profile });

    const replaced = await host.call('/api/customers/C-42', { method: 'PUT', json: { ...profile, firstName: 'Anne' } });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({ firstName: 'Anne' });

    const bad = await host.call('/api/customers/C-42', { method: 'PUT', json: { ...profile, email: 'nope', timeZone: 'Mars/Base' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Problem).errors!.map((e) => e.pointer).sort()).toEqual(['/email', '/timeZone']);

    expect((await host.call('/api/customers/C-42', { method: 'DELETE' })).status).toBe(204);
    expect((await host.call('/api/customers/C-42')).status).toBe(404);
    expect(await purchasesOf('C-42')).toHaveLength(0);
    expect((await host.call('/api/customers/C-42', { method: 'DELETE' })).status).toBe(204);

    // A till replaying an old purchase must not bring the erased history back.
    const replay = await host.call('/api/purchases', { method: 'POST', json: purchase() });
    expect(replay.status).toBe(410);
    expect(await purchasesOf('C-42')).toHaveLength(0);
  });

  it('accepts a purchase for a customer with no profile (a loyalty card number is enough)', async () => {
    const response = await host.call('/api/purchases', { method: 'POST', json: purchase({ orderId: 'N-1', customerId: 'CARD-0001' }) });
    expect(response.status).toBe(201);
    const known = await host.call('/api/customers/CARD-0001');
    expect(known.status).toBe(200);
    expect(await known.json()).toEqual({
      id: 'CARD-0001',
      hasProfile: false,
      links: [],
      purchases: { count: 1, firstAt: '2026-11-01T10:15:00.000Z', lastAt: '2026-11-01T10:15:00.000Z' },
    });
    expect((await host.call('/api/customers/CARD-0002')).status).toBe(404);
    expect(await purchasesOf('CARD-0001')).toHaveLength(1);
  });

  it('keeps data across a restart of the host', async () => {
    host = await host.restart();
    expect((await purchasesOf('CARD-0001')).map((p) => p.orderId)).toEqual(['N-1']);
  });
});
