import { z } from 'zod';
import { IssueCouponRequest } from '../coupons/requests.js';
import { MessageChannel, MessageStatus } from './contract.js';

/**
 * The body of an `outbound-messages` queue message: what to send to whom, decided by a journey step. The
 * dispatcher picks the channel (consent, suppression, address), checks quiet hours and the frequency cap at
 * send time, renders the template and hands the result to the channel's adapter.
 */
export const OutboundRequest = z.object({
  messageId: z.string().min(1).max(256),
  customerId: z.string().min(1).max(512),
  templateId: z.string().min(1).max(64),
  channel: z.union([MessageChannel, z.literal('preferred')]),
  /** A webhook step only: the channel the receiving ESP or CRM delivers on (its consent and suppression apply). */
  forChannel: z.enum(['email', 'sms', 'push', 'mail']).optional(),
  channelPreference: z.array(z.enum(['email', 'sms', 'push', 'mail'])).min(1),
  journeyId: z.string().optional(),
  version: z.number().int().optional(),
  enrollmentId: z.string().optional(),
  stepId: z.string().optional(),
  /** The coupon the message carries: issued on demand through the same idempotent request, or an existing code. */
  coupon: z.union([z.object({ request: IssueCouponRequest }), z.object({ code: z.string().min(1) })]).optional(),
  eventProperties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  marketing: z.boolean(),
  quietHours: z.object({ start: z.string(), end: z.string(), sundayChannels: z.array(MessageChannel), channels: z.array(MessageChannel) }),
  frequencyCap: z.object({ perDay: z.number().int(), perWeek: z.number().int(), onCap: z.enum(['defer', 'skip']) }),
  createdAt: z.string(),
  /** Increases with every re-schedule (deferral, transient failure) so each copy has its own Service Bus id. */
  attempt: z.number().int().min(0).default(0),
});
export type OutboundRequest = z.infer<typeof OutboundRequest>;

export const MessageEvent = z.object({ at: z.string(), status: MessageStatus, reason: z.string().optional(), channel: MessageChannel.optional() });
export type MessageEvent = z.infer<typeof MessageEvent>;

/** A message as stored in the `messages` container (partition /customerId), id = messageId. */
export const MessageRecord = z.object({
  id: z.string(),
  type: z.literal('message'),
  messageId: z.string(),
  customerId: z.string(),
  channel: z.union([MessageChannel, z.literal('preferred')]),
  template: z.string(),
  locale: z.string().optional(),
  journeyId: z.string().optional(),
  enrollmentId: z.string().optional(),
  stepId: z.string().optional(),
  status: MessageStatus,
  reason: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  sentAt: z.string().optional(),
  deferredUntil: z.string().optional(),
  couponCode: z.string().optional(),
  provider: z.string().optional(),
  providerMessageId: z.string().optional(),
  attempt: z.number().int(),
  transientFailures: z.number().int().default(0),
  marketing: z.boolean(),
  history: z.array(MessageEvent),
});
export type MessageRecord = z.infer<typeof MessageRecord>;

/** Statuses after which the dispatcher never acts on the message again. */
export const finalStatuses: ReadonlySet<MessageStatus> = new Set(['sent', 'skipped', 'failed', 'delivered', 'bounced', 'complained']);

/** `GET /api/customers/{id}/messages` items. */
export function messageView(m: MessageRecord) {
  return {
    messageId: m.messageId,
    channel: m.channel,
    template: m.template,
    journeyId: m.journeyId ?? null,
    stepId: m.stepId ?? null,
    enrollmentId: m.enrollmentId ?? null,
    status: m.status,
    ...(m.reason === undefined ? {} : { reason: m.reason }),
    createdAt: m.createdAt,
    sentAt: m.sentAt ?? null,
    ...(m.deferredUntil === undefined ? {} : { deferredUntil: m.deferredUntil }),
    couponCode: m.couponCode ?? null,
    locale: m.locale ?? null,
    history: m.history,
  };
}

/** Suppression: channels a customer must not be contacted on, and why (owned per customer, partition /customerId). */
export const SuppressionReason = z.enum(['unsubscribed', 'bounced', 'complained', 'manual']);
export type SuppressionReason = z.infer<typeof SuppressionReason>;

export const SuppressionEntry = z.object({ channel: MessageChannel, reason: SuppressionReason, at: z.string(), source: z.string().optional() });
export type SuppressionEntry = z.infer<typeof SuppressionEntry>;

export const SuppressionDocument = z.object({ id: z.literal('suppression'), type: z.literal('suppression'), customerId: z.string(), entries: z.array(SuppressionEntry) });
export type SuppressionDocument = z.infer<typeof SuppressionDocument>;

/** Recent marketing sends of one customer across all journeys: the frequency cap reserves slots here (ETag). */
export const ContactLedger = z.object({
  id: z.literal('ledger'),
  type: z.literal('ledger'),
  customerId: z.string(),
  sends: z.array(z.object({ messageId: z.string(), at: z.string() })),
});
export type ContactLedger = z.infer<typeof ContactLedger>;
