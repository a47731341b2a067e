/**
 * Journeys and the KPI read model together on the local host, on the virtual clock: customers enter
 * winback-default (treated arm and holdout), messages go to the outbox, some customers buy (one late, one
 * with a partial refund, one in the holdout), one redeems its journey coupon, and GET /api/kpis answers
 * exactly what the test did. Then one buyer is erased: the counts stay, their outcome no longer names them.
 */
import { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorKey, localCosmosClientOptions } from '../../local/cosmos/client-options.js';
import { builtinJourney } from '../../shared/journeys/defaults.js';
import { assignArm } from '../../shared/journeys/enrollment.js';
import { startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';

// Monday 2026-11-02, 09:00 UTC = 10:00 in Berlin: outside quiet hours, so day 0 messages go out at once.
const start = '2026-11-02T09:00:00.000Z';
const hostEnv = { SEGMENTS_SCHEDULE: '0 0 2 * * *' };
const journeyId = 'winback-default';

type Arm = { arm: string; enrolled: number; preSpendPerEnrolled: number; messaged: number; messagedByChannel: Record<string, number>; couponsIssued: number; couponsRedeemed: number; reactivated: number; revenue: number; discountCost: number };
type Report = {
  currency: string;
  attributionDays: number;
  arms: Arm[];
  comparisons: { arm: string; against: string; reactivation: { absolute: number; ci95: [number, number] } }[];
  checks: { sampleRatio: { status: string }[]; sampleRatioMismatch: boolean };
};

/** The first `treated` ids of the message arm and `held` ids of the holdout, found by the journey's own hash. */
function population(treated: number, held: number): { treated: string[]; held: string[] } {
  const experiment = builtinJourney(journeyId)!.experiment;
  const out = { treated: [] as string[], held: [] as string[] };
  for (let i = 0; out.treated.length < treated || out.held.length < held; i++) {
    const id = `jk-${i}`;
    const list = assignArm(id, journeyId, experiment).holdout ? out.held : out.treated;
    if (list.length < (list === out.held ? held : treated)) list.push(id);
  }
  return out;
}

describe('journeys feed the KPIs on the local host', () => {
  let host: RunningHost;
  const { treated, held } = population(8, 3);
  const [t1, t2, t3, t4] = treated as [string, string, string, string];
  const [c1] = held as [string];
  let discount = 0;
  let redemptionId = '';

  const json = async <T>(path: string) => (await (await host.call(path)).json()) as T;
  const kpis = (query = '') => json<Report>(`/api/kpis?journeyId=${journeyId}${query}`);
  const clockTo = async (iso: string) => {
    expect((await host.call('/admin/local/clock', { method: 'POST', json: { to: iso } })).status).toBe(200);
    await waitIdle(host);
  };
  const purchase = async (body: Record<string, unknown>) => {
    const response = await host.call('/api/purchases', { method: 'POST', json: { source: 'pos', currency: 'EUR', items: [], ...body } });
    expect(response.status, await response.clone().text()).toBe(201);
  };

  beforeAll(async () => {
    host = await startHost({ args: ['--virtual-clock', start], env: hostEnv });
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
  });

  it('enters the treated arm and the holdout; the treated get a coupon and a message in the outbox', async () => {
    expect((await host.call(`/api/journeys/${journeyId}/resume`, { method: 'POST' })).status).toBe(200);
    // Spend in the 90 days before entry (the CUPED covariate recorded at enrollment); the second is older.
    await purchase({ orderId: 'PRE-1', customerId: treated[4], occurredAt: '2026-10-10T10:00:00Z', total: 40 });
    await purchase({ orderId: 'PRE-2', customerId: held[1], occurredAt: '2026-09-20T10:00:00Z', total: 60 });
    await purchase({ orderId: 'PRE-OLD', customerId: held[1], occurredAt: '2026-06-01T10:00:00Z', total: 99 });
    for (const id of [...treated, ...held]) {
      const profile = { email: `${id}@example.com`, firstName: 'Kim', locale: 'de-DE', timeZone: 'Europe/Berlin', consents: { email: { granted: true, at: '2026-10-01T09:00:00Z', source: 'pos-signup' } } };
      expect((await host.call(`/api/customers/${id}`, { method: 'PUT', json: profile })).status).toBe(201);
      const event = { type: 'segment.changed', customerId: id, runId: 'run-1', asOf: '2026-11-01', from: 'loyal', to: 'at_risk', segmentSince: '2026-11-01', scores: {} };
      expect((await host.call('/admin/local/queues/customer-events/messages', { method: 'POST', json: { messageId: `seg-${id}`, body: event } })).status).toBe(202);
    }
    await waitIdle(host);
    for (const id of treated) {
      const messages = await json<{ items: { status: string; channel: string; couponCode: string | null }[] }>(`/api/customers/${id}/messages`);
      expect(messages.items).toEqual([expect.objectContaining({ status: 'sent', channel: 'email', couponCode: expect.stringMatching(/^WB/) })]);
    }
    for (const id of held) {
      expect((await json<{ items: unknown[] }>(`/api/customers/${id}/messages`)).items).toEqual([]);
      expect((await json<{ items: { arm: string }[] }>(`/api/customers/${id}/journeys`)).items).toEqual([expect.objectContaining({ arm: 'control', status: 'active' })]);
    }
  }, 60_000);

  it('purchases within the window, a late one, a refund and a coupon redemption reach the customers', async () => {
    await clockTo('2026-11-05T10:00:00.000Z');
    await purchase({ orderId: 'K-1', customerId: t1, occurredAt: '2026-11-05T10:00:00Z', total: 30 });
    await purchase({ orderId: 'K-2', customerId: t2, occurredAt: '2026-11-04T15:00:00Z', total: 20 });
    await purchase({ orderId: 'K-2R', customerId: t2, occurredAt: '2026-11-05T09:00:00Z', total: 5, type: 'refund', originalOrderId: 'K-2' });
    // Sent today, happened on day 1: it counts from its occurredAt.
    await purchase({ orderId: 'K-4', customerId: t4, occurredAt: '2026-11-03T12:00:00Z', total: 10 });
    await purchase({ orderId: 'K-C1', customerId: c1, occurredAt: '2026-11-05T08:00:00Z', total: 25 });

    const [coupon] = (await json<{ coupons: { code: string }[] }>(`/api/customers/${t3}/coupons`)).coupons;
    const basket = { code: coupon!.code, orderId: 'K-3', source: 'pos', storeId: 'store-1', customerId: t3, basketTotal: 50, currency: 'EUR' };
    const redeem = () => host.call('/api/redemptions', { method: 'POST', json: basket, headers: { 'idempotency-key': 'kpi-redeem-1' } });
    const first = await redeem();
    expect(first.status, await first.clone().text()).toBe(201);
    ({ discount, redemptionId } = (await first.json()) as { discount: number; redemptionId: string });
    expect(discount).toBeGreaterThan(0);
    expect((await redeem()).status).toBe(201); // a replay of the till's retry
    await waitIdle(host);
    for (const id of [t1, t2, t3, t4]) expect((await json<{ items: { status: string }[] }>(`/api/customers/${id}/journeys`)).items[0]).toMatchObject({ status: 'converted' });
  }, 60_000);

  it('GET /api/kpis shows per arm exactly what happened, with a comparison against the holdout', async () => {
    const report = await kpis();
    expect(report).toMatchObject({ currency: 'EUR', attributionDays: 60 });
    const byArm = Object.fromEntries(report.arms.map((a) => [a.arm, a]));
    const pick = (a: Arm | undefined) => a && { enrolled: a.enrolled, preSpendPerEnrolled: a.preSpendPerEnrolled, messaged: a.messaged, messagedByChannel: a.messagedByChannel, couponsIssued: a.couponsIssued, couponsRedeemed: a.couponsRedeemed, reactivated: a.reactivated, revenue: a.revenue, discountCost: a.discountCost };
    expect(pick(byArm['message_coupon'])).toEqual({
      enrolled: 8,
      preSpendPerEnrolled: 40 / 8,
      messaged: 8,
      messagedByChannel: { email: 8 },
      couponsIssued: 8,
      couponsRedeemed: 1,
      reactivated: 4,
      revenue: 30 + (20 - 5) + (50 - discount) + 10,
      discountCost: discount,
    });
    expect(pick(byArm['control'])).toEqual({ enrolled: 3, preSpendPerEnrolled: 60 / 3, messaged: 0, messagedByChannel: {}, couponsIssued: 0, couponsRedeemed: 0, reactivated: 1, revenue: 25, discountCost: 0 });
    expect(report.comparisons.map((c) => `${c.arm}/${c.against}`)).toEqual(['message_coupon/control']);
    expect(report.comparisons[0]!.reactivation.absolute).toBeCloseTo(4 / 8 - 1 / 3, 10);
    // The split came with the enrolled events, so the sample-ratio check could run.
    expect(report.checks.sampleRatio.map((s) => s.status)).toEqual(['ok']);
    expect(report.checks.sampleRatioMismatch).toBe(false);
    // The planned channel is known for the holdout too: the channel filter keeps both arms whole.
    const email = await kpis('&channel=email');
    expect(email.arms.map((a) => [a.arm, a.enrolled]).sort()).toEqual([['control', 3], ['message_coupon', 8]]);
    expect((await kpis('&channel=sms')).arms.reduce((s, a) => s + a.enrolled, 0)).toBe(0);
  });

  it('erasing a buyer keeps the figures and leaves no outcome document naming them', async () => {
    const before = await kpis();
    expect((await host.call(`/api/customers/${t1}`, { method: 'DELETE' })).status).toBe(204);
    await waitIdle(host);
    expect((await json<{ items: unknown[] }>(`/api/customers/${t1}/journeys`)).items ?? []).toEqual([]);
    const after = await kpis();
    expect(after.arms).toEqual(before.arms);
    const { cosmosEndpoint } = JSON.parse(/^WINBACK_READY (.+)$/m.exec(host.output())![1]!) as { cosmosEndpoint: string };
    const cosmos = new CosmosClient(localCosmosClientOptions(cosmosEndpoint, emulatorKey));
    try {
      const kpiDocs = cosmos.database('winback').container('kpis');
      const query = (customerId: string) =>
        kpiDocs.items.query({ query: "SELECT c.id, c.orders FROM c WHERE c.kind = 'outcome' AND c.customerId = @c", parameters: [{ name: '@c', value: customerId }] }, { partitionKey: journeyId }).fetchAll();
      expect((await query(t1)).resources).toHaveLength(0);
      const survivors = (await query(t2)).resources as { orders: Record<string, unknown> }[];
      expect(survivors).toHaveLength(1);
      expect(Object.keys(survivors[0]!.orders)).toEqual(['K-2']);
      const all = (await kpiDocs.items.query("SELECT c.customerId, c.orders FROM c WHERE c.kind = 'outcome'", { partitionKey: journeyId }).fetchAll()).resources as { customerId: string; orders: Record<string, unknown> }[];
      expect(all).toHaveLength(11);
      expect(JSON.stringify(all)).not.toContain('"K-1"');
    } finally {
      cosmos.dispose();
    }
  });

  it('a redemption rolled back (the goods returned) no longer counts as redeemed; a repeated rollback changes nothing', async () => {
    const before = (await kpis()).arms.find((a) => a.arm === 'message_coupon')!;
    expect(before).toMatchObject({ couponsRedeemed: 1, discountCost: discount });
    for (let i = 0; i < 2; i++) {
      expect((await host.call(`/api/redemptions/${redemptionId}/rollback`, { method: 'POST', json: { reason: 'returned' } })).status).toBe(200);
      await waitIdle(host);
      const after = (await kpis()).arms.find((a) => a.arm === 'message_coupon')!;
      expect(after).toMatchObject({ couponsRedeemed: 0, discountCost: 0, couponsIssued: before.couponsIssued, enrolled: before.enrolled });
    }
  });
});
