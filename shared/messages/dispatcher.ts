import type { Coupon } from '../coupons/coupon.js';
import { formatCode, type CouponCode } from '../coupons/code.js';
import type { IssueCouponRequest } from '../coupons/requests.js';
import { contactFacts, recipientOf, templateCustomer, timeZoneOf } from '../journeys/customer-facts.js';
import { sendKpiEvents } from '../journeys/kpi.js';
import type { EnrollmentStore } from '../journeys/store.js';
import type { MessageBus } from '../messaging/bus.js';
import { queues } from '../resources.js';
import type { TemplateStore } from '../templates/store.js';
import { chooseLocale, render } from '../templates/template.js';
import { formatCouponValue, templateValues } from '../templates/variables.js';
import type { ChannelAdapter, Delivery, MessageChannel, MessageStatus } from './contract.js';
import { deliveryDecision, frequencyRelease, maxTransientFailures, transientRetryAt, type DeliveryDecision } from './guardrails.js';
import { finalStatuses, type MessageRecord, type OutboundRequest } from './message.js';
import type { ContactLedgerStore, MessageStore, SuppressionStore } from './store.js';

/**
 * The one consumer of `outbound-messages`: send-time checks, rendering, and the adapter for the channel.
 * Every outcome is written on the message record (status + reason + history), so nothing fails silently:
 * a deferral is a scheduled copy of the request (its own Service Bus id), a skip says why, a failure too.
 */
export interface DispatchDeps {
  messages: MessageStore;
  suppressions: SuppressionStore;
  ledger: ContactLedgerStore;
  templates: TemplateStore;
  enrollments: EnrollmentStore;
  customers: { get(customerId: string): Promise<{ customer: Record<string, unknown> } | undefined> };
  coupons: {
    /** Issues (or finds) the coupon of an idempotent request: the same coupon however often it is asked. */
    resolve(request: IssueCouponRequest, now: Date): Promise<{ ok: true; coupon: Coupon } | { ok: false; reason: string }>;
    byCode(code: string): Promise<Coupon | undefined>;
  };
  adapters: ReadonlyMap<MessageChannel, ChannelAdapter>;
  bus: Pick<MessageBus, 'send'>;
  retailerTimeZone: string;
  /** The customer a merged-away id now belongs to (its enrollments and messages moved there). */
  survivorOf?(customerId: string): Promise<string | undefined>;
  random?: () => number;
  log?: (line: string) => void;
}

export type DispatchOutcome = { status: MessageStatus | 'stale' | 'already_final'; reason?: string };

const maxAttempts = 50;

function initialRecord(request: OutboundRequest, now: Date): MessageRecord {
  return {
    id: request.messageId,
    type: 'message',
    messageId: request.messageId,
    customerId: request.customerId,
    channel: request.channel,
    template: request.templateId,
    ...(request.journeyId === undefined ? {} : { journeyId: request.journeyId }),
    ...(request.enrollmentId === undefined ? {} : { enrollmentId: request.enrollmentId }),
    ...(request.stepId === undefined ? {} : { stepId: request.stepId }),
    status: 'queued',
    createdAt: request.createdAt,
    updatedAt: now.toISOString(),
    attempt: request.attempt,
    transientFailures: 0,
    marketing: request.marketing,
    history: [{ at: now.toISOString(), status: 'queued' }],
  };
}

export async function dispatch(deps: DispatchDeps, request: OutboundRequest, now: Date): Promise<DispatchOutcome> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    // A request's first attempt almost always finds no record yet: create it without reading first (a
    // redelivery gets a conflict and reads it on the next pass). Deferred copies find their record.
    let found = attempt === 0 && request.attempt === 0 ? undefined : await deps.messages.get(request.customerId, request.messageId);
    if (!found) {
      const created = await deps.messages.createTagged(initialRecord(request, now));
      if (created === 'conflict') continue;
      found = created;
    }
    const record = found.value;
    if (finalStatuses.has(record.status)) return { status: 'already_final' };
    // An older copy of a deferred message (a redelivery of the request before the deferral) does nothing.
    if (record.attempt > request.attempt) return { status: 'stale' };

    const write = async (change: Partial<MessageRecord>, status: MessageStatus, reason?: string): Promise<'ok' | 'conflict'> => {
      const at = now.toISOString();
      const next: MessageRecord = { ...record, ...change, status, updatedAt: at, history: [...record.history, { at, status, ...(reason === undefined ? {} : { reason }), ...(change.channel && change.channel !== 'preferred' ? { channel: change.channel } : {}) }] };
      if (reason === undefined) delete next.reason;
      else next.reason = reason;
      return deps.messages.replace(next, found!.etag);
    };
    const skip = async (reason: string, change: Partial<MessageRecord> = {}): Promise<DispatchOutcome | undefined> =>
      (await write(change, 'skipped', reason)) === 'ok' ? { status: 'skipped', reason } : undefined;

    // Queued before a merge moved the customer's enrollments and messages: the message belongs to the survivor.
    const followMerge = async (): Promise<DispatchOutcome | undefined> => {
      const survivor = await deps.survivorOf?.(request.customerId);
      if (survivor === undefined || survivor === request.customerId) return undefined;
      if (record.history.length === 1) await deps.messages.delete(request.customerId, request.messageId);
      return dispatch(deps, { ...request, customerId: survivor }, now);
    };
    if (request.enrollmentId !== undefined) {
      const enrollment = await deps.enrollments.get(request.customerId, request.enrollmentId);
      const followed = enrollment ? undefined : await followMerge();
      if (followed) return followed;
      // A converted or exited enrollment sends nothing more; a completed one still sends its last step's message.
      if (!enrollment || (enrollment.value.status !== 'active' && enrollment.value.status !== 'completed')) {
        const outcome = await skip(`enrollment_${enrollment?.value.status ?? 'gone'}`);
        if (outcome) return outcome;
        continue;
      }
    }
    const customer = (await deps.customers.get(request.customerId))?.customer;
    if (!customer) {
      const followed = await followMerge();
      if (followed) return followed;
      const outcome = await skip('unknown_customer');
      if (outcome) return outcome;
      continue;
    }
    const facts = contactFacts(customer, deps.retailerTimeZone);
    const [suppressions, ledger] = await Promise.all([deps.suppressions.list(request.customerId), deps.ledger.get(request.customerId)]);
    const decision: DeliveryDecision = deliveryDecision(now, request, facts, suppressions, ledger?.value.sends ?? []);
    switch (decision.kind) {
      case 'skip': {
        const outcome = await skip(decision.reason + (decision.notes.length > 0 ? ` (${decision.notes.join('; ')})` : ''));
        if (outcome) return { status: 'skipped', reason: decision.reason };
        continue;
      }
      case 'defer': {
        const next: OutboundRequest = { ...request, attempt: request.attempt + 1 };
        const reason = `${decision.reason}: until ${decision.until.toISOString()}`;
        if ((await write({ channel: decision.channel, deferredUntil: decision.until.toISOString(), attempt: next.attempt }, 'deferred', reason)) === 'conflict') continue;
        await deps.bus.send(queues.outboundMessages.name, { messageId: `${request.messageId}.a${next.attempt}`, subject: 'message.send', body: next, scheduledEnqueueTime: decision.until });
        return { status: 'deferred', reason };
      }
      case 'send':
        break;
      default: {
        const exhaustive: never = decision;
        return exhaustive;
      }
    }

    // The frequency cap's slot is reserved before sending, with the ledger's ETag: two journeys sending at once
    // cannot both take the last slot. A lost race decides again from the top.
    if (request.marketing) {
      if (frequencyRelease(now, ledger?.value.sends ?? [], request.frequencyCap, request.messageId) !== undefined) continue;
      if ((await deps.ledger.reserve(request.customerId, ledger, request.messageId, now)) === 'conflict') continue;
    }
    const channel = decision.channel;
    const giveBackSlot = () => (request.marketing ? deps.ledger.release(request.customerId, request.messageId) : Promise.resolve());

    let coupon: Coupon | undefined;
    if (request.coupon) {
      if ('request' in request.coupon) {
        const resolved = await deps.coupons.resolve(request.coupon.request, now);
        if (!resolved.ok) {
          await giveBackSlot();
          const outcome = await skip(`coupon_refused: ${resolved.reason}`, { channel });
          if (outcome) return outcome;
          continue;
        }
        coupon = resolved.coupon;
      } else {
        coupon = await deps.coupons.byCode(request.coupon.code);
        if (!coupon) {
          await giveBackSlot();
          const outcome = await skip(`unknown_coupon: ${request.coupon.code}`, { channel });
          if (outcome) return outcome;
          continue;
        }
      }
    }
    const stored = await deps.templates.get(request.templateId);
    if (!stored) {
      await giveBackSlot();
      if ((await write({ channel }, 'failed', `unknown_template: ${request.templateId}`)) === 'ok') return { status: 'failed', reason: 'unknown_template' };
      continue;
    }
    const locale = chooseLocale(stored.template, typeof customer['locale'] === 'string' ? customer['locale'] : undefined);
    const timeZone = timeZoneOf(customer, deps.retailerTimeZone);
    const values = templateValues({ locale, timeZone, customer: templateCustomer(customer), coupon, eventProperties: request.eventProperties });
    const rendered = render(stored.template, locale, channel, values);
    if (!rendered.ok) {
      await giveBackSlot();
      const outcome = await skip(`missing_variable: ${rendered.missing.join(', ')}`, { channel, locale });
      if (outcome) return outcome;
      continue;
    }
    const adapter = deps.adapters.get(channel);
    if (!adapter) {
      await giveBackSlot();
      if ((await write({ channel, locale }, 'failed', `no adapter for channel ${channel}`)) === 'ok') return { status: 'failed', reason: 'no_adapter' };
      continue;
    }
    const delivery: Delivery = {
      messageId: request.messageId,
      customerId: request.customerId,
      channel,
      ...(channel === 'webhook' && request.forChannel !== undefined ? { forChannel: request.forChannel } : {}),
      templateId: request.templateId,
      ...(request.journeyId === undefined ? {} : { journeyId: request.journeyId }),
      ...(request.stepId === undefined ? {} : { stepId: request.stepId }),
      ...(request.enrollmentId === undefined ? {} : { enrollmentId: request.enrollmentId }),
      to: recipientOf(customer),
      parts: rendered.parts,
      ...(coupon === undefined
        ? {}
        : { coupon: { code: coupon.code, displayCode: formatCode(coupon.code as CouponCode), barcodeValue: coupon.code, value: formatCouponValue(coupon, locale), expiresAt: coupon.expiresAt } }),
      variables: rendered.variables,
    };
    const sent = await adapter.send(delivery, now);
    const couponChange = coupon === undefined ? {} : { couponCode: coupon.code };
    switch (sent.kind) {
      case 'sent': {
        const change: Partial<MessageRecord> = { channel, locale, ...couponChange, sentAt: now.toISOString(), provider: adapter.provider, ...(sent.providerMessageId === undefined ? {} : { providerMessageId: sent.providerMessageId }) };
        if (request.enrollmentId !== undefined && request.journeyId !== undefined) {
          await sendKpiEvents(deps.bus, [{ eventId: `messaged:${request.messageId}`, type: 'messaged', journeyId: request.journeyId, enrollmentId: request.enrollmentId, customerId: request.customerId, channel, at: now.toISOString() }]);
        }
        if ((await write(change, 'sent', decision.notes.length > 0 ? `sent by ${channel} (${decision.notes.join('; ')})` : undefined)) === 'ok') return { status: 'sent' };
        // Someone changed the record meanwhile (a provider report): the send happened, record it again on top.
        await deps.messages.updateStatus(request.customerId, request.messageId, 'sent', undefined, now, { sentAt: now.toISOString(), provider: adapter.provider });
        return { status: 'sent' };
      }
      case 'transient': {
        const failures = record.transientFailures + 1;
        if (failures >= maxTransientFailures) {
          await giveBackSlot();
          if ((await write({ channel, locale, ...couponChange, transientFailures: failures }, 'failed', `gave up after ${failures} transient failures: ${sent.reason}`)) === 'ok') return { status: 'failed', reason: sent.reason };
          continue;
        }
        const retryAt = transientRetryAt(now, failures, sent.retryAfterSeconds, deps.random);
        const next: OutboundRequest = { ...request, attempt: request.attempt + 1 };
        if ((await write({ channel, locale, ...couponChange, transientFailures: failures, attempt: next.attempt, deferredUntil: retryAt.toISOString() }, 'deferred', `transient: ${sent.reason}; retry at ${retryAt.toISOString()}`)) === 'conflict') continue;
        await deps.bus.send(queues.outboundMessages.name, { messageId: `${request.messageId}.a${next.attempt}`, subject: 'message.send', body: next, scheduledEnqueueTime: retryAt });
        return { status: 'deferred', reason: sent.reason };
      }
      case 'permanent':
        await giveBackSlot();
        if ((await write({ channel, locale, ...couponChange }, 'failed', sent.reason)) === 'ok') return { status: 'failed', reason: sent.reason };
        continue;
      default: {
        const exhaustive: never = sent;
        return exhaustive;
      }
    }
  }
  throw Object.assign(new Error(`too much contention on message ${request.messageId}`), { code: 503 });
}
