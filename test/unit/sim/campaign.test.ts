import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignApi, MissingRouteError, ShapeError, selfCheck, type KpiReport } from '../../../cli/simulate/campaign.js';
import { HostClient } from '../../../cli/host-client.js';

/** A host with journeys (#8) but without KPIs (#10), answering the shapes those issues name. */
let server: http.Server;
let url: string;
const answers: Record<string, { status: number; body: unknown }> = {
  '/api/journeys/winback-default': { status: 200, body: { name: 'Win-back', trigger: { type: 'segmentEntered', segments: ['at_risk', 'cant_lose'] }, attributionDays: 21 } },
  '/api/customers/90000001/journeys': { status: 200, body: { items: [{ journeyId: 'winback-default', version: 1, arm: 'message', status: 'active', enteredAt: '2026-02-01T02:00:10Z', history: [] }] } },
  '/api/customers/90000001/messages': {
    status: 200,
    body: { items: [{ messageId: 'm1', channel: 'email', template: 'we-miss-you', journeyId: 'winback-default', stepId: 's1', status: 'sent', createdAt: '2026-02-01T02:00:11Z', sentAt: '2026-02-01T08:00:00Z', couponCode: 'WBX' }] },
  },
  '/api/customers/90000002/messages': { status: 200, body: { items: [{ messageId: 'm1', status: 'queued' }] } },
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const answer = answers[req.url ?? ''];
    if (!answer) {
      res.writeHead(404, { 'content-type': 'application/problem+json' });
      return res.end(JSON.stringify({ title: 'Not Found', status: 404, detail: `no function route matches ${req.url}` }));
    }
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('campaign routes (journeys #8, KPIs #10)', () => {
  it('preflight names exactly the routes the host lacks', async () => {
    const api = new CampaignApi(new HostClient({ url, retryForMs: 0 }));
    const error = await api.preflight('90000001').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingRouteError);
    expect((error as MissingRouteError).routes.map((r) => r.route)).toEqual(['GET /api/kpis?journeyId=winback-default']);
    expect((error as Error).message).toContain('--no-journeys');
  });

  it('reads the journey definition, enrollments and messages in the shapes #8 names', async () => {
    const api = new CampaignApi(new HostClient({ url, retryForMs: 0 }));
    expect(await api.definition()).toEqual({ attributionDays: 21, segments: ['at_risk', 'cant_lose'] });
    expect((await api.enrollments('90000001'))[0]).toMatchObject({ arm: 'message', status: 'active' });
    expect((await api.messages('90000001'))[0]).toMatchObject({ status: 'sent', couponCode: 'WBX' });
    await expect(api.messages('90000002')).rejects.toBeInstanceOf(ShapeError);
  });
});

describe('selfCheck', () => {
  const report = (ci: [number, number]): KpiReport => ({
    attributionDays: 30,
    asOf: '2026-05-01',
    currency: 'EUR',
    arms: [
      { arm: 'control', enrolled: 100 },
      { arm: 'message', enrolled: 400 },
      { arm: 'messageCoupon', enrolled: 500 },
    ],
    comparisons: [
      { arm: 'message', against: 'control', reactivation: { absolute: 0.05, ci95: ci, method: 'newcombe' } },
      { arm: 'messageCoupon', against: 'message', reactivation: { absolute: 0.01, ci95: [-0.01, 0.03], method: 'newcombe' } },
    ],
  });
  it('compares each interval with the injected mean effect per enrolled customer, arm minus arm', () => {
    // 400 enrolled in "message", 360 of them messaged with effect 0.04 each → 0.036 injected per enrolled.
    const injected = new Map([
      ['message', 360 * 0.04],
      ['messageCoupon', 450 * 0.06],
    ]);
    const [first, second] = selfCheck(report([0.01, 0.09]), injected);
    expect(first).toMatchObject({ arms: ['message', 'control'], estimate: 0.05, covered: true });
    expect(first!.injected).toBeCloseTo(0.036, 12);
    expect(second!.injected).toBeCloseTo(0.054 - 0.036, 12);
    expect(second!.covered).toBe(true);
    expect(selfCheck(report([0.04, 0.09]), injected)[0]!.covered).toBe(false);
    expect([first!.metric, second!.metric]).toEqual(['reactivation', 'reactivation']);
  });

  it('checks revenue per enrolled against the revenue the journey added per enrolled, in major units', () => {
    const withRevenue: KpiReport = {
      ...report([0.01, 0.09]),
      comparisons: [{ arm: 'message', against: 'control', reactivation: { absolute: 0.05, ci95: [0.01, 0.09], method: 'newcombe' }, revenuePerEnrolled: { absolute: 1.1, ci95: [0.2, 2.0], method: 'welch' } }],
    };
    // 400 enrolled in "message": 48,000 cents added → 1.20 EUR per enrolled; the holdout got nothing.
    const checks = selfCheck(withRevenue, new Map([['message', 360 * 0.04]]), new Map([['message', 48_000]]));
    expect(checks.map((c) => c.metric)).toEqual(['reactivation', 'revenuePerEnrolled']);
    expect(checks[1]).toMatchObject({ arms: ['message', 'control'], estimate: 1.1, ci95: [0.2, 2.0], covered: true });
    expect(checks[1]!.injected).toBeCloseTo(1.2, 12);
    expect(selfCheck(withRevenue, new Map(), new Map([['message', 90_000]]))[1]!.covered).toBe(false);
    // Without the truth, only reactivation is checked.
    expect(selfCheck(withRevenue, new Map()).map((c) => c.metric)).toEqual(['reactivation']);
  });
});
