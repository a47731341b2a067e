import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';

/** The local host itself: auth, admin API, timers on a virtual clock, Service Bus semantics, persistence. */
describe('local host', () => {
  let host: RunningHost;

  beforeAll(async () => {
    host = await startHost({
      args: ['--virtual-clock', '2026-11-02T00:00:00Z', '--functions', 'test/fixtures/functions/*.js'],
      env: { TEST_PROBE_SCHEDULE: '0 0 * * * *' },
    });
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
  });

  const seen = async () =>
    (await (await host.call('/api/test-probe/seen', { key: null })).json()) as {
      deliveries: { messageId: string; deliveryCount: number }[];
      timerRuns: { isPastDue: boolean }[];
    };

  it('rejects function-level routes without a valid key, accepts header and ?code=', async () => {
    expect((await host.call('/api/customers/C-1', { key: null })).status).toBe(401);
    expect((await host.call('/api/customers/C-1', { key: 'wrong' })).status).toBe(401);
    expect((await host.call('/api/customers/C-1')).status).toBe(404);
    expect((await host.call(`/api/customers/C-1?code=${host.functionKey}`, { key: null })).status).toBe(404);
  });

  it('answers an anonymous health check', async () => {
    const response = await host.call('/api/health', { key: null });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', now: '2026-11-02T00:00:00.000Z', checks: { cosmos: { status: 'ok' } } });
  });

  it('answers 404 for unknown routes and 405 for a known route with the wrong method', async () => {
    expect((await host.call('/api/nowhere')).status).toBe(404);
    const wrongMethod = await host.call('/api/purchases', { method: 'GET' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toContain('POST');
  });

  it('runs timers on the virtual clock and on demand through the admin API', async () => {
    const before = (await seen()).timerRuns.length;
    const onDemand = await host.call('/admin/functions/test-probe-timer', { method: 'POST', json: { input: '' }, key: null });
    expect(onDemand.status).toBe(202);
    await waitIdle(host);
    expect((await seen()).timerRuns.length).toBe(before + 1);

    // The schedule is hourly: moving the clock 30 minutes fires nothing, past the hour fires once.
    await host.call('/admin/local/clock', { method: 'POST', json: { advanceMs: 30 * 60_000 }, key: null });
    await waitIdle(host);
    expect((await seen()).timerRuns.length).toBe(before + 1);
    await host.call('/admin/local/clock', { method: 'POST', json: { advanceMs: 31 * 60_000 }, key: null });
    await waitIdle(host);
    expect((await seen()).timerRuns.length).toBe(before + 2);
    // Jumping three hours at once is one catch-up run, flagged past due.
    await host.call('/admin/local/clock', { method: 'POST', json: { advanceMs: 3 * 3600_000 }, key: null });
    await waitIdle(host);
    const runs = (await seen()).timerRuns;
    expect(runs.length).toBe(before + 3);
    expect(runs.at(-1)!.isPastDue).toBe(true);
  });

  it('counts the Cosmos requests each function sent, by container and kind', async () => {
    type Counts = Record<string, Record<string, Record<string, number>>>;
    const read = async () => (await host.call('/admin/local/cosmos/requests?by=function', { key: null })).json() as Promise<Counts>;
    const writes = (counts: Counts) => counts['customers-put']?.['customers']?.['write'] ?? 0;
    const before = await read();
    const put = await host.call('/api/customers/C-req-1', { method: 'PUT', json: { email: 'req@example.com', locale: 'en' } });
    expect(put.status).toBeLessThan(300);
    const after = await read();
    expect(writes(after)).toBeGreaterThan(writes(before));
    // Nothing else sent a request meanwhile (what no invocation sends is the host's own).
    expect(Object.keys(after).filter((name) => name !== '(host)' && JSON.stringify(after[name]) !== JSON.stringify(before[name]))).toEqual(['customers-put']);
    const bogus = await host.call('/admin/local/cosmos/requests?by=day', { key: null });
    expect(bogus.status).toBe(400);
    expect(await bogus.text()).toContain('query/by');
  });

  it('404s the admin API for an unknown function', async () => {
    const response = await host.call('/admin/functions/nope', { method: 'POST', json: { input: '' }, key: null });
    expect(response.status).toBe(404);
  });

  it('delivers a Service Bus message, retries it with a growing delivery count, then dead-letters it', async () => {
    const send = (messageId: string, failTimes: number) =>
      host.call('/admin/local/queues/test-probe/messages', { method: 'POST', json: { messageId, body: { failTimes } }, key: null });

    expect((await send('ok-once', 0)).status).toBe(202);
    expect((await send('retry-twice', 2)).status).toBe(202);
    expect((await send('always-fails', 99)).status).toBe(202);
    // duplicate detection: the same messageId again is dropped
    expect((await send('ok-once', 0)).status).toBe(202);
    await waitIdle(host);

    const deliveries = (await seen()).deliveries;
    expect(deliveries.filter((d) => d.messageId === 'ok-once').map((d) => d.deliveryCount)).toEqual([1]);
    expect(deliveries.filter((d) => d.messageId === 'retry-twice').map((d) => d.deliveryCount)).toEqual([1, 2, 3]);
    expect(deliveries.filter((d) => d.messageId === 'always-fails')).toHaveLength(10);

    const deadLetters = (await (await host.call('/admin/local/queues/test-probe/deadletters', { key: null })).json()) as {
      messageId: string;
      deadLetterReason: string;
      deadLetterErrorDescription: string;
    }[];
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]!.messageId).toBe('always-fails');
    expect(deadLetters[0]!.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    expect(deadLetters[0]!.deadLetterErrorDescription).toContain('failing on purpose at delivery 10');
  });

  it('keeps scheduled messages across a restart and delivers them when their time comes', async () => {
    const now = Date.parse(((await (await host.call('/admin/local/clock', { key: null })).json()) as { now: string }).now);
    const scheduled = await host.call('/admin/local/queues/test-probe/messages', {
      method: 'POST',
      json: { messageId: 'later', body: { failTimes: 0 }, scheduledEnqueueTime: new Date(now + 24 * 3600_000).toISOString() },
      key: null,
    });
    expect(scheduled.status).toBe(202);
    await waitIdle(host);
    expect((await seen()).deliveries.some((d) => d.messageId === 'later')).toBe(false);

    host = await host.restart();
    // The restarted host starts its virtual clock where the arguments say; move it past the scheduled time.
    await host.call('/admin/local/clock', { method: 'POST', json: { to: new Date(now + 25 * 3600_000).toISOString() }, key: null });
    await waitIdle(host);
    expect((await seen()).deliveries.filter((d) => d.messageId === 'later')).toHaveLength(1);
  });
});
