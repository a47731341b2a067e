import { z } from 'zod';

/**
 * The contract between journeys (which decide who gets what, when) and channels (which deliver it).
 * Journeys put an `OutboundMessage` on the `outbound-messages` queue; the dispatcher renders it with the
 * template store, applies the send-time checks, and hands a `Delivery` to the `ChannelAdapter` for its
 * channel. An adapter only delivers: it never decides consent, quiet hours or caps.
 */
export const MessageChannel = z.enum(['email', 'sms', 'push', 'mail', 'webhook']);
export type MessageChannel = z.infer<typeof MessageChannel>;

/** Where a message stands; `delivered`, `bounced`, `opened`, `clicked` come from provider reports. */
export const MessageStatus = z.enum(['queued', 'sent', 'deferred', 'skipped', 'failed', 'delivered', 'bounced', 'complained']);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** The parts a template renders to, per channel; absent parts are not used by that channel. */
export interface RenderedParts {
  locale: string;
  /** email */
  subject?: string;
  html?: string;
  /** email plain-text part, SMS body, printed letter body, webhook summary */
  text: string;
  /** push */
  title?: string;
}

/** Everything an adapter needs to deliver one message; addresses come from the customer profile. */
export interface Delivery {
  /** Derived from enrollment + step (+ attempt of the journey, never of the delivery): the same on redelivery. */
  messageId: string;
  customerId: string;
  channel: MessageChannel;
  /** Webhook only: the channel the receiver is asked to deliver on, when the journey step names one. */
  forChannel?: 'email' | 'sms' | 'push' | 'mail';
  templateId: string;
  journeyId?: string;
  stepId?: string;
  enrollmentId?: string;
  to: {
    email?: string;
    phone?: string;
    pushToken?: string;
    /** Which push service the token belongs to; when absent the push adapter tells APNs tokens (64 hex digits) from FCM. */
    pushPlatform?: 'fcmv1' | 'apns';
    name?: string;
    address?: { line1: string; line2?: string; postalCode: string; city: string; region?: string; country: string };
  };
  parts: RenderedParts;
  /** The coupon the message carries, when it carries one. */
  coupon?: { code: string; displayCode: string; barcodeValue: string; value: string; expiresAt: string };
  /** Unsubscribe URL for this customer and channel (email, SMS footer), when the app knows its public URL. */
  unsubscribeUrl?: string;
  /** Template variables as rendered, for adapters that forward structured data (webhook). */
  variables: Record<string, string>;
}

export type SendOutcome =
  | { kind: 'sent'; providerMessageId?: string }
  /** 429, 5xx, timeouts: try again later (the dispatcher reschedules with backoff, honouring retryAfterSeconds). */
  | { kind: 'transient'; reason: string; retryAfterSeconds?: number }
  /** Invalid address, 4xx: final, never retried. */
  | { kind: 'permanent'; reason: string };

export interface ChannelAdapter {
  readonly channel: MessageChannel;
  /** A short name for the startup banner and logs: "outbox", "acs-email", … */
  readonly provider: string;
  send(delivery: Delivery, now: Date): Promise<SendOutcome>;
}
