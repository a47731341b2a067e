import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinJourney } from '../../shared/journeys/defaults.js';
import { assignArm } from '../../shared/journeys/enrollment.js';
import { startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';

// Monday 2026-11-02, 02:00 UTC = 03:00 in Berlin: the nightly segmentation run's hour, inside quiet hours.
const start = '2026-11-02T02:00:00.000Z';
const hostEnv = { SEGMENTS_SCHEDULE: '0 0 2 * * *' };
const devKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

type Message = { messageId: string; channel: string; template: string; journeyId: string; stepId: string; status: string; reason?: string; createdAt: string; sentAt: string | null; couponCode: string | null; deferredUntil?: string };
type Enrollment = { journeyId: string; version: number; arm: string; status: string; enteredAt: string; history: { event: string; reason: string; stepId?: string }[] };

/** Customer ids the default journey puts in its message arm (not the holdout), found by the same hash. */
function messagedIds(prefix: string, count: number): string[] {
  const experiment = builtinJourney('winback-default')!.experiment;
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) if (!assignArm(`${prefix}-${i}`, 'winback-default', experiment).holdout) ids.push(`${prefix}-${i}`);
  return ids;
}

describe('winback-default end to end on the virtual clock', () => {
  let host: RunningHost;
  let outbox: (prefix?: string) => Promise<Record<string, unknown>[]>;
  const [anna, bert, carla] = messagedIds('wb', 3) as [string, string, string];

  beforeAll(async () => {
    host = await startHost({ args: ['--virtual-clock', start], env: hostEnv });
    const ready = JSON.parse(/^WINBACK_READY (.+)$/m.exec(host.output())![1]!) as { blobEndpoint: string };
    const blobs = BlobServiceClient.fromConnectionString(`DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${devKey};BlobEndpoint=${ready.blobEndpoint};`).getContainerClient('winback-snapshots');
    outbox = async () => {
      const out: Record<string, unknown>[] = [];
      if (!(await blobs.exists())) return out;
      for await (const item of blobs.listBlobsFlat({ prefix: 'outbox/' })) out.push({ path: item.name, ...(JSON.parse((await blobs.getBlockBlobClient(item.name).downloadToBuffer()).toString()) as object) });
      return out;
    };
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
  });

  const json = async <T>(path: string) => (await (await host.call(path)).json()) as T;
  const messages = (id: string) => json<{ items: Message[] }>(`/api/customers/${id}/messages`).then((r) => r.items);
  const journeys = (id: string) => json<{ items: Enrollment[] }>(`/api/customers/${id}/journeys`).then((r) => r.items);
  const coupons = (id: string) => json<{ coupons: { code: string; offerId: string }[] }>(`/api/customers/${id}/coupons`).then((r) => r.coupons);
  const clockTo = async (iso: string) => {
    expect((await host.call('/admin/local/clock', { method: 'POST', json: { to: iso } })).status).toBe(200);
    await waitIdle(host);
  };
  const profile = (firstName: string, consent: boolean) => ({
    email: `${firstName.toLowerCase()}@example.com`,
    firstName,
    locale: 'de-DE',
    timeZone: 'Europe/Berlin',
    consents: consent ? { email: { granted: true, at: '2026-10-01T09:00:00Z', source: 'pos-signup' } } : {},
  });
  const segmentChanged = (customerId: string) =>
    host.call('/admin/local/queues/customer-events/messages', {
      method: 'POST',
      json: { messageId: `seg-${customerId}`, body: { type: 'segment.changed', customerId, runId: 'run-1', asOf: '2026-11-01', from: 'loyal', to: 'at_risk', segmentSince: '2026-11-01', scores: {} } },
    });

  it('ships paused; resuming turns it on', async () => {
    expect(await json('/api/journeys/winback-default')).toMatchObject({ status: 'paused', version: 1, builtin: true });
    expect(await (await host.call('/api/journeys/winback-default/resume', { method: 'POST' })).json()).toMatchObject({ status: 'active', version: 1 });
  });

  it('day 0: one coupon, "we miss you" held by quiet hours until 08:00 Berlin, then in the outbox', async () => {
    for (const [id, name, consent] of [[anna, 'Anna', true], [bert, 'Bert', true], [carla, 'Carla', false]] as const) {
      expect((await host.call(`/api/customers/${id}`, { method: 'PUT', json: profile(name, consent) })).status).toBe(201);
      expect((await segmentChanged(id)).status).toBe(202);
    }
    await waitIdle(host);

    const [enrollment] = await journeys(anna);
    expect(enrollment).toMatchObject({ journeyId: 'winback-default', version: 1, arm: 'message_coupon', status: 'active', enteredAt: start });
    expect(enrollment!.history[0]).toMatchObject({ event: 'entered', reason: expect.stringContaining('loyal → at_risk') });
    const issued = await coupons(anna);
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({ offerId: 'winback-default' });

    const [first] = await messages(anna);
    expect(first).toMatchObject({ template: 'winback-miss-you', stepId: 'miss-you', status: 'deferred', deferredUntil: '2026-11-02T07:00:00.000Z', couponCode: null });
    expect(first!.reason).toContain('quiet_hours');
    expect(await outbox()).toHaveLength(0);

    await clockTo('2026-11-02T07:00:00.000Z');
    const [sent] = await messages(anna);
    expect(sent).toMatchObject({ status: 'sent', channel: 'email', sentAt: '2026-11-02T07:00:00.000Z', couponCode: issued[0]!.code });
    const files = await outbox();
    const annas = files.filter((f) => f['customerId'] === anna);
    expect(annas).toHaveLength(1);
    expect(annas[0]!['path']).toBe(`outbox/2026-11-02/${encodeURIComponent(sent!.messageId)}.json`);
    const parts = annas[0]!['parts'] as { subject: string; text: string; locale: string };
    expect(parts.locale).toBe('de');
    expect(parts.subject).toBe('Anna, wir vermissen Sie – 10\u00a0% für Ihren nächsten Einkauf');
    expect(parts.text).toContain('WB-');
    expect(parts.text).toMatch(/gültig bis \d{1,2}\. Dezember 2026/);
  });

  it('a customer without any consent gets nothing, and a skipped record says why', async () => {
    const [skipped] = await messages(carla);
    expect(skipped).toMatchObject({ status: 'skipped', template: 'winback-miss-you', sentAt: null });
    expect(skipped!.reason).toMatch(/^no_consent/);
    expect((await outbox()).filter((f) => f['customerId'] === carla)).toHaveLength(0);
  });

  it('a purchase ends the enrollment at once: converted, no reminder', async () => {
    await clockTo('2026-11-03T10:00:00.000Z');
    const purchase = await host.call('/api/purchases', {
      method: 'POST',
      json: { orderId: 'B-1', source: 'pos', customerId: bert, occurredAt: '2026-11-03T10:00:00Z', total: 30, currency: 'EUR', items: [{ sku: 'S', quantity: 1, unitPrice: 30 }] },
    });
    expect(purchase.status).toBe(201);
    await waitIdle(host);
    const [enrollment] = await journeys(bert);
    expect(enrollment).toMatchObject({ status: 'converted' });
    expect(enrollment!.history.at(-1)).toMatchObject({ event: 'converted', reason: expect.stringContaining('B-1') });
  });

  it('day 7, 10:00 Berlin: the reminder, because the coupon is unredeemed', async () => {
    await clockTo('2026-11-09T08:59:00.000Z');
    expect((await messages(anna)).map((m) => m.stepId)).toEqual(['miss-you']);
    await clockTo('2026-11-09T09:00:00.000Z');
    const all = await messages(anna);
    expect(all.map((m) => [m.stepId, m.status]), JSON.stringify(all, null, 1)).toEqual([['miss-you', 'sent'], ['reminder', 'sent']]);
    expect(all[1]).toMatchObject({ sentAt: '2026-11-09T09:00:00.000Z', couponCode: all[0]!.couponCode });
    expect((await messages(bert)).map((m) => m.stepId)).toEqual(['miss-you']);
    expect(await coupons(anna)).toHaveLength(1);
  });

  it('every step message delivered again, three times, changes nothing', async () => {
    const before = { messages: await messages(anna), coupons: await coupons(anna), outbox: await outbox(), journeys: await journeys(anna) };
    const { enrollmentId } = (await journeys(anna))[0] as Enrollment & { enrollmentId: string };
    for (let copy = 0; copy < 3; copy++) {
      for (let visit = 1; visit <= 6; visit++) {
        const sent = await host.call('/admin/local/queues/journey-steps/messages', { method: 'POST', json: { messageId: `again-${copy}-${visit}`, body: { enrollmentId, customerId: anna, visit } } });
        expect(sent.status).toBe(202);
      }
    }
    await waitIdle(host);
    expect(await messages(anna)).toEqual(before.messages);
    expect(await coupons(anna)).toEqual(before.coupons);
    expect(await outbox()).toEqual(before.outbox);
    expect(await journeys(anna)).toEqual(before.journeys);
  });

  it('day 21: a stronger coupon; day 60 without a purchase: dormant', async () => {
    await clockTo('2026-11-23T09:00:00.000Z');
    const all = await messages(anna);
    expect(all.map((m) => m.stepId)).toEqual(['miss-you', 'reminder', 'stronger']);
    expect(all[2]).toMatchObject({ status: 'sent', sentAt: '2026-11-23T09:00:00.000Z' });
    const held = await coupons(anna);
    expect(held.map((c) => c.offerId).sort()).toEqual(['winback-default', 'winback-stronger']);
    expect(held.find((c) => c.offerId === 'winback-stronger')!.code).toBe(all[2]!.couponCode);

    await clockTo('2027-01-01T09:00:00.000Z');
    const [enrollment] = await journeys(anna);
    expect(enrollment).toMatchObject({ status: 'dormant' });
    expect(enrollment!.history.at(-1)).toMatchObject({ event: 'dormant', stepId: 'dormant' });
    expect(await json(`/api/customers/${anna}`)).toMatchObject({ dormant: { journeyId: 'winback-default', action: 'flag', since: '2027-01-01T09:00:00.000Z' } });
    expect(await coupons(anna)).toHaveLength(2);
    expect((await outbox()).filter((f) => f['customerId'] === anna)).toHaveLength(3);
  });

  it('erasure removes enrollments and messages', async () => {
    expect((await host.call(`/api/customers/${anna}`, { method: 'DELETE' })).status).toBe(204);
    expect(await journeys(anna)).toEqual([]);
    expect(await messages(anna)).toEqual([]);
  });
});
