import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DayClock, formatDay } from '../analytics/days.js';
import type { KpiEvent } from './events.js';

/**
 * One document per enrollment with the raw facts the KPI events brought (deduplicated by eventId) and what
 * the enrollment currently contributes to its counter. The facts accumulate commutatively (sets, sums, the
 * earliest occurredAt per order), so events count once whatever their order; the contribution is derived from
 * the facts, so an `enrolled` event that arrives after the purchases still counts them.
 */
const msPerDay = 86_400_000;

export const EnrollmentFacts = z.object({
  version: z.number().int(),
  arm: z.string(),
  enteredAt: z.string(),
  /** Local calendar day of entry in the retailer's time zone, YYYY-MM-DD. */
  entryDay: z.string(),
  attributionDays: z.number().int(),
  segment: z.string().nullable(),
  channel: z.string().nullable(),
  preSpendMinor: z.number().int(),
  currency: z.string().nullable(),
  analysis: z.enum(['fixedHorizon', 'sequential']),
  split: z.record(z.string(), z.number()).nullable(),
  armIssuesCoupon: z.boolean().nullable(),
});
export type EnrollmentFacts = z.infer<typeof EnrollmentFacts>;

export const OrderFacts = z.object({
  /** Earliest occurredAt of a non-refund event of the order; null while only refunds are known. */
  occurredAt: z.string().nullable(),
  netMinor: z.number().int(),
  currency: z.string(),
});
export type OrderFacts = z.infer<typeof OrderFacts>;

/** What one enrollment adds to its counter cell. */
export const Contribution = z.object({
  cell: z.string(),
  /** 1 when at least one message went out */
  messaged: z.union([z.literal(0), z.literal(1)]),
  messages: z.number().int(),
  /** channel → messages sent on it */
  messagesByChannel: z.record(z.string(), z.number().int()),
  couponsIssued: z.number().int(),
  couponsRedeemed: z.number().int(),
  discountMinor: z.number().int(),
  reactivated: z.union([z.literal(0), z.literal(1)]),
  revenueMinor: z.number().int(),
  preSpendMinor: z.number().int(),
  /** orders left out because their currency differs from the enrollment's */
  foreignCurrencyOrders: z.number().int(),
});
export type Contribution = z.infer<typeof Contribution>;

export const OutcomeDocument = z.object({
  id: z.string(),
  kind: z.literal('outcome'),
  journeyId: z.string(),
  /** sha-256 of the enrollment id (the id itself may carry the customer id and be longer than a Cosmos id). */
  enrollmentKey: z.string(),
  customerId: z.string(),
  enrolled: EnrollmentFacts.nullable(),
  /** Short hashes of the eventIds applied. */
  applied: z.array(z.string()),
  messagesByChannel: z.record(z.string(), z.number().int()),
  couponsIssued: z.array(z.string()),
  /** code → discount, minor units */
  couponsRedeemed: z.record(z.string(), z.number().int()),
  /** code → the redemption counted in couponsRedeemed (when its event named it). */
  couponRedemptionIds: z.record(z.string(), z.string()).default({}),
  /** `<code>.<redemptionId>` of redemptions rolled back: their redemption event counts nothing, whenever it comes. */
  rolledBackRedemptions: z.array(z.string()).default([]),
  orders: z.record(z.string(), OrderFacts),
  /** What this document has added to the counters (null: nothing yet). */
  counted: Contribution.nullable(),
  updatedAt: z.string(),
});
export type OutcomeDocument = z.infer<typeof OutcomeDocument>;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
export const enrollmentKey = (enrollmentId: string) => sha(enrollmentId);
export const outcomeId = (enrollmentId: string) => `outcome:${enrollmentKey(enrollmentId).slice(0, 40)}`;
const eventHash = (eventId: string) => sha(eventId).slice(0, 24);

export function emptyOutcome(event: KpiEvent, now: Date): OutcomeDocument {
  return {
    id: outcomeId(event.enrollmentId),
    kind: 'outcome',
    journeyId: event.journeyId,
    enrollmentKey: enrollmentKey(event.enrollmentId),
    customerId: event.customerId,
    enrolled: null,
    applied: [],
    messagesByChannel: {},
    couponsIssued: [],
    couponsRedeemed: {},
    couponRedemptionIds: {},
    rolledBackRedemptions: [],
    orders: {},
    counted: null,
    updatedAt: now.toISOString(),
  };
}

/**
 * Applies one event to an enrollment's facts. Returns undefined when the event was applied before (its
 * eventId is recorded), so a redelivery changes nothing. Pure: the caller writes the result with its ETag.
 */
export function applyKpiEvent(current: OutcomeDocument | undefined, event: KpiEvent, now: Date, days: DayClock): OutcomeDocument | undefined {
  const hash = eventHash(event.eventId);
  if (current?.applied.includes(hash)) return undefined;
  const next: OutcomeDocument = structuredClone(current ?? emptyOutcome(event, now));
  next.applied.push(hash);
  next.updatedAt = now.toISOString();
  switch (event.type) {
    case 'enrolled': {
      // Set once: a second, different `enrolled` for the same enrollment is a producer bug; the first wins.
      if (next.enrolled === null) {
        const entryDay = days.dayOf(event.enteredAt)!;
        next.enrolled = {
          version: event.version,
          arm: event.arm,
          enteredAt: new Date(event.enteredAt).toISOString(),
          entryDay: formatDay(entryDay),
          attributionDays: event.attributionDays,
          segment: event.segment,
          channel: event.channel ?? null,
          preSpendMinor: event.preSpendMinor,
          currency: event.currency,
          analysis: event.analysis,
          split: event.split ?? null,
          armIssuesCoupon: event.armIssuesCoupon ?? null,
        };
      }
      break;
    }
    case 'messaged':
      next.messagesByChannel[event.channel] = (next.messagesByChannel[event.channel] ?? 0) + 1;
      break;
    case 'couponIssued':
      if (!next.couponsIssued.includes(event.code)) next.couponsIssued.push(event.code);
      break;
    case 'couponRedeemed':
      // A rollback can overtake its redemption (different queues): then the redemption is not counted.
      if (event.redemptionId !== undefined && next.rolledBackRedemptions.includes(`${event.code}.${event.redemptionId}`)) break;
      next.couponsRedeemed[event.code] = event.discountMinor;
      if (event.redemptionId === undefined) delete next.couponRedemptionIds[event.code];
      else next.couponRedemptionIds[event.code] = event.redemptionId;
      break;
    case 'couponRedemptionRolledBack':
      next.rolledBackRedemptions.push(`${event.code}.${event.redemptionId}`);
      // Only the redemption that is counted: a later redemption of the same code (after this rollback made
      // the coupon usable again) stays.
      if (next.couponRedemptionIds[event.code] === event.redemptionId) {
        delete next.couponsRedeemed[event.code];
        delete next.couponRedemptionIds[event.code];
      }
      break;
    case 'purchase': {
      const order = next.orders[event.orderId] ?? { occurredAt: null, netMinor: 0, currency: event.currency };
      order.netMinor += event.amountMinor;
      const occurredAt = new Date(event.occurredAt).toISOString();
      if (!event.refund && (order.occurredAt === null || occurredAt < order.occurredAt)) order.occurredAt = occurredAt;
      next.orders[event.orderId] = order;
      break;
    }
    default: {
      const exhaustive: never = event;
      return exhaustive;
    }
  }
  return next;
}

/** The currency an enrollment's money is counted in: the one recorded at entry, else its first order's. */
export function outcomeCurrency(doc: OutcomeDocument): string | null {
  if (doc.enrolled?.currency) return doc.enrolled.currency;
  const first = Object.values(doc.orders)
    .filter((o) => o.occurredAt !== null)
    .sort((a, b) => a.occurredAt!.localeCompare(b.occurredAt!))[0];
  return first?.currency ?? null;
}

/** The counter cell an enrollment belongs to: every dimension the KPI read filters or groups on. */
export interface CellKey {
  version: number;
  arm: string;
  entryDay: string;
  segment: string | null;
  channel: string | null;
  currency: string | null;
}

export const cellOf = (doc: OutcomeDocument): CellKey | null =>
  doc.enrolled === null
    ? null
    : {
        version: doc.enrolled.version,
        arm: doc.enrolled.arm,
        entryDay: doc.enrolled.entryDay,
        segment: doc.enrolled.segment,
        channel: doc.enrolled.channel,
        currency: outcomeCurrency(doc),
      };

export const cellId = (key: CellKey): string => JSON.stringify([key.version, key.arm, key.entryDay, key.segment, key.channel, key.currency]);

/**
 * What an enrollment counts for, or null before its `enrolled` event. An order counts when its first
 * (non-refund) event occurred in [enteredAt, enteredAt + attributionDays days), whatever channel or how late it
 * was sent; its refunds net out whenever they come. Reactivated: at least one such order with a positive net.
 */
export function contributionOf(doc: OutcomeDocument): Contribution | null {
  const cell = cellOf(doc);
  if (cell === null || doc.enrolled === null) return null;
  const start = Date.parse(doc.enrolled.enteredAt);
  const end = start + doc.enrolled.attributionDays * msPerDay;
  let revenueMinor = 0;
  let reactivated: 0 | 1 = 0;
  let foreignCurrencyOrders = 0;
  for (const order of Object.values(doc.orders)) {
    if (order.occurredAt === null) continue;
    const at = Date.parse(order.occurredAt);
    if (at < start || at >= end) continue;
    if (cell.currency !== null && order.currency !== cell.currency) {
      foreignCurrencyOrders++;
      continue;
    }
    revenueMinor += order.netMinor;
    if (order.netMinor > 0) reactivated = 1;
  }
  const messagesByChannel = { ...doc.messagesByChannel };
  return {
    cell: cellId(cell),
    messaged: Object.values(messagesByChannel).some((n) => n > 0) ? 1 : 0,
    messages: Object.values(messagesByChannel).reduce((s, n) => s + n, 0),
    messagesByChannel,
    couponsIssued: doc.couponsIssued.length,
    couponsRedeemed: Object.keys(doc.couponsRedeemed).length,
    discountMinor: Object.values(doc.couponsRedeemed).reduce((s, n) => s + n, 0),
    reactivated,
    revenueMinor,
    preSpendMinor: doc.enrolled.preSpendMinor,
    foreignCurrencyOrders,
  };
}

/** Window end of an enrollment (for "windows still open" in the read). */
export const windowEnd = (facts: EnrollmentFacts): number => Date.parse(facts.enteredAt) + facts.attributionDays * msPerDay;
