import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedKit, startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';
import { safeIds, unsafeIds } from '../unit/foundation/id-fixtures.js';

const purchase = (overrides: Record<string, unknown> = {}) => ({
  orderId: 'A-1',
  source: 'pos',
  customerId: 'C-1',
  occurredAt: '2026-10-01T10:00:00Z',
  total: 20,
  currency: 'EUR',
  ...overrides,
});

type Problem = { status: number; reason?: string; errors?: { pointer: string; message: string }[]; copy?: unknown };

describe('the HTTP API contract', () => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await startHost({ args: ['--virtual-clock', '2026-11-02T12:00:00Z'] });
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
  });

  const customerPath = (id: string) => `/api/customers/${encodeURIComponent(id)}`;

  describe('one id rule', () => {
    it.each(unsafeIds)('refuses a customer id with a %s at ingest, naming the field, and stores nothing', async (_what, bad) => {
      const response = await host.call('/api/purchases', { method: 'POST', json: purchase({ customerId: bad, orderId: `bad-${_what}` }) });
      expect(response.status).toBe(400);
      const problem = (await response.json()) as Problem;
      expect(problem.errors?.map((e) => e.pointer)).toContain('/customerId');
    });

    it('the same rule holds on the customer routes and for order ids', async () => {
      const route = await host.call(`/api/customers/${encodeURIComponent('C\n1')}`);
      expect(route.status).toBe(400);
      expect(((await route.json()) as Problem).errors?.[0]?.pointer).toBe('route/customerId');
      const order = await host.call('/api/purchases', { method: 'POST', json: purchase({ orderId: 'A#1' }) });
      expect(((await order.json()) as Problem).errors?.map((e) => e.pointer)).toEqual(['/orderId']);
    });

    it('every id ingest accepts is readable, scored by segmentation without dead letters, and erasable', async () => {
      for (const [i, id] of safeIds.entries()) {
        const created = await host.call('/api/purchases', { method: 'POST', json: purchase({ customerId: id, orderId: `safe-${i}`, occurredAt: '1998-03-01T10:00:00Z' }) });
        expect(created.status, id).toBe(201);
      }
      // Enough other customers for the models to fit: the first 950 purchases of the CDNOW sample.
      const filler = readFileSync(path.join(sharedKit, 'datasets/cdnow/CDNOW_sample.txt'), 'utf8')
        .trim()
        .split(/\r?\n/)
        .slice(0, 950)
        .map((line, index) => {
          const [masterId, , date, , dollars] = line.trim().split(/\s+/);
          const occurredAt = `${date!.slice(0, 4)}-${date!.slice(4, 6)}-${date!.slice(6, 8)}T12:00:00Z`;
          return purchase({ orderId: `cdnow-${index}`, source: 'cdnow', customerId: `cdnow-${masterId}`, occurredAt, total: Number(dollars), currency: 'USD' });
        });
      const batch = await host.call('/api/purchases', { method: 'POST', json: { purchases: filler } });
      expect(((await batch.json()) as { counts: { created: number } }).counts.created).toBe(filler.length);
      const run = await host.call('/admin/functions/segments-compute', { method: 'POST', json: { input: JSON.stringify({ asOf: '1998-06-30', runId: 'ids-1' }) } });
      expect(run.status).toBe(202);
      await waitIdle(host);
      const dead = (await (await host.call('/admin/local/queues/segment-shards/deadletters')).json()) as unknown[];
      expect(dead).toEqual([]);
      const runView = (await (await host.call('/api/segments/runs/ids-1')).json()) as { status: string };
      expect(runView, JSON.stringify(runView)).toMatchObject({ status: 'completed' });

      for (const id of safeIds) {
        const customer = await host.call(customerPath(id));
        expect(customer.status, id).toBe(200);
        expect(await customer.json()).toMatchObject({ id, hasProfile: false, purchases: { count: 1 } });
        expect((await host.call(`${customerPath(id)}/profile-scores`)).status, id).toBe(200);
        expect((await host.call(`${customerPath(id)}/purchases`)).status).toBe(200);
        expect((await host.call(customerPath(id), { method: 'DELETE' })).status).toBe(204);
        expect((await host.call(customerPath(id))).status, id).toBe(404);
        const after = (await (await host.call(`${customerPath(id)}/purchases`)).json()) as { purchases: unknown[] };
        expect(after.purchases).toEqual([]);
      }
    }, 180_000);
  });

  describe('paging tokens', () => {
    it('pages through a history with opaque, URL-safe tokens and refuses malformed or foreign ones', async () => {
      for (let i = 0; i < 3; i++) {
        expect((await host.call('/api/purchases', { method: 'POST', json: purchase({ customerId: 'P-1', orderId: `p-${i}`, occurredAt: `2026-10-0${i + 1}T10:00:00Z` }) })).status).toBe(201);
      }
      expect((await host.call('/api/purchases', { method: 'POST', json: purchase({ customerId: 'P-2', orderId: 'q-1' }) })).status).toBe(201);
      const seen: string[] = [];
      let token: string | null = null;
      let firstToken: string | undefined;
      do {
        const query: string = token === null ? '' : `&continuationToken=${token}`;
        const page = (await (await host.call(`/api/customers/P-1/purchases?limit=1${query}`)).json()) as { purchases: { orderId: string }[]; continuationToken: string | null };
        seen.push(...page.purchases.map((p) => p.orderId));
        token = page.continuationToken;
        if (token !== null) {
          expect(token).toMatch(/^[A-Za-z0-9_.-]+$/);
          firstToken ??= token;
        }
      } while (token !== null && seen.length < 10);
      expect(seen).toEqual(['p-2', 'p-1', 'p-0']);

      for (const bad of ['garbage', '{"token":"x"}', firstToken!.slice(0, -2)]) {
        const response = await host.call(`/api/customers/P-1/purchases?limit=1&continuationToken=${encodeURIComponent(bad)}`);
        expect(response.status, bad).toBe(400);
        expect(((await response.json()) as Problem).errors?.[0]?.pointer).toBe('query/continuationToken');
      }
      const foreign = await host.call(`/api/customers/P-2/purchases?limit=1&continuationToken=${firstToken}`);
      expect(foreign.status).toBe(400);
      const badLimit = (await (await host.call('/api/customers/P-1/purchases?limit=0&page=2')).json()) as Problem;
      expect(badLimit.errors?.map((e) => e.pointer).sort()).toEqual(['query/limit', 'query/page']);
    });
  });

  describe('offers and coupons', () => {
    it('the built-in offer is read-only, with a copy to PUT elsewhere', async () => {
      const put = await host.call('/api/offers/winback-default', { method: 'PUT', json: { name: 'mine', value: { type: 'percent', percent: 50 }, validity: { days: 1 } } });
      expect(put.status).toBe(409);
      const problem = (await put.json()) as Problem & { detail: string };
      expect(problem.reason).toBe('builtin_offer');
      expect(problem.detail).toContain('PUT /api/offers/');
      expect((await host.call('/api/offers/winback-default', { method: 'DELETE' })).status).toBe(409);
      const copy = await host.call('/api/offers/my-default', { method: 'PUT', json: problem.copy });
      expect(copy.status).toBe(201);
      const shipped = (await (await host.call('/api/offers/winback-default')).json()) as { ladder: string; builtin: boolean };
      expect(shipped).toMatchObject({ ladder: 'default', builtin: true });
    });

    it('offers have a lifecycle: paused issues nothing, active again issues, DELETE archives', async () => {
      const offer = { name: '10 %', value: { type: 'percent', percent: 10 }, validity: { days: 30 } };
      expect((await host.call('/api/offers/life', { method: 'PUT', json: { ...offer, status: 'paused' } })).status).toBe(201);
      const paused = await host.call('/api/coupons', { method: 'POST', json: { customerId: 'L-1', offerId: 'life', requestId: 'life-1' } });
      expect(paused.status).toBe(409);
      expect(((await paused.json()) as Problem).reason).toBe('offer_paused');
      expect((await host.call('/api/offers/life', { method: 'PUT', json: offer })).status).toBe(200);
      expect((await host.call('/api/coupons', { method: 'POST', json: { customerId: 'L-1', offerId: 'life', requestId: 'life-2' } })).status).toBe(201);
      const archived = await host.call('/api/offers/life', { method: 'DELETE' });
      expect(archived.status).toBe(200);
      expect(await archived.json()).toMatchObject({ id: 'life', status: 'archived' });
      expect((await host.call('/api/offers/life', { method: 'DELETE' })).status).toBe(200);
      const refused = await host.call('/api/coupons', { method: 'POST', json: { customerId: 'L-2', offerId: 'life', requestId: 'life-3' } });
      expect(((await refused.json()) as Problem).reason).toBe('offer_archived');
      expect((await host.call('/api/offers/nope', { method: 'DELETE' })).status).toBe(404);
    });

    it('a revoked coupon stops working at the till; revoking is idempotent', async () => {
      const issued = (await (await host.call('/api/coupons', { method: 'POST', json: { customerId: 'R-1', offerId: 'winback-default', requestId: 'rev-1' } })).json()) as { code: string; displayCode: string };
      const basket = { customerId: 'R-1', basketTotal: 50, currency: 'EUR' };
      expect(((await (await host.call(`/api/coupons/${issued.displayCode}/validate`, { method: 'POST', json: basket })).json()) as { valid: boolean }).valid).toBe(true);

      expect((await host.call(`/api/coupons/${issued.code}/revoke`, { method: 'POST', json: {} })).status).toBe(400);
      const revoked = await host.call(`/api/coupons/${issued.displayCode}/revoke`, { method: 'POST', json: { reason: 'leaked on a forum' } });
      expect(revoked.status).toBe(200);
      expect(await revoked.json()).toMatchObject({ code: issued.code, status: 'revoked', revoked: { reason: 'leaked on a forum' } });
      const again = await host.call(`/api/coupons/${issued.code}/revoke`, { method: 'POST', json: { reason: 'twice' } });
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await again.json()).toMatchObject({ revoked: { reason: 'leaked on a forum' } });

      const validate = (await (await host.call(`/api/coupons/${issued.code}/validate`, { method: 'POST', json: basket })).json()) as { valid: boolean; reason: string; redemptionStatus: number };
      expect(validate).toMatchObject({ valid: false, reason: 'revoked', redemptionStatus: 410 });
      const redeem = await host.call('/api/redemptions', {
        method: 'POST',
        headers: { 'idempotency-key': 'rev-till-1' },
        json: { code: issued.code, orderId: 'T-1', source: 'pos', basketTotal: 50, currency: 'EUR', storeId: 'berlin-01' },
      });
      expect(redeem.status).toBe(410);
      expect(((await redeem.json()) as Problem).reason).toBe('revoked');
      const list = (await (await host.call('/api/customers/R-1/coupons')).json()) as { coupons: { status: string }[] };
      expect(list.coupons.map((c) => c.status)).toEqual(['revoked']);
      expect((await host.call('/api/coupons/WB-2222-2222-2223/revoke', { method: 'POST', json: { reason: 'x' } })).status).toBeGreaterThanOrEqual(404);
    });
  });

  describe('what a developer sees first', () => {
    it('the start banner shows timer schedules resolved, and a coupons-issue input that works', async () => {
      const banner = host.output();
      expect(banner).toContain('segments-compute: timer (schedule 0 0 2 * * *, UTC)');
      expect(banner).not.toContain('%SEGMENTS_SCHEDULE%');
      const line = banner.split('\n').find((l) => l.includes('coupons-issue:'))!;
      const hint = /run now: POST (\S+) (\{.*\})$/.exec(line.trim());
      expect(hint, line).not.toBeNull();
      const [, url, input] = hint!;
      const response = await fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: input });
      expect(response.status).toBe(202);
      await waitIdle(host);
      const customerId = (JSON.parse(JSON.parse(input!).input) as { customerId: string }).customerId;
      const coupons = (await (await host.call(`/api/customers/${customerId}/coupons`)).json()) as { coupons: { offerId: string }[] };
      expect(coupons.coupons.map((c) => c.offerId)).toEqual(['winback-default']);
    });

    it('passes the correlation id from the HTTP request into the Service Bus message it causes and the logs', async () => {
      const issued = (await (await host.call('/api/coupons', { method: 'POST', json: { customerId: 'K-1', offerId: 'winback-default', requestId: 'corr-1' } })).json()) as { code: string };
      const redeem = await host.call('/api/redemptions', {
        method: 'POST',
        headers: { 'idempotency-key': 'corr-till-1', 'x-correlation-id': 'corr-e2e-1' },
        json: { code: issued.code, orderId: 'K-O-1', source: 'pos', basketTotal: 50, currency: 'EUR', storeId: 'berlin-01' },
      });
      expect(redeem.status).toBe(201);
      expect(redeem.headers.get('x-correlation-id')).toBe('corr-e2e-1');
      await waitIdle(host);
      const lines = host.output().split('\n').filter((l) => l.includes('"correlationId":"corr-e2e-1"'));
      const events = lines.map((l) => JSON.parse(l.slice(l.indexOf('{'))) as { event: string; invocationId: string; customer?: string });
      expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['coupon.redeemed', 'redemption.recorded']));
      expect(new Set(events.map((e) => e.invocationId)).size).toBeGreaterThan(1);
      expect(events.every((e) => e.customer?.startsWith('c_'))).toBe(true);
      expect(lines.join('\n')).not.toContain('K-1"');
      const other = await host.call('/api/health', { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
      expect(other.headers.get('x-correlation-id')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    });

    it('serves OpenAPI 3.1 anonymously, covering every registered HTTP route', async () => {
      const response = await host.call('/api/openapi.json', { key: null });
      expect(response.status).toBe(200);
      const doc = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
      expect(doc.openapi).toBe('3.1.0');
      const functions = (await (await host.call('/admin/functions')).json()) as { trigger: { type: string; route?: string; methods?: string[] } }[];
      const registered = functions
        .filter((f) => f.trigger.type === 'httpTrigger')
        .flatMap((f) => (f.trigger.methods ?? []).map((m) => `${m.toLowerCase()} /${f.trigger.route}`))
        .sort();
      const documented = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m} ${p}`)).sort();
      expect(documented).toEqual(registered);
    });
  });
});
