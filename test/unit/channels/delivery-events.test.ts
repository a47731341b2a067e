import { describe, expect, it } from 'vitest';
import { interpretEvent, isStopReply, shouldApplyStatus, type EventGridEvent } from '../../../shared/channels/delivery-events.js';
import { applyDeliveryEvent, type DeliveryEventDeps } from '../../../shared/channels/delivery-service.js';
import { EngagementStore, engagementFields, recordEngagement, type CustomerEngagementFields, type EngagementDocument } from '../../../shared/channels/engagement.js';
import type { Channel } from '../../../shared/customers/schema.js';
import type { MessageRecord } from '../../../shared/messages/message.js';
import { MessageStore, SuppressionStore, type MessagesDoc } from '../../../shared/messages/store.js';
import { MemoryDocumentStore } from '../../../shared/storage/documents.js';
import { now } from './fixtures.js';

const event = (eventType: string, data: Record<string, unknown>, id = `evt-${Math.random()}`): EventGridEvent => ({
  id,
  eventType: `Microsoft.Communication.${eventType}`,
  eventTime: '2026-11-20T09:31:00Z',
  subject: 'x',
  data,
});

function message(overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id: 'm-1',
    type: 'message',
    messageId: 'm-1',
    customerId: 'c-1',
    channel: 'email',
    template: 'winback-we-miss-you',
    status: 'sent',
    createdAt: '2026-11-20T09:00:00Z',
    updatedAt: '2026-11-20T09:30:00Z',
    sentAt: '2026-11-20T09:30:00Z',
    provider: 'acs-email',
    providerMessageId: 'op-1',
    attempt: 0,
    transientFailures: 0,
    marketing: true,
    history: [{ at: '2026-11-20T09:30:00Z', status: 'sent' }],
    ...overrides,
  };
}

function world(records: MessageRecord[] = [message()]) {
  const messageDocs = new MemoryDocumentStore<MessagesDoc>();
  const messages = new MessageStore(messageDocs);
  const suppressions = new SuppressionStore(messageDocs);
  const engagement = new EngagementStore(new MemoryDocumentStore<EngagementDocument>());
  const written: CustomerEngagementFields[] = [];
  const withdrawn: { id: string; channel: Channel; source: string }[] = [];
  const deps: DeliveryEventDeps = {
    messages,
    suppressions,
    findByProviderMessageId: async (id) => {
      const r = records.find((m) => m.providerMessageId === id);
      return r ? (await messages.get(r.customerId, r.messageId))?.value : undefined;
    },
    customers: {
      withdrawConsent: async (id, channel, source) => {
        withdrawn.push({ id, channel, source });
        return 'withdrawn';
      },
    },
    customerIdsByPhone: async (phone) => (phone === '+4915112345678' ? ['c-1'] : []),
    engagement,
    couponsOf: async () => [{ status: 'redeemed' }, { status: 'issued' }, { status: 'issued' }, { status: 'issued' }],
    engagementWriter: { write: async (_id, fields) => void written.push(fields) },
  };
  return { deps, messages, suppressions, engagement, written, withdrawn, ready: Promise.all(records.map((r) => messages.create(r))) };
}

describe('interpreting ACS events', () => {
  it('maps e-mail delivery statuses; a hard bounce and ACS suppression suppress the address', () => {
    const report = (status: string) => interpretEvent(event('EmailDeliveryReportReceived', { messageId: 'op-1', recipient: 'a@b.c', status, deliveryStatusDetails: { statusMessage: 'detail' } }), now);
    expect(report('Delivered')).toMatchObject({ kind: 'status', status: 'delivered', suppress: false });
    expect(report('Bounced')).toMatchObject({ kind: 'status', status: 'bounced', suppress: true, reason: 'Bounced: detail' });
    expect(report('Suppressed')).toMatchObject({ status: 'bounced', suppress: true });
    expect(report('FilteredSpam')).toMatchObject({ status: 'failed', suppress: false });
    expect(report('Expanded').kind).toBe('ignored');
  });

  it('reads engagement, SMS reports (tag = our message id) and STOP replies', () => {
    expect(interpretEvent(event('EmailEngagementTrackingReportReceived', { messageId: 'op-1', engagementType: 'click', engagementContext: 'https://shop.example/x', userActionTimestamp: '2026-11-20T10:00:00Z' }), now)).toEqual({
      kind: 'engagement', providerMessageId: 'op-1', engagement: 'click', url: 'https://shop.example/x', at: '2026-11-20T10:00:00Z',
    });
    expect(interpretEvent(event('SMSDeliveryReportReceived', { messageId: 'Outgoing_1', to: '+49', deliveryStatus: 'Failed', deliveryStatusDetails: 'No route', tag: 'm-2' }), now)).toMatchObject({ status: 'failed', messageId: 'm-2', suppress: false });
    expect(interpretEvent(event('SMSReceived', { from: '+4915112345678', to: '+4930', message: ' stop ' }), now)).toMatchObject({ kind: 'sms-reply', stop: true });
    expect(isStopReply('Stopp!')).toBe(true);
    expect(isStopReply('please stop sending me this')).toBe(false);
    expect(interpretEvent(event('EmailDeliveryReportReceived', { recipient: 'x' }), now).kind).toBe('ignored');
  });

  it('never lets a weaker or repeated report overwrite a final status', () => {
    expect(shouldApplyStatus('sent', 'delivered')).toBe(true);
    expect(shouldApplyStatus('delivered', 'bounced')).toBe(true);
    expect(shouldApplyStatus('bounced', 'delivered')).toBe(false);
    expect(shouldApplyStatus('delivered', 'delivered')).toBe(false);
    expect(shouldApplyStatus('skipped', 'delivered')).toBe(false);
  });
});

describe('applying delivery events', () => {
  it('a bounce marks the message bounced and suppresses e-mail for the customer; again changes nothing', async () => {
    const w = world();
    await w.ready;
    const bounce = event('EmailDeliveryReportReceived', { messageId: 'op-1', recipient: 'a@b.c', status: 'Bounced', deliveryStatusDetails: { statusMessage: '550 5.1.1 user unknown' } });
    expect(await applyDeliveryEvent(w.deps, bounce, now)).toBe('m-1: sent → bounced; email suppressed for c-1');
    const stored = (await w.messages.get('c-1', 'm-1'))!.value;
    expect(stored).toMatchObject({ status: 'bounced', reason: 'provider report: Bounced: 550 5.1.1 user unknown' });
    expect(await w.suppressions.list('c-1')).toEqual([{ channel: 'email', reason: 'bounced', at: now.toISOString(), source: expect.stringContaining('550 5.1.1') }]);
    expect(await applyDeliveryEvent(w.deps, bounce, now)).toContain('stays bounced');
    expect((await w.messages.get('c-1', 'm-1'))!.value.history).toHaveLength(2);
  });

  it('delivery and opens feed the engagement rate; coupon redemption rate = redeemed ÷ received', async () => {
    const w = world([message(), message({ id: 'm-2', messageId: 'm-2', providerMessageId: 'op-2' })]);
    await w.ready;
    for (const op of ['op-1', 'op-2']) await applyDeliveryEvent(w.deps, event('EmailDeliveryReportReceived', { messageId: op, status: 'Delivered' }), now);
    await applyDeliveryEvent(w.deps, event('EmailEngagementTrackingReportReceived', { messageId: 'op-2', engagementType: 'view' }), now);
    expect(await applyDeliveryEvent(w.deps, event('EmailEngagementTrackingReportReceived', { messageId: 'op-2', engagementType: 'view' }), now)).toBe('m-2: open (already recorded)');
    expect((await w.messages.get('c-1', 'm-2'))!.value.status).toBe('delivered');
    expect(w.written.at(-1)).toMatchObject({ engagementRate: 0.5, couponRedemptionRate: 0.25, messagesDelivered: 2, messagesEngaged: 1, couponsReceived: 4, couponsRedeemed: 1, version: 3 });
    expect((await w.engagement.get('c-1'))!.messages['m-2']).toMatchObject({ deliveredAt: '2026-11-20T09:31:00Z', openedAt: '2026-11-20T09:31:00Z' });
  });

  it('an SMS STOP withdraws SMS consent of the customers with that number', async () => {
    const w = world();
    expect(await applyDeliveryEvent(w.deps, event('SMSReceived', { from: '+4915112345678', to: '+4930', message: 'STOP' }), now)).toBe('STOP: SMS consent of c-1 withdrawn');
    expect(w.withdrawn).toEqual([{ id: 'c-1', channel: 'sms', source: 'sms-stop' }]);
    expect(await applyDeliveryEvent(w.deps, event('SMSReceived', { from: '+4915112345678', message: 'Danke!' }), now)).toMatch(/^ignored/);
    expect(w.withdrawn).toHaveLength(1);
  });

  it('a report for an unknown message is ignored with the reason, not an error', async () => {
    const w = world([]);
    expect(await applyDeliveryEvent(w.deps, event('EmailDeliveryReportReceived', { messageId: 'op-x', status: 'Delivered' }), now)).toBe('ignored: no message for email provider id op-x');
  });
});

describe('engagement window', () => {
  it('keeps the most recent 100 messages, so the rate follows recent behaviour', () => {
    let doc: EngagementDocument | undefined;
    for (let i = 0; i < 120; i++) {
      const at = new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString();
      doc = recordEngagement(doc, 'c', { kind: 'delivered', messageId: `m${i}`, channel: 'email', at }, now)!;
      if (i >= 100) doc = recordEngagement(doc, 'c', { kind: 'open', messageId: `m${i}`, channel: 'email', at }, now)!;
    }
    expect(Object.keys(doc!.messages)).toHaveLength(100);
    expect(doc!.messages['m0']).toBeUndefined();
    expect(engagementFields(doc!, [], now)).toMatchObject({ engagementRate: 0.2, couponRedemptionRate: null });
  });
});
