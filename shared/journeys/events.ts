import { z } from 'zod';
import type { Purchase } from '../purchases/schema.js';
import type { OutboundMessage } from '../messaging/bus.js';
import type { Trigger } from './definition.js';
import { enroll, onPurchase, type EnrollOutcome, type JourneyDeps } from './engine.js';
import type { EnrollmentTrigger } from './enrollment.js';
import type { JourneyState } from './store.js';

/**
 * What arrives on `customer-events` and what journeys do with it. Segmentation sends `segment.changed`;
 * every recorded purchase (ingest, redemptions, shop webhooks) sends `purchase.recorded`; `POST /api/events`
 * sends `custom.event`; `POST /api/journeys/{id}/enrollments` fans out as `enrollment.requested`.
 */
const props = z.record(z.string().max(64), z.union([z.string().max(1000), z.number(), z.boolean()]));

export const SegmentChanged = z.object({ type: z.literal('segment.changed'), customerId: z.string(), runId: z.string(), from: z.string().nullable(), to: z.string() }).loose();
export const PurchaseRecorded = z.object({
  type: z.literal('purchase.recorded'),
  customerId: z.string(),
  purchaseId: z.string(),
  orderId: z.string(),
  source: z.string(),
  occurredAt: z.string(),
  totalMinor: z.number().int(),
  currency: z.string(),
  purchaseType: z.enum(['purchase', 'refund']),
  /** A refund's original order: the KPI side nets the refund against that order. */
  originalOrderId: z.string().optional(),
});
export const CustomEvent = z.object({ type: z.literal('custom.event'), eventId: z.string(), name: z.string(), customerId: z.string(), occurredAt: z.string(), properties: props.default({}) });
export const EnrollmentRequested = z.object({ type: z.literal('enrollment.requested'), journeyId: z.string(), customerId: z.string(), key: z.string(), applyAudience: z.boolean() });

export const CustomerEvent = z.discriminatedUnion('type', [SegmentChanged, PurchaseRecorded, CustomEvent, EnrollmentRequested]);
export type CustomerEvent = z.infer<typeof CustomerEvent>;

/** The `purchase.recorded` message of a stored purchase; its id is the purchase's, so a repeat is one message. */
export function purchaseRecordedMessage(purchase: Purchase): OutboundMessage {
  const body: z.infer<typeof PurchaseRecorded> = {
    type: 'purchase.recorded',
    customerId: purchase.customerId,
    purchaseId: purchase.id,
    orderId: purchase.orderId,
    source: purchase.source,
    occurredAt: purchase.occurredAt,
    totalMinor: purchase.totalMinor,
    currency: purchase.currency,
    purchaseType: purchase.type === 'refund' ? 'refund' : 'purchase',
    ...(purchase.originalOrderId === undefined ? {} : { originalOrderId: purchase.originalOrderId }),
  };
  return { messageId: `purchase.recorded:${purchase.id}`, subject: 'purchase.recorded', body };
}

export interface EventDeps extends JourneyDeps {
  /** Purchases (not refunds) the customer has made, to spot first purchases and milestones. */
  purchaseCount(customerId: string): Promise<number>;
}

type Entry = { journey: JourneyState; trigger: EnrollmentTrigger; reason: string };

/** Which active journeys an event starts, and under which trigger key (pure). */
export function entriesFor(event: CustomerEvent, journeys: readonly JourneyState[], facts: { purchaseCount?: number; convertedJourneys?: readonly string[] }): Entry[] {
  const out: Entry[] = [];
  for (const journey of journeys) {
    if (journey.status !== 'active') continue;
    const t: Trigger = journey.definition.trigger;
    switch (event.type) {
      case 'segment.changed':
        if (t.type === 'segmentEntered' && event.from !== event.to && t.segments.includes(event.to)) {
          out.push({ journey, trigger: { type: t.type, key: `segment:${event.runId}`, segment: event.to }, reason: `segment.changed ${event.from ?? 'none'} → ${event.to} (run ${event.runId})` });
        }
        break;
      case 'purchase.recorded':
        if (event.purchaseType !== 'purchase') break;
        if (t.type === 'firstPurchase' && facts.purchaseCount === 1) out.push({ journey, trigger: { type: t.type, key: 'first-purchase' }, reason: `first purchase ${event.orderId}` });
        if (t.type === 'purchaseCount' && facts.purchaseCount === t.count) out.push({ journey, trigger: { type: t.type, key: `purchase-count:${t.count}` }, reason: `purchase #${t.count} (${event.orderId})` });
        if (t.type === 'journeyConverted') {
          const from = (facts.convertedJourneys ?? []).find((j) => t.journeys.includes(j));
          if (from) out.push({ journey, trigger: { type: t.type, key: `converted:${event.purchaseId}` }, reason: `converted in ${from} by purchase ${event.orderId}` });
        }
        break;
      case 'custom.event':
        if (t.type === 'event' && t.name === event.name) {
          out.push({ journey, trigger: { type: t.type, key: `event:${event.eventId}`, eventName: event.name, eventProperties: event.properties }, reason: `event ${event.name} (${event.eventId})` });
        }
        break;
      case 'enrollment.requested':
        break;
      default: {
        const exhaustive: never = event;
        return exhaustive;
      }
    }
  }
  return out;
}

export interface EventOutcome {
  enrolled: number;
  refused: { journeyId: string; reason: string }[];
  converted: number;
}

export async function handleCustomerEvent(deps: EventDeps, event: CustomerEvent, now: Date): Promise<EventOutcome> {
  const outcome: EventOutcome = { enrolled: 0, refused: [], converted: 0 };
  const count = (result: EnrollOutcome, journeyId: string) => {
    if (result.kind === 'enrolled') outcome.enrolled++;
    else if (result.kind === 'refused') outcome.refused.push({ journeyId, reason: result.reason });
  };
  if (event.type === 'enrollment.requested') {
    const journey = await deps.journeys.get(event.journeyId);
    if (!journey) {
      outcome.refused.push({ journeyId: event.journeyId, reason: 'unknown journey' });
      return outcome;
    }
    const result = await enroll(deps, journey, event.customerId, { type: 'manual', key: event.key }, now, { applyAudience: event.applyAudience, reason: 'enrolled through the API' });
    count(result, journey.journeyId);
    return outcome;
  }
  const journeys = await deps.journeys.list();
  const facts: { purchaseCount?: number; convertedJourneys?: string[] } = {};
  if (event.type === 'purchase.recorded') {
    const { converted } = await onPurchase(deps, { ...event, refund: event.purchaseType === 'refund' }, now);
    outcome.converted = converted.length;
    facts.convertedJourneys = converted.map((e) => e.journeyId);
    const countsMatter = journeys.some((j) => j.status === 'active' && (j.definition.trigger.type === 'firstPurchase' || j.definition.trigger.type === 'purchaseCount'));
    if (countsMatter && event.purchaseType === 'purchase') facts.purchaseCount = await deps.purchaseCount(event.customerId);
  }
  for (const entry of entriesFor(event, journeys, facts)) {
    count(await enroll(deps, entry.journey, event.customerId, entry.trigger, now, { applyAudience: true, reason: entry.reason }), entry.journey.journeyId);
  }
  return outcome;
}
