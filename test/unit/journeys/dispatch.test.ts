import { describe, expect, it } from 'vitest';
import { JourneyWorld, RecordingBus } from '../../../bench/journeys-world.js';
import type { ChannelAdapter, Delivery, SendOutcome } from '../../../shared/messages/contract.js';
import { dispatch } from '../../../shared/messages/dispatcher.js';
import type { OutboundRequest } from '../../../shared/messages/message.js';
import { handleCustomerEvent } from '../../../shared/journeys/events.js';
import { builtinJourney } from '../../../shared/journeys/defaults.js';
import { assignArm } from '../../../shared/journeys/enrollment.js';
import { purchaseKpiEvents } from '../../../shared/journeys/engine.js';
import type { Enrollment } from '../../../shared/journeys/enrollment.js';
import { KpiEvent } from '../../../shared/kpis/events.js';
import { queues } from '../../../shared/resources.js';

const now = new Date('2026-11-10T10:00:00Z'); // Tuesday, 11:00 in Berlin
const consented = { email: 'a@example.com', phone: '+4915112345678', firstName: 'Ann', locale: 'en-GB', timeZone: 'Europe/Berlin', consents: { email: { granted: true, at: '2026-01-01T00:00:00Z', source: 't' }, sms: { granted: true, at: '2026-01-01T00:00:00Z', source: 't' } } };

function request(over: Partial<OutboundRequest> = {}): OutboundRequest {
  return {
    messageId: 'm-1',
    customerId: 'c-1',
    templateId: 'welcome-back',
    channel: 'email',
    channelPreference: ['email', 'sms'],
    marketing: true,
    quietHours: { start: '20:00', end: '08:00', sundayChannels: ['sms', 'push'], channels: ['email', 'sms', 'push'] },
    frequencyCap: { perDay: 1, perWeek: 2, onCap: 'defer' },
    createdAt: now.toISOString(),
    attempt: 0,
    ...over,
  };
}

function scripted(outcomes: SendOutcome[]): ChannelAdapter & { calls: number } {
  return { channel: 'email', provider: 'scripted', calls: 0, async send() { return outcomes[this.calls++] ?? { kind: 'sent' }; } };
}

describe('dispatcher', () => {
  it('reschedules a transient failure with backoff honouring Retry-After, then sends', async () => {
    const bus = new RecordingBus();
    const world = new JourneyWorld(bus);
    world.customers.set('c-1', consented);
    const adapter = scripted([{ kind: 'transient', reason: '429 from provider', retryAfterSeconds: 120 }, { kind: 'sent', providerMessageId: 'p-1' }]);
    const deps = { ...world.dispatchDeps(() => 0.5), adapters: new Map([['email' as const, adapter]]) };
    expect(await dispatch(deps, request(), now)).toEqual({ status: 'deferred', reason: '429 from provider' });
    const retry = bus.sent.find((s) => s.queue === queues.outboundMessages.name)!.message;
    expect(retry.messageId).toBe('m-1.a1');
    expect(retry.scheduledEnqueueTime).toEqual(new Date(now.getTime() + 120_000));
    // The original delivered again before the retry changes nothing.
    expect(await dispatch(deps, request(), now)).toEqual({ status: 'stale' });
    const later = new Date(now.getTime() + 120_000);
    expect(await dispatch(deps, retry.body as OutboundRequest, later)).toEqual({ status: 'sent' });
    const stored = (await world.messages.get('c-1', 'm-1'))!.value;
    expect(stored).toMatchObject({ status: 'sent', channel: 'email', providerMessageId: 'p-1', transientFailures: 1, sentAt: later.toISOString() });
    expect(stored.history.map((h) => h.status)).toEqual(['queued', 'deferred', 'sent']);
    expect(adapter.calls).toBe(2);
  });

  it('sends a request delivered twice once: the second finds the sent record and does nothing', async () => {
    const world = new JourneyWorld(new RecordingBus());
    world.customers.set('c-1', consented);
    const adapter = scripted([{ kind: 'sent', providerMessageId: 'p-1' }]);
    const deps = { ...world.dispatchDeps(() => 0.5), adapters: new Map([['email' as const, adapter]]) };
    expect(await dispatch(deps, request(), now)).toEqual({ status: 'sent' });
    expect(await dispatch(deps, request(), new Date(now.getTime() + 60_000))).toEqual({ status: 'already_final' });
    expect(adapter.calls).toBe(1);
    expect((await world.messages.get('c-1', 'm-1'))!.value.history.map((h) => h.status)).toEqual(['queued', 'sent']);
  });

  it('marks a permanent failure failed with its reason and gives the frequency slot back', async () => {
    const world = new JourneyWorld(new RecordingBus());
    world.customers.set('c-1', consented);
    const deps = { ...world.dispatchDeps(), adapters: new Map([['email' as const, scripted([{ kind: 'permanent', reason: 'invalid address' }])]]) };
    expect(await dispatch(deps, request(), now)).toEqual({ status: 'failed', reason: 'invalid address' });
    expect((await world.ledger.get('c-1'))!.value.sends).toEqual([]);
  });

  it('honours the suppression list and falls back by preference; a suppressed-only customer is skipped', async () => {
    const world = new JourneyWorld(new RecordingBus());
    world.customers.set('c-1', consented);
    await world.suppressions.suppress('c-1', ['email'], 'unsubscribed', now, 'link');
    expect(await dispatch(world.dispatchDeps(), request(), now)).toEqual({ status: 'sent' });
    expect((await world.messages.get('c-1', 'm-1'))!.value).toMatchObject({ channel: 'sms', status: 'sent' });
    await world.suppressions.suppress('c-1', ['sms'], 'complained', now);
    expect(await dispatch(world.dispatchDeps(), request({ messageId: 'm-2' }), now)).toEqual({ status: 'skipped', reason: 'suppressed' });
  });

  it('a webhook step is delivered by the webhook adapter with the channel it names, even when that channel is suppressed elsewhere', async () => {
    const world = new JourneyWorld(new RecordingBus());
    world.customers.set('c-1', consented);
    const seen: Delivery[] = [];
    const webhook: ChannelAdapter = { channel: 'webhook', provider: 'recording', async send(d) { seen.push(d); return { kind: 'sent' }; } };
    const deps = { ...world.dispatchDeps(), adapters: new Map([['webhook' as const, webhook]]) };
    expect(await dispatch(deps, request({ channel: 'webhook', forChannel: 'sms' }), now)).toEqual({ status: 'sent' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ channel: 'webhook', forChannel: 'sms', to: { email: 'a@example.com', phone: '+4915112345678' } });
    expect((await world.messages.get('c-1', 'm-1'))!.value).toMatchObject({ channel: 'webhook', status: 'sent', provider: 'recording' });
    // An unsubscribe from the channel it names stops it; the e-mail suppression of another message does not.
    await world.suppressions.suppress('c-1', ['email'], 'bounced', now);
    expect(await dispatch(deps, request({ messageId: 'm-2', channel: 'webhook', forChannel: 'sms', marketing: false }), now)).toEqual({ status: 'sent' });
    await world.suppressions.suppress('c-1', ['sms'], 'unsubscribed', now, 'stop');
    expect(await dispatch(deps, request({ messageId: 'm-3', channel: 'webhook', forChannel: 'sms', marketing: false }), now)).toEqual({ status: 'skipped', reason: 'suppressed' });
    expect(seen).toHaveLength(2);
  });

  it('updateStatus and find: what provider reports use', async () => {
    const world = new JourneyWorld(new RecordingBus());
    world.customers.set('c-1', consented);
    await dispatch(world.dispatchDeps(), request(), now);
    expect((await world.messages.find('m-1'))?.customerId).toBe('c-1');
    const updated = await world.messages.updateStatus('c-1', 'm-1', 'bounced', 'mailbox full', new Date(now.getTime() + 1000));
    expect(updated).toMatchObject({ status: 'bounced', reason: 'mailbox full' });
    expect(await world.messages.updateStatus('c-1', 'nope', 'delivered', undefined, now)).toBeUndefined();
  });
});

describe('KPI events', () => {
  it('enrolled carries the 90-day pre-spend; each purchase is reported per enrollment, refunds negative', async () => {
    const bus = new RecordingBus();
    const world = new JourneyWorld(bus);
    const experiment = builtinJourney('winback-default')!.experiment;
    const id = Array.from({ length: 50 }, (_, i) => `k-${i}`).find((c) => !assignArm(c, 'winback-default', experiment).holdout)!;
    world.customers.set(id, consented);
    world.purchases.push(
      { customerId: id, orderId: 'o-1', occurredAt: '2026-09-01T10:00:00.000Z', totalMinor: 5000, currency: 'EUR', type: 'purchase' },
      { customerId: id, orderId: 'o-2', occurredAt: '2026-09-15T10:00:00.000Z', totalMinor: 1500, currency: 'EUR', type: 'refund' },
      { customerId: id, orderId: 'o-0', occurredAt: '2026-06-01T10:00:00.000Z', totalMinor: 9900, currency: 'EUR', type: 'purchase' },
    );
    await world.journeys.setStatus('winback-default', 'active', now);
    await handleCustomerEvent(world.eventDeps(), { type: 'segment.changed', customerId: id, runId: 'r', from: 'loyal', to: 'at_risk' }, now);
    const kpi = () => bus.sent.filter((s) => s.queue === queues.kpiEvents.name).map((s) => s.message.body as Record<string, unknown>);
    expect(kpi()).toEqual([expect.objectContaining({ type: 'enrolled', arm: 'message_coupon', segment: 'at_risk', preSpendMinor: 3500, currency: 'EUR', attributionDays: 60 })]);
    const refund = { type: 'purchase.recorded' as const, customerId: id, purchaseId: 'p-r', orderId: 'o-3', source: 'pos', occurredAt: '2026-11-11T10:00:00.000Z', totalMinor: 700, currency: 'EUR', purchaseType: 'refund' as const };
    await handleCustomerEvent(world.eventDeps(), refund, now);
    expect(kpi().at(-1)).toMatchObject({ type: 'purchase', amountMinor: -700, refund: true, eventId: expect.stringContaining('p-r') });
    expect((await world.enrollments.forCustomer(id))[0]).toMatchObject({ status: 'active' }); // a refund converts nobody
    await handleCustomerEvent(world.eventDeps(), { ...refund, purchaseId: 'p-b', orderId: 'o-4', purchaseType: 'purchase', totalMinor: 4200 }, now);
    expect(kpi().at(-1)).toMatchObject({ type: 'purchase', amountMinor: 4200, refund: false });
    expect((await world.enrollments.forCustomer(id))[0]).toMatchObject({ status: 'converted' });
    for (const event of kpi()) expect(event['eventId']).toEqual(expect.any(String));
  });

  it('enrolled states the planned channel (same rule in the holdout), the configured split and whether the arm issues a coupon', async () => {
    const bus = new RecordingBus();
    const world = new JourneyWorld(bus);
    const experiment = builtinJourney('winback-default')!.experiment;
    const ids = Array.from({ length: 60 }, (_, i) => `s-${i}`);
    const treated = ids.find((c) => !assignArm(c, 'winback-default', experiment).holdout)!;
    const held = ids.find((c) => assignArm(c, 'winback-default', experiment).holdout)!;
    // Both prefer SMS and consented to it: planned channel sms, whatever the arm.
    for (const id of [treated, held]) world.customers.set(id, { ...consented, preferredChannel: 'sms' });
    const silent = ids.find((c) => c !== treated && c !== held)!;
    world.customers.set(silent, { ...consented, consents: {} });
    await world.journeys.setStatus('winback-default', 'active', now);
    for (const id of [treated, held, silent]) await handleCustomerEvent(world.eventDeps(), { type: 'segment.changed', customerId: id, runId: 'r', from: 'loyal', to: 'at_risk' }, now);
    const enrolled = bus.sent.filter((s) => s.queue === queues.kpiEvents.name).map((s) => KpiEvent.parse(s.message.body));
    const split = { control: 0.1, message_coupon: 0.9 };
    expect(enrolled.find((e) => e.customerId === treated)).toMatchObject({ type: 'enrolled', arm: 'message_coupon', channel: 'sms', split, armIssuesCoupon: true });
    expect(enrolled.find((e) => e.customerId === held)).toMatchObject({ type: 'enrolled', arm: 'control', channel: 'sms', split, armIssuesCoupon: false });
    expect(enrolled.find((e) => e.customerId === silent)).toMatchObject({ type: 'enrolled', channel: null });
  });

  it('a refund goes to the original order, also after the window closed; purchases arriving late keep their occurredAt', () => {
    const enrollment = { id: 'e_1', journeyId: 'j', customerId: 'c', enteredAt: '2026-11-01T00:00:00.000Z', attributionDays: 30 } as Enrollment;
    const base = { customerId: 'c', source: 'pos', totalMinor: 1000, currency: 'EUR' };
    const late = purchaseKpiEvents([enrollment], { ...base, purchaseId: 'p-1', orderId: 'o-1', occurredAt: '2026-11-05T10:00:00.000Z', refund: false });
    expect(late).toEqual([expect.objectContaining({ eventId: 'purchase:e_1:p-1', orderId: 'o-1', occurredAt: '2026-11-05T10:00:00.000Z', amountMinor: 1000 })]);
    expect(purchaseKpiEvents([enrollment], { ...base, purchaseId: 'p-2', orderId: 'o-2', occurredAt: '2026-12-01T00:00:00.000Z', refund: false })).toEqual([]);
    expect(purchaseKpiEvents([enrollment], { ...base, purchaseId: 'p-0', orderId: 'o-0', occurredAt: '2026-10-31T23:59:59.000Z', refund: false })).toEqual([]);
    const refund = purchaseKpiEvents([enrollment], { ...base, purchaseId: 'p-r', orderId: 'R-1', originalOrderId: 'o-1', occurredAt: '2026-12-20T10:00:00.000Z', refund: true });
    expect(refund).toEqual([expect.objectContaining({ eventId: 'purchase:e_1:p-r', orderId: 'o-1', amountMinor: -1000, refund: true })]);
  });
});
