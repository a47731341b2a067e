import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';

const now = '2026-11-02T12:00:00.000Z';

type CouponBody = { code: string; customerId: string; status: string; expiresAt: string; terms: { tier?: string; value: Record<string, unknown> } };
type RedemptionBody = { redemptionId: string; code: string; discount: number; redeemedAt: string; purchase: 'queued' };

/**
 * A function module loaded into the host with --functions: the first coupon create of a request whose id
 * starts with "crash-" succeeds in Cosmos and then throws, as if the process died after storing — the
 * delivery fails and the message is redelivered.
 */
function faultModule(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'winback-faults-'));
  const runtimeUrl = pathToFileURL(path.join(repoRoot, 'dist/shared/runtime.js')).href;
  writeFileSync(
    path.join(dir, 'faults.js'),
    `import { runtime } from ${JSON.stringify(runtimeUrl)};
const rt = runtime();
const original = rt.container.bind(rt);
const crashed = new Set();
rt.container = (name) => {
  const container = original(name);
  if (name !== 'coupons') return container;
  const items = container.items;
  return new Proxy(container, {
    get(target, prop) {
      if (prop !== 'items') { const v = Reflect.get(target, prop); return typeof v === 'function' ? v.bind(target) : v; }
      return new Proxy(items, {
        get(t, p) {
          if (p !== 'create') { const v = Reflect.get(t, p); return typeof v === 'function' ? v.bind(t) : v; }
          return async (doc, options) => {
            const result = await t.create(doc, options);
            if (doc.type === 'coupon' && String(doc.requestId).startsWith('crash-') && !crashed.has(doc.requestId)) {
              crashed.add(doc.requestId);
              throw new Error('injected failure after the coupon was stored');
            }
            return result;
          };
        },
      });
    },
  });
};
`,
  );
  return path.join(dir, '*.js');
}

/** Timer bindings of other functions name this setting; the host resolves %…% from the environment. */
const hostEnv = { SEGMENTS_SCHEDULE: '0 0 2 * * *' };

describe('coupons over HTTP and the queue', () => {
  let host: RunningHost;

  beforeAll(async () => {
    host = await startHost({ args: ['--virtual-clock', now, '--quiet', '--functions', faultModule()], env: hostEnv });
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
  });

  const putOffer = async (id: string, offer: Record<string, unknown>) => {
    const response = await host.call(`/api/offers/${id}`, { method: 'PUT', json: offer });
    expect([200, 201]).toContain(response.status);
    return response.json();
  };
  const issue = (body: Record<string, unknown>) => host.call('/api/coupons', { method: 'POST', json: body });
  const issueOk = async (customerId: string, offerId: string, requestId = `req-${customerId}-${offerId}`) => {
    const response = await issue({ customerId, offerId, requestId });
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as CouponBody;
  };
  const redeem = (key: string | undefined, body: Record<string, unknown>) =>
    host.call('/api/redemptions', { method: 'POST', json: body, headers: key === undefined ? {} : { 'idempotency-key': key } });
  const couponsOf = async (customerId: string) => {
    const response = await host.call(`/api/customers/${encodeURIComponent(customerId)}/coupons`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { coupons: CouponBody[] }).coupons;
  };
  const purchasesOf = async (customerId: string) => {
    const response = await host.call(`/api/customers/${encodeURIComponent(customerId)}/purchases`);
    return ((await response.json()) as { purchases: { orderId: string; total: number; couponCodes: string[] }[] }).purchases;
  };
  const basket = (code: string, orderId: string, extra: Record<string, unknown> = {}) => ({
    code,
    orderId,
    source: 'pos',
    basketTotal: 50,
    currency: 'EUR',
    storeId: 'berlin-01',
    ...extra,
  });

  it('stores, reads and lists offers, and serves the shipped default ladder', async () => {
    const created = await host.call('/api/offers/ten-off', {
      method: 'PUT',
      json: { name: '10 % off', value: { type: 'percent', percent: 10 }, minBasket: 20, currency: 'EUR', validity: { days: 30 }, perCustomerLimit: 1, budget: { maxCoupons: 10000 } },
    });
    expect(created.status).toBe(201);
    const got = await host.call('/api/offers/ten-off');
    expect(await got.json()).toMatchObject({ id: 'ten-off', name: '10 % off', channel: 'both', status: 'active', builtin: false });

    const invalid = await host.call('/api/offers/bad', { method: 'PUT', json: { name: 'x', value: { type: 'amount', amount: 5 }, validity: { days: 3 } } });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer)).toContain('/currency');
    expect((await host.call('/api/offers/bad')).status).toBe(404);

    const list = (await (await host.call('/api/offers')).json()) as { offers: { id: string; builtin: boolean }[]; defaultLadder: { tiers: { name: string }[] } };
    expect(list.offers.map((o) => o.id)).toEqual(expect.arrayContaining(['ten-off', 'winback-default']));
    expect(list.offers.find((o) => o.id === 'winback-default')!.builtin).toBe(true);
    expect(list.defaultLadder.tiers.map((t) => t.name)).toContain('at_risk');
  });

  it('issues from the default ladder by segment, once per requestId', async () => {
    await host.call('/api/customers/lad-1', { method: 'PUT', json: {} });
    const first = await issue({ customerId: 'lad-1', offerId: 'winback-default', requestId: 'lad-r1', segment: 'lost' });
    expect(first.status).toBe(201);
    const coupon = (await first.json()) as CouponBody;
    expect(coupon.terms.tier).toBe('lost');
    expect(coupon.terms.value).toEqual({ type: 'amount', amountMinor: 500 });
    expect(coupon.code).toMatch(/^WB[2-9A-HJKMNP-Z]{12}$/);

    const replay = await issue({ customerId: 'lad-1', offerId: 'winback-default', requestId: 'lad-r1', segment: 'lost' });
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as CouponBody).code).toBe(coupon.code);
    const otherBody = await issue({ customerId: 'lad-2', offerId: 'winback-default', requestId: 'lad-r1' });
    expect(otherBody.status).toBe(409);
    expect(await otherBody.json()).toMatchObject({ reason: 'request_conflict' });

    const limit = await issue({ customerId: 'lad-1', offerId: 'winback-default', requestId: 'lad-r2' });
    expect(limit.status).toBe(409);
    expect(await limit.json()).toMatchObject({ reason: 'per_customer_limit' });
    expect(await couponsOf('lad-1')).toHaveLength(1);

    const unknown = await issue({ customerId: 'lad-1', offerId: 'nope', requestId: 'lad-r3' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ reason: 'unknown_offer' });
  });

  it('validates without changing anything, with typed reasons', async () => {
    const coupon = await issueOk('val-1', 'ten-off');
    const validate = (code: string, body: Record<string, unknown>) => host.call(`/api/coupons/${code}/validate`, { method: 'POST', json: body });
    const ok = await validate(coupon.code, { basketTotal: 50, currency: 'EUR' });
    expect(await ok.json()).toMatchObject({ valid: true, discount: 5, currency: 'EUR' });
    const small = await validate(coupon.code, { basketTotal: 10, currency: 'EUR' });
    expect(await small.json()).toMatchObject({ valid: false, reason: 'basket_too_small', redemptionStatus: 422 });
    const wrong = await validate(coupon.code, { basketTotal: 50, currency: 'EUR', customerId: 'someone-else' });
    expect(await wrong.json()).toMatchObject({ valid: false, reason: 'wrong_customer' });
    const typo = coupon.code.slice(0, -1) + (coupon.code.endsWith('2') ? '3' : '2');
    expect(await (await validate(typo, { basketTotal: 50, currency: 'EUR' })).json()).toMatchObject({ valid: false, reason: 'malformed_code' });
    const unknownCode = 'WB' + '2'.repeat(11);
    const { checkCharacter } = await import('../../shared/coupons/code.js');
    const valid = unknownCode + checkCharacter('2'.repeat(11));
    expect(await (await validate(valid, { basketTotal: 50, currency: 'EUR' })).json()).toMatchObject({ valid: false, reason: 'unknown' });
    expect((await couponsOf('val-1'))[0]!.status).toBe('active');
  });

  it('redeems once: replay answers the same, another key 409, same key other body 409; records the purchase', async () => {
    const coupon = await issueOk('red-1', 'ten-off');
    expect((await redeem(undefined, basket(coupon.code, 'O-1'))).status).toBe(428);

    const first = await redeem('key-1', basket(coupon.code, 'O-1'));
    expect(first.status).toBe(201);
    const body = (await first.json()) as RedemptionBody;
    expect(body).toMatchObject({ code: coupon.code, discount: 5, purchase: 'queued' });

    const replay = await redeem('key-1', basket(coupon.code, 'O-1'));
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual(body);

    const changed = await redeem('key-1', basket(coupon.code, 'O-1', { basketTotal: 80 }));
    expect(changed.status).toBe(409);
    expect(await changed.json()).toMatchObject({ reason: 'idempotency_key_reused' });

    const second = await redeem('key-2', basket(coupon.code, 'O-2'));
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ reason: 'already_redeemed' });

    // The purchase is recorded by the redemption-events consumer.
    await waitIdle(host);
    const purchases = await purchasesOf('red-1');
    expect(purchases).toHaveLength(1);
    expect(purchases[0]).toMatchObject({ orderId: 'O-1', total: 45, couponCodes: [coupon.code] });
    expect((await couponsOf('red-1'))[0]!.status).toBe('redeemed');
  });

  it('50 concurrent redemptions of one code: exactly one succeeds, the others get 409', async () => {
    const coupon = await issueOk('race-1', 'ten-off');
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => redeem(`race-key-${i}`, basket(coupon.code, `RACE-${i}`))));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    await waitIdle(host);
    expect(await purchasesOf('race-1')).toHaveLength(1);
  });

  it('rolls back: the coupon is usable again; rollback is idempotent; the old redemption id cannot redeem again', async () => {
    const coupon = await issueOk('rb-1', 'ten-off');
    const redeemed = (await (await redeem('rb-key', basket(coupon.code, 'RB-1'))).json()) as RedemptionBody;
    const rollback = await host.call(`/api/redemptions/${redeemed.redemptionId}/rollback`, { method: 'POST' });
    expect(rollback.status).toBe(200);
    const rollbackBody = await rollback.json();
    expect(rollbackBody).toMatchObject({ status: 'rolled_back', couponUsable: true });
    const again = await host.call(`/api/redemptions/${redeemed.redemptionId}/rollback`, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(rollbackBody);
    expect((await couponsOf('rb-1'))[0]!.status).toBe('active');

    const reuse = await redeem('rb-key', basket(coupon.code, 'RB-1'));
    expect(reuse.status).toBe(409);
    expect(await reuse.json()).toMatchObject({ reason: 'redemption_rolled_back' });
    expect((await redeem('rb-key-2', basket(coupon.code, 'RB-2'))).status).toBe(201);
    expect((await host.call('/api/redemptions/WB222.r_nothing/rollback', { method: 'POST' })).status).toBe(404);
  });

  it('keeps the budget under 60 concurrent issues: exactly 20 coupons, the rest refused as budget_exhausted', async () => {
    await putOffer('scarce', { name: 'scarce', value: { type: 'amount', amount: 5 }, currency: 'EUR', validity: { days: 30 }, budget: { maxCoupons: 20 } });
    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => issue({ customerId: `scarce-${i}`, offerId: 'scarce', requestId: `scarce-req-${i}` })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    const reasons = await Promise.all(responses.filter((r) => r.status === 409).map(async (r) => ((await r.json()) as { reason: string }).reason));
    expect(new Set(reasons)).toEqual(new Set(['budget_exhausted']));
    const held = (await Promise.all(Array.from({ length: 60 }, (_, i) => couponsOf(`scarce-${i}`)))).flat();
    expect(held).toHaveLength(20);
    expect(await (await host.call('/api/offers/scarce')).json()).toMatchObject({ budgetUsage: { issued: 20 } });
  });

  it('per-customer limit holds under concurrent issues for the same customer', async () => {
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => issue({ customerId: 'greedy', offerId: 'ten-off', requestId: `greedy-${i}` })));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(await couponsOf('greedy')).toHaveLength(1);
  });

  it('queue: a redelivered request (new messageId) and a delivery that fails after storing never create a second coupon', async () => {
    const send = (messageId: string, body: unknown) => host.call('/admin/local/queues/coupon-requests/messages', { method: 'POST', json: { messageId, body } });
    const request = { customerId: 'q-1', offerId: 'winback-default', requestId: 'q-req-1', segment: 'at_risk' };
    expect((await send('m-1', request)).status).toBe(202);
    await waitIdle(host);
    expect((await send('m-2', request)).status).toBe(202);
    await waitIdle(host);
    const coupons = await couponsOf('q-1');
    expect(coupons).toHaveLength(1);
    expect(coupons[0]!.terms.tier).toBe('at_risk');

    await send('m-3', { customerId: 'q-2', offerId: 'winback-default', requestId: 'crash-1' });
    await waitIdle(host);
    expect(await couponsOf('q-2')).toHaveLength(1);
    const stats = (await (await host.call('/admin/local/queues/coupon-requests')).json()) as Record<string, unknown>;
    expect(JSON.stringify(stats)).not.toMatch(/"deadLettered":[1-9]/);
    // Same request through the API afterwards: the same coupon.
    const api = await issue({ customerId: 'q-2', offerId: 'winback-default', requestId: 'crash-1' });
    expect(api.status).toBe(200);
    expect(((await api.json()) as CouponBody).code).toBe((await couponsOf('q-2'))[0]!.code);

    await send('m-4', { not: 'a request' });
    await waitIdle(host);
    const dead = (await (await host.call('/admin/local/queues/coupon-requests/deadletters')).json()) as unknown[];
    expect(dead).toHaveLength(0);
  });

  it('erasure deletes unredeemed coupons and keeps redeemed ones without the person', async () => {
    await host.call('/api/offers/two', { method: 'PUT', json: { name: 'two', value: { type: 'amount', amount: 5 }, currency: 'EUR', validity: { days: 30 } } });
    const used = await issueOk('gdpr-1', 'ten-off');
    const unused = await issueOk('gdpr-1', 'two');
    expect((await redeem('gdpr-key', basket(used.code, 'G-1'))).status).toBe(201);
    expect((await host.call('/api/customers/gdpr-1', { method: 'DELETE' })).status).toBe(204);
    expect(await couponsOf('gdpr-1')).toHaveLength(0);
    const validate = async (code: string) => (await (await host.call(`/api/coupons/${code}/validate`, { method: 'POST', json: { basketTotal: 50, currency: 'EUR' } })).json()) as { reason: string };
    expect((await validate(unused.code)).reason).toBe('unknown');
    expect((await validate(used.code)).reason).toBe('already_redeemed');
  });

  it('expired coupons are refused with 410', async () => {
    await putOffer('short', { name: 'short', value: { type: 'amount', amount: 5 }, currency: 'EUR', validity: { days: 1 } });
    const coupon = await issueOk('exp-1', 'short');
    await host.call('/admin/local/clock', { method: 'POST', json: { advanceMs: 2 * 86_400_000 } });
    const response = await redeem('exp-key', basket(coupon.code, 'E-1'));
    expect(response.status).toBe(410);
    expect(await response.json()).toMatchObject({ reason: 'expired' });
    expect((await couponsOf('exp-1'))[0]!.status).toBe('expired');
  });

  it('1,000 codes × 10 concurrent racers: 1,000 successes, no double redemption', async () => {
    await putOffer('mass', { name: 'mass', value: { type: 'amount', amount: 5 }, currency: 'EUR', validity: { days: 365 } });
    const codes = await pool(Array.from({ length: 1000 }, (_, i) => i), 32, async (i) => (await issueOk(`mass-${i}`, 'mass', `mass-req-${i}`)).code);
    const tasks = codes.flatMap((code, i) => Array.from({ length: 10 }, (_, racer) => ({ code, i, racer })));
    shuffle(tasks);
    const results = await pool(tasks, 64, async ({ code, i, racer }) => {
      const response = await redeem(`mass-key-${i}-${racer}`, basket(code, `MASS-${i}-${racer}`));
      // The body is kept for anything unexpected, so a failure says what the host answered.
      const unexpected = response.status !== 201 && response.status !== 409;
      return { code, status: response.status, ...(unexpected ? { body: await response.text() } : {}) };
    });
    const wins = new Map<string, number>();
    for (const r of results) if (r.status === 201) wins.set(r.code, (wins.get(r.code) ?? 0) + 1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1000);
    expect(results.filter((r) => r.status !== 201 && r.status !== 409)).toHaveLength(0);
    expect([...wins.values()].every((n) => n === 1)).toBe(true);
    expect(wins.size).toBe(1000);
  }, 240_000);
});

async function pool<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

function shuffle<T>(items: T[]): void {
  let seed = 42;
  for (let i = items.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
