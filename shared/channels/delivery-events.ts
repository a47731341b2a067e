import { z } from 'zod';
import type { MessageChannel, MessageStatus } from '../messages/contract.js';

/**
 * Provider reports on the `delivery-events` queue: Event Grid (Event Grid schema) delivers each ACS event as one
 * Service Bus message. What each event means for winback is decided here, purely; functions/delivery-events.ts
 * applies it through the message, suppression, customer and engagement stores.
 */
export const EventGridEvent = z.object({
  id: z.string().min(1),
  eventType: z.string().min(1),
  eventTime: z.string().optional(),
  subject: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
});
export type EventGridEvent = z.infer<typeof EventGridEvent>;

const EmailDeliveryReport = z.object({
  messageId: z.string().min(1),
  recipient: z.string().optional(),
  status: z.string().min(1),
  deliveryStatusDetails: z.object({ statusMessage: z.string().optional() }).partial().optional(),
  deliveryAttemptTimestamp: z.string().optional(),
});

const EmailEngagement = z.object({
  messageId: z.string().min(1),
  recipient: z.string().optional(),
  engagementType: z.string().min(1),
  engagementContext: z.string().optional(),
  userActionTimestamp: z.string().optional(),
});

const SmsDeliveryReport = z.object({
  messageId: z.string().min(1),
  to: z.string().optional(),
  deliveryStatus: z.string().min(1),
  deliveryStatusDetails: z.string().optional(),
  receivedTimestamp: z.string().optional(),
  tag: z.string().optional(),
});

const SmsReceived = z.object({
  messageId: z.string().optional(),
  from: z.string().min(1),
  to: z.string().optional(),
  message: z.string(),
  receivedTimestamp: z.string().optional(),
});

export type DeliveryReport =
  | {
      kind: 'status';
      channel: Extract<MessageChannel, 'email' | 'sms'>;
      /** The provider's id of the send (ACS e-mail operation id, SMS message id). */
      providerMessageId: string;
      /** Our message id when the provider echoes it (SMS tag). */
      messageId?: string;
      status: Extract<MessageStatus, 'delivered' | 'bounced' | 'failed'>;
      reason: string;
      /** The address stops being used on this channel (hard bounce, provider suppression). */
      suppress: boolean;
      at: string;
    }
  | { kind: 'engagement'; providerMessageId: string; engagement: 'open' | 'click'; url?: string; at: string }
  | { kind: 'sms-reply'; from: string; stop: boolean; at: string }
  | { kind: 'ignored'; reason: string };

/**
 * Opt-out keywords carriers and CTIA recognise, plus the German ones (a reply is matched whole, trimmed,
 * case-insensitively, as the carriers do).
 */
export const smsStopKeywords = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'STOPP', 'ABMELDEN', 'ENDE'];

export function isStopReply(text: string): boolean {
  return smsStopKeywords.includes(text.trim().replace(/[.!]+$/, '').toUpperCase());
}

export function interpretEvent(event: EventGridEvent, receivedAt: Date): DeliveryReport {
  const fallbackAt = event.eventTime ?? receivedAt.toISOString();
  switch (event.eventType) {
    case 'Microsoft.Communication.EmailDeliveryReportReceived': {
      const data = EmailDeliveryReport.safeParse(event.data);
      if (!data.success) return { kind: 'ignored', reason: `malformed e-mail delivery report: ${data.error.issues[0]?.message}` };
      const d = data.data;
      const detail = d.deliveryStatusDetails?.statusMessage;
      const reason = detail ? `${d.status}: ${detail}` : d.status;
      const at = d.deliveryAttemptTimestamp ?? fallbackAt;
      const base = { kind: 'status' as const, channel: 'email' as const, providerMessageId: d.messageId, reason, at };
      switch (d.status) {
        case 'Delivered':
          return { ...base, status: 'delivered', suppress: false };
        // A hard bounce, or ACS refusing an address it already knows bounces: stop mailing it.
        case 'Bounced':
        case 'Suppressed':
          return { ...base, status: 'bounced', suppress: true };
        case 'Failed':
        case 'FilteredSpam':
        case 'Quarantined':
          return { ...base, status: 'failed', suppress: false };
        case 'Expanded':
          return { kind: 'ignored', reason: 'sent to a distribution list (Expanded): its members report separately' };
        default:
          return { kind: 'ignored', reason: `unknown e-mail delivery status ${d.status}` };
      }
    }
    case 'Microsoft.Communication.EmailEngagementTrackingReportReceived': {
      const data = EmailEngagement.safeParse(event.data);
      if (!data.success) return { kind: 'ignored', reason: `malformed engagement report: ${data.error.issues[0]?.message}` };
      const type = data.data.engagementType.toLowerCase();
      const engagement = type === 'view' || type === 'open' ? 'open' : type === 'click' ? 'click' : undefined;
      if (!engagement) return { kind: 'ignored', reason: `unknown engagement type ${data.data.engagementType}` };
      return {
        kind: 'engagement',
        providerMessageId: data.data.messageId,
        engagement,
        ...(engagement === 'click' && data.data.engagementContext ? { url: data.data.engagementContext } : {}),
        at: data.data.userActionTimestamp ?? fallbackAt,
      };
    }
    case 'Microsoft.Communication.SMSDeliveryReportReceived': {
      const data = SmsDeliveryReport.safeParse(event.data);
      if (!data.success) return { kind: 'ignored', reason: `malformed SMS delivery report: ${data.error.issues[0]?.message}` };
      const d = data.data;
      const reason = d.deliveryStatusDetails ? `${d.deliveryStatus}: ${d.deliveryStatusDetails}` : d.deliveryStatus;
      const base = { kind: 'status' as const, channel: 'sms' as const, providerMessageId: d.messageId, ...(d.tag ? { messageId: d.tag } : {}), reason, at: d.receivedTimestamp ?? fallbackAt };
      if (d.deliveryStatus === 'Delivered') return { ...base, status: 'delivered', suppress: false };
      // Undelivered SMS are not suppressed: a phone that is off or out of coverage is not a bad number.
      if (d.deliveryStatus === 'Failed') return { ...base, status: 'failed', suppress: false };
      return { kind: 'ignored', reason: `SMS delivery status ${d.deliveryStatus} is not final` };
    }
    case 'Microsoft.Communication.SMSReceived': {
      const data = SmsReceived.safeParse(event.data);
      if (!data.success) return { kind: 'ignored', reason: `malformed inbound SMS: ${data.error.issues[0]?.message}` };
      return { kind: 'sms-reply', from: data.data.from, stop: isStopReply(data.data.message), at: data.data.receivedTimestamp ?? fallbackAt };
    }
    default:
      return { kind: 'ignored', reason: `event type ${event.eventType} is not a delivery report` };
  }
}

/** Provider reports arrive out of order: a later, weaker status never overwrites a final one. */
const rank: Partial<Record<MessageStatus, number>> = { queued: 0, deferred: 0, sent: 1, delivered: 2, failed: 3, bounced: 3, complained: 4 };

export function shouldApplyStatus(current: MessageStatus, incoming: MessageStatus): boolean {
  if (current === 'skipped') return false;
  return (rank[incoming] ?? 0) > (rank[current] ?? 0);
}
