/**
 * KPIs end to end on the local host: KPI events go onto kpi-events through the host's admin send route (some
 * twice under new message ids, so only the eventId can catch them, and in shuffled order), kpis-record
 * consumes them, and /api/kpis, /api/kpis/daily, the power endpoint and the daily CSV answer over HTTP.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAccountKey, devAccountName } from '../../local/azurite.js';
import { mapWithConcurrency } from '../../shared/concurrency.js';
import { startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';
import { dayOfEvents, scenarioJourney, shuffledWithDuplicates } from '../../bench/kpis-scenario.js';

const start = '2026-12-20T09:00:00.000Z';
const hostEnv = { SEGMENTS_SCHEDULE: '0 0 2 * * *' };

describe('KPIs through the local host', () => {
  let host: RunningHost;
  const scenario = dayOfEvents(200, 3);

  beforeAll(async () => {
    host = await startHost({ args: ['--virtual-clock', start], env: hostEnv });
    const replay = shuffledWithDuplicates(scenario.events, 0.2, 4);
    await mapWithConcurrency(replay, 8, async (event, i) => {
      const response = await host.call('/admin/local/queues/kpi-events/messages', { method: 'POST', json: { messageId: `m-${i}`, body: event } });
      expect(response.status).toBe(202);
    });
    const bad = await host.call('/admin/local/queues/kpi-events/messages', { method: 'POST', json: { messageId: 'bad-1', body: { type: 'enrolled', journeyId: scenarioJourney } } });
    expect(bad.status).toBe(202);
    await waitIdle(host);
  }, 180_000);
  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
  });

  it('answers GET /api/kpis with every arm equal to the truth, counted once', async () => {
    const response = await host.call(`/api/kpis?journeyId=${scenarioJourney}`);
    expect(response.status, await response.clone().text()).toBe(200);
    const report = (await response.json()) as {
      asOf: string;
      currency: string;
      attributionDays: number;
      analysis: string;
      arms: { arm: string; enrolled: number; reactivated: number; revenue: number; couponsRedeemed: number; discountCost: number }[];
      comparisons: { arm: string; against: string; reactivation: { ci95: [number, number]; method: string }; revenuePerEnrolled: { varianceReduction: number } }[];
      checks: { sampleRatioMismatch: boolean };
      definitions: Record<string, { text: string; formula: string }>;
    };
    expect(report.asOf).toBe(start);
    expect(report).toMatchObject({ currency: 'EUR', attributionDays: 30, analysis: 'fixedHorizon' });
    for (const arm of report.arms) {
      const truth = scenario.truth[arm.arm]!;
      expect({ arm: arm.arm, enrolled: arm.enrolled, reactivated: arm.reactivated, revenue: arm.revenue, couponsRedeemed: arm.couponsRedeemed, discountCost: arm.discountCost }).toEqual({
        arm: arm.arm,
        enrolled: truth.enrolled,
        reactivated: truth.reactivated,
        revenue: truth.revenueMinor / 100,
        couponsRedeemed: truth.couponsRedeemed,
        discountCost: truth.discountMinor / 100,
      });
    }
    expect(report.comparisons.map((c) => `${c.arm}/${c.against}`)).toEqual(['coupon/control', 'message/control', 'coupon/message']);
    expect(report.checks.sampleRatioMismatch).toBe(false);
    expect(report.definitions['reactivationRate']!.formula).toBe('reactivated ÷ enrolled');
    expect(host.output()).toMatch(/invalid KPI event, dropped: .*enrollmentId/);
  });

  it('answers the daily series and the filters, and refuses bad input by name', async () => {
    const daily = (await (await host.call(`/api/kpis/daily?journeyId=${scenarioJourney}`)).json()) as { days: { entryDay: string; arms: { enrolled: number }[] }[] };
    expect(daily.days.map((d) => d.entryDay)).toEqual(['2026-11-02']);
    expect(daily.days[0]!.arms.reduce((s, a) => s + a.enrolled, 0)).toBe(200);

    const segment = (await (await host.call(`/api/kpis?journeyId=${scenarioJourney}&segment=at_risk&version=1&channel=email`)).json()) as { arms: { enrolled: number }[] };
    expect(segment.arms.reduce((s, a) => s + a.enrolled, 0)).toBeLessThan(200);

    const bad = await host.call(`/api/kpis?journeyId=${scenarioJourney}&from=2026-13-01`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(((await bad.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer)).toEqual(['query/from']);
    const missing = await host.call('/api/kpis?journeyId=no-such-journey');
    expect(missing.status).toBe(404);
    expect((await host.call(`/api/kpis?journeyId=${scenarioJourney}`, { key: null })).status).toBe(401);
  });

  it('plans an experiment: the issue case is very likely not detectable', async () => {
    const response = await host.call('/api/experiments/power', {
      method: 'POST',
      json: { audience: 30_000, holdoutPercent: 10, baseRate: 0.033, expectedUplift: 0.01, revenue: { mean: 40, sd: 120, currency: 'EUR', expectedUpliftPercent: 1.2 } },
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const plan = (await response.json()) as { revenue: { underpowered: boolean; message: string }; reactivation: { minimumDetectableEffect: number } };
    expect(plan.revenue.underpowered).toBe(true);
    expect(plan.revenue.message).toMatch(/very likely not detectable/);
    expect(plan.reactivation.minimumDetectableEffect).toBeGreaterThan(0.005);

    const bad = await host.call('/api/experiments/power', { method: 'POST', json: { audience: 30_000, holdoutPercent: 120, baseRate: 0.03, expectedUplift: 0.01 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer)).toContain('/holdoutPercent');
  });

  it('writes kpis/<date>.csv with a row per arm and comparison', async () => {
    expect((await host.call('/admin/functions/kpis-export', { method: 'POST', json: { input: '' } })).status).toBe(202);
    await waitIdle(host);
    const ready = JSON.parse(/^WINBACK_READY (.+)$/m.exec(host.output())![1]!) as { blobEndpoint: string };
    const connection = `DefaultEndpointsProtocol=http;AccountName=${devAccountName};AccountKey=${devAccountKey};BlobEndpoint=${ready.blobEndpoint};`;
    const container = BlobServiceClient.fromConnectionString(connection).getContainerClient('winback-snapshots');
    const csv = (await container.getBlobClient('kpis/2026-12-20.csv').downloadToBuffer()).toString().trim().split('\r\n');
    expect(csv[0]).toMatch(/^date,journeyId,entryDay,arm,currency,analysis,enrolled,/);
    expect(csv).toHaveLength(1 + 4);
    expect(csv.slice(1).every((line) => line.startsWith(`2026-12-20,${scenarioJourney},2026-11-02,`))).toBe(true);
  });
});
