import type { Container } from '@azure/cosmos';
import type { MessageChannel } from '../messages/contract.js';
import type { DocumentStore } from '../storage/documents.js';

/**
 * Engagement per message (delivered, opened, clicked) and the per-customer rates derived from it, kept in the
 * customer's partition of the `messages` container (id `engagement`), so erasing the customer's messages
 * erases it too. The rates are copied onto the customer document (`engagement`), where segment rules and
 * journey audiences read customer fields.
 */
export interface MessageEngagement {
  channel: MessageChannel;
  deliveredAt?: string;
  openedAt?: string;
  clickedAt?: string;
  clicks: number;
  lastClickUrl?: string;
}

export interface EngagementDocument {
  id: 'engagement';
  type: 'engagement';
  customerId: string;
  /** Increases with every change: the copy on the customer document is only ever replaced by a newer one. */
  version: number;
  messages: Record<string, MessageEngagement>;
  updatedAt: string;
}

/** The most recent messages the rates are computed over; older ones drop out, so the rate follows behaviour. */
export const engagementWindow = 100;

export type EngagementEvent =
  | { kind: 'delivered'; messageId: string; channel: MessageChannel; at: string }
  | { kind: 'open' | 'click'; messageId: string; channel: MessageChannel; at: string; url?: string };

/** Applies one event; undefined when it changes nothing (a redelivered report). */
export function recordEngagement(doc: EngagementDocument | undefined, customerId: string, event: EngagementEvent, now: Date): EngagementDocument | undefined {
  const current = doc ?? { id: 'engagement', type: 'engagement', customerId, version: 0, messages: {}, updatedAt: now.toISOString() };
  const before = current.messages[event.messageId];
  const entry: MessageEngagement = { channel: event.channel, clicks: 0, ...before };
  switch (event.kind) {
    case 'delivered':
      if (entry.deliveredAt) return undefined;
      entry.deliveredAt = event.at;
      break;
    case 'open':
      if (entry.openedAt) return undefined;
      entry.openedAt = event.at;
      break;
    case 'click':
      // Every click counts (Event Grid may redeliver one: the report id is deduplicated by Service Bus).
      entry.clickedAt ??= event.at;
      entry.clicks += 1;
      if (event.url) entry.lastClickUrl = event.url;
      break;
    default: {
      const exhaustive: never = event;
      return exhaustive;
    }
  }
  const messages = { ...current.messages, [event.messageId]: entry };
  const kept = Object.entries(messages)
    .sort(([, a], [, b]) => (firstSeen(b) < firstSeen(a) ? -1 : firstSeen(b) > firstSeen(a) ? 1 : 0))
    .slice(0, engagementWindow);
  return { ...current, version: current.version + 1, messages: Object.fromEntries(kept), updatedAt: now.toISOString() };
}

function firstSeen(e: MessageEngagement): string {
  return [e.deliveredAt, e.openedAt, e.clickedAt].filter((x): x is string => x !== undefined).sort()[0] ?? '';
}

export interface CouponFacts {
  status: 'issued' | 'redeemed';
}

export interface CustomerEngagementFields {
  /** Messages opened or clicked ÷ messages delivered (e-mail, where opens are reported); null before any. */
  engagementRate: number | null;
  /** Coupons redeemed ÷ coupons received; null before the first coupon. */
  couponRedemptionRate: number | null;
  messagesDelivered: number;
  messagesEngaged: number;
  couponsReceived: number;
  couponsRedeemed: number;
  version: number;
  computedAt: string;
}

export function engagementFields(doc: EngagementDocument, coupons: readonly CouponFacts[], now: Date): CustomerEngagementFields {
  const tracked = Object.values(doc.messages).filter((m) => m.channel === 'email');
  const delivered = tracked.filter((m) => m.deliveredAt || m.openedAt || m.clickedAt).length;
  const engaged = tracked.filter((m) => m.openedAt || m.clickedAt).length;
  const redeemed = coupons.filter((c) => c.status === 'redeemed').length;
  return {
    engagementRate: delivered > 0 ? engaged / delivered : null,
    couponRedemptionRate: coupons.length > 0 ? redeemed / coupons.length : null,
    messagesDelivered: delivered,
    messagesEngaged: engaged,
    couponsReceived: coupons.length,
    couponsRedeemed: redeemed,
    version: doc.version,
    computedAt: now.toISOString(),
  };
}

export class EngagementStore {
  constructor(private readonly docs: DocumentStore<EngagementDocument>) {}

  /** Records an event with the document's ETag; returns the new document, or undefined when nothing changed. */
  async record(customerId: string, event: EngagementEvent, now: Date): Promise<EngagementDocument | undefined> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const found = await this.docs.get(customerId, 'engagement');
      const next = recordEngagement(found?.value, customerId, event, now);
      if (!next) return undefined;
      const outcome = found ? await this.docs.replace(customerId, next, found.etag) : await this.docs.create(customerId, next);
      if (outcome === 'ok') return next;
    }
    throw Object.assign(new Error(`too much contention on the engagement of ${customerId}`), { code: 503 });
  }

  async get(customerId: string): Promise<EngagementDocument | undefined> {
    return (await this.docs.get(customerId, 'engagement'))?.value;
  }
}

/** Where the derived fields land: the customer document (`/engagement`), never overwritten by an older version. */
export interface CustomerEngagementWriter {
  write(customerId: string, fields: CustomerEngagementFields): Promise<void>;
}

export class CosmosCustomerEngagementWriter implements CustomerEngagementWriter {
  constructor(private readonly customers: Container) {}

  async write(customerId: string, fields: CustomerEngagementFields): Promise<void> {
    try {
      await this.customers.item(customerId, customerId).patch({
        operations: [{ op: 'set', path: '/engagement', value: fields }],
        condition: `FROM c WHERE NOT IS_DEFINED(c.engagement) OR c.engagement.version < ${Math.floor(fields.version)}`,
      });
    } catch (error) {
      const code = (error as { code?: number }).code;
      // 412: a newer version is already there; 404: no customer document (erased) — nothing to write.
      if (code === 412 || code === 404) return;
      throw error;
    }
  }
}

/** `GET /api/customers/{id}/engagement`: the rates and what each recent message got (delivered, opened, clicked). */
export function engagementView(doc: EngagementDocument | undefined, fields: CustomerEngagementFields) {
  const messages = Object.entries(doc?.messages ?? {})
    .map(([messageId, m]) => ({
      messageId,
      channel: m.channel,
      deliveredAt: m.deliveredAt ?? null,
      openedAt: m.openedAt ?? null,
      clickedAt: m.clickedAt ?? null,
      clicks: m.clicks,
      ...(m.lastClickUrl ? { lastClickUrl: m.lastClickUrl } : {}),
    }))
    .sort((a, b) => (a.messageId < b.messageId ? -1 : 1));
  return {
    engagementRate: fields.engagementRate,
    couponRedemptionRate: fields.couponRedemptionRate,
    messagesDelivered: fields.messagesDelivered,
    messagesEngaged: fields.messagesEngaged,
    couponsReceived: fields.couponsReceived,
    couponsRedeemed: fields.couponsRedeemed,
    computedAt: fields.computedAt,
    messages,
  };
}
