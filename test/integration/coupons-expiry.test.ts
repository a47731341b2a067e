import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';

const start = '2026-11-02T12:00:00.000Z';
const hourMs = 3_600_000;

/** Timer bindings of other functions name this setting; the host resolves %…% from the environment. */
const hostEnv = { SEGMENTS_SCHEDULE: '0 0 2 * * *' };

describe('coupons-expire: expired, unused coupons give their budget back', () => {
  let host: RunningHost;

  beforeAll(async () => {
    host = await startHost({ args: ['--virtual-clock', start], env: hostEnv });
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
  });

  const issue = (customerId: string, requestId = `req-${customerId}`) =>
    host.call('/api/coupons', { method: 'POST', json: { customerId, offerId: 'expiring', requestId } });
  const budgetUsage = async () => ((await (await host.call('/api/offers/expiring')).json()) as { budgetUsage?: { issued: number; discountCommitted: number } }).budgetUsage;
  const advance = async (ms: number) => {
    expect((await host.call('/admin/local/clock', { method: 'POST', json: { advanceMs: ms } })).status).toBe(200);
    await waitIdle(host);
  };
  const runExpiry = async () => {
    expect((await host.call('/admin/functions/coupons-expire', { method: 'POST', json: { input: '' } })).status).toBe(202);
    await waitIdle(host);
  };

  it('registers the daily timer', async () => {
    const functions = (await (await host.call('/admin/functions')).json()) as { name: string; trigger: { type: string; schedule?: string } }[];
    expect(functions.find((f) => f.name === 'coupons-expire')?.trigger).toMatchObject({ type: 'timerTrigger', schedule: '0 30 3 * * *' });
  });

  it('after expiry the offer issues up to maxCoupons again, once, and a redeemed coupon keeps its share', async () => {
    const put = await host.call('/api/offers/expiring', {
      method: 'PUT',
      json: { name: '5 € for a day', value: { type: 'amount', amount: 5 }, currency: 'EUR', validity: { days: 1 }, budget: { maxCoupons: 3 } },
    });
    expect(put.status).toBe(201);
    const codes: string[] = [];
    for (const customer of ['c-1', 'c-2', 'c-3']) {
      const response = await issue(customer);
      expect(response.status, await response.clone().text()).toBe(201);
      codes.push(((await response.json()) as { code: string }).code);
    }
    expect(await (await issue('c-4')).json()).toMatchObject({ reason: 'budget_exhausted' });
    const redeemed = await host.call('/api/redemptions', {
      method: 'POST',
      headers: { 'idempotency-key': 'exp-key-1' },
      json: { code: codes[0], orderId: 'EXP-1', source: 'pos', basketTotal: 40, currency: 'EUR', storeId: 's-1' },
    });
    expect(redeemed.status).toBe(201);
    await waitIdle(host);
    expect(await budgetUsage()).toEqual({ issued: 3, discountCommitted: 15 });

    // Across the 03:30 schedule, but the coupons are still valid until 12:00: the scheduled run releases nothing.
    await advance(23 * hourMs);
    expect(await budgetUsage()).toEqual({ issued: 3, discountCommitted: 15 });
    expect(await (await issue('c-5')).json()).toMatchObject({ reason: 'budget_exhausted' });

    // Past expiry, no schedule crossed: the run on demand releases the two unused coupons.
    await advance(2 * hourMs);
    await runExpiry();
    expect(await budgetUsage()).toEqual({ issued: 1, discountCommitted: 5 });
    expect(host.output()).toMatch(/coupons-expire: 2 reservations released/);

    // Running again changes nothing.
    await runExpiry();
    expect(await budgetUsage()).toEqual({ issued: 1, discountCommitted: 5 });

    // Room for exactly two more.
    expect((await issue('c-6')).status).toBe(201);
    expect((await issue('c-7')).status).toBe(201);
    expect(await (await issue('c-8')).json()).toMatchObject({ reason: 'budget_exhausted' });
    expect(await budgetUsage()).toEqual({ issued: 3, discountCommitted: 15 });

    // The released coupons stay expired for the customer and cannot be redeemed.
    const late = await host.call('/api/redemptions', {
      method: 'POST',
      headers: { 'idempotency-key': 'exp-key-2' },
      json: { code: codes[1], orderId: 'EXP-2', source: 'pos', basketTotal: 40, currency: 'EUR', storeId: 's-1' },
    });
    expect(late.status).toBe(410);
    const held = (await (await host.call('/api/customers/c-2/coupons')).json()) as { coupons: { code: string; status: string }[] };
    expect(held.coupons).toEqual([expect.objectContaining({ code: codes[1], status: 'expired' })]);
  });
});
