import type { Coupon, Redemption } from '../coupons/coupon.js';
import type { IssueCouponRequest } from '../coupons/requests.js';
import type { KpiEvent } from '../kpis/events.js';
import { chooseChannel } from '../messages/guardrails.js';
import type { MessageBus } from '../messaging/bus.js';
import { queues } from '../resources.js';
import { contactFacts } from './customer-facts.js';
import type { JourneyDefinition } from './definition.js';
import type { Enrollment } from './enrollment.js';

/** KPI facts go to `kpi-events` with messageId = eventId, so a repeated fact is one message (and one count). */
export async function sendKpiEvents(bus: Pick<MessageBus, 'send'>, events: readonly KpiEvent[]): Promise<void> {
  if (events.length === 0) return;
  await bus.send(
    queues.kpiEvents.name,
    events.map((event) => ({ messageId: event.eventId, subject: event.type, body: event })),
  );
}

/**
 * The configured split of a version as shares of all entrants: 'control' → the holdout share, each arm →
 * its weight's part of the rest (what the sample-ratio check compares the enrolled counts with).
 */
export function configuredSplit(definition: Pick<JourneyDefinition, 'experiment'>): Record<string, number> {
  const { holdoutPercent, arms } = definition.experiment;
  const holdout = holdoutPercent / 100;
  const total = arms.reduce((sum, a) => sum + a.weight, 0);
  const split: Record<string, number> = { control: holdout };
  for (const arm of arms) split[arm.name] = (split[arm.name] ?? 0) + ((1 - holdout) * arm.weight) / total;
  return split;
}

/**
 * The channel planned for the customer at entry: their preferred channel with consent and contact data, else
 * the journey's preference order — decided from the profile alone, the same way for every arm and the
 * holdout, so `GET /api/kpis?channel=` compares like with like. Null when no channel would reach them.
 */
export function plannedChannel(definition: Pick<JourneyDefinition, 'channelPreference'>, customer: Record<string, unknown> | undefined, retailerTimeZone: string): string | null {
  const choice = chooseChannel('preferred', definition.channelPreference, contactFacts(customer, retailerTimeZone), []);
  return choice.ok ? choice.channel : null;
}

export interface EntryFacts {
  customer: Record<string, unknown> | undefined;
  /** Segment now, when the enrollment recorded none. */
  segment: string | null;
  /** Net spend in the 90 days before entry (CUPED covariate). */
  preSpend: { minor: number; currency: string | null };
  retailerTimeZone: string;
}

/** The `enrolled` fact of an enrollment (pure): one per enrollment, its eventId from the enrollment id. */
export function enrolledEvent(enrollment: Enrollment, definition: JourneyDefinition, facts: EntryFacts): KpiEvent {
  const steps = definition.experiment.arms.find((a) => a.name === enrollment.arm)?.steps ?? [];
  return {
    eventId: `enrolled:${enrollment.id}`,
    type: 'enrolled',
    journeyId: enrollment.journeyId,
    enrollmentId: enrollment.id,
    customerId: enrollment.customerId,
    version: enrollment.version,
    arm: enrollment.arm,
    enteredAt: enrollment.enteredAt,
    attributionDays: enrollment.attributionDays,
    segment: enrollment.segmentAtEntry ?? facts.segment,
    preSpendMinor: facts.preSpend.minor,
    currency: facts.preSpend.currency,
    analysis: 'fixedHorizon',
    channel: plannedChannel(definition, facts.customer, facts.retailerTimeZone),
    split: configuredSplit(definition),
    armIssuesCoupon: steps.some((s) => s.type === 'issueCoupon'),
  };
}

/**
 * A journey's coupon, reported once (eventId from the request): also when the request was served before, so
 * a crash between issuing and reporting is healed by the redelivery. Requests from elsewhere report nothing.
 */
export function couponIssuedEvents(request: IssueCouponRequest, coupon: Pick<Coupon, 'code' | 'offerId' | 'issuedAt'>): KpiEvent[] {
  if (request.enrollmentId === undefined || request.journeyId === undefined) return [];
  return [{ eventId: `couponIssued:${request.requestId}`, type: 'couponIssued', journeyId: request.journeyId, enrollmentId: request.enrollmentId, customerId: request.customerId, code: coupon.code, offerId: coupon.offerId, at: coupon.issuedAt }];
}

/** A rolled-back redemption of a journey's coupon, or nothing; one event per redemption however often it is rolled back. */
export function couponRolledBackEvents(coupon: Pick<Coupon, 'code' | 'customerId' | 'journeyId' | 'enrollmentId'>, redemptionId: string, at: Date): KpiEvent[] {
  if (coupon.enrollmentId === undefined || coupon.journeyId === undefined) return [];
  return [
    {
      eventId: `couponRedemptionRolledBack:${coupon.code}.${redemptionId}`,
      type: 'couponRedemptionRolledBack',
      journeyId: coupon.journeyId,
      enrollmentId: coupon.enrollmentId,
      customerId: coupon.customerId,
      code: coupon.code,
      redemptionId,
      at: at.toISOString(),
    },
  ];
}

/**
 * A redemption of a journey's coupon (one the coupon knows the enrollment of), or nothing. The eventId is the
 * public redemption id, so a replayed or redelivered redemption counts once; a rollback and a later
 * redemption of the same code stay one redeemed coupon, because the KPI side keys redemptions by code.
 */
export function couponRedeemedEvents(coupon: Pick<Coupon, 'code' | 'customerId' | 'journeyId' | 'enrollmentId'>, redemption: Pick<Redemption, 'redemptionId' | 'discountMinor' | 'currency' | 'at'>): KpiEvent[] {
  if (coupon.enrollmentId === undefined || coupon.journeyId === undefined) return [];
  return [
    {
      eventId: `couponRedeemed:${coupon.code}.${redemption.redemptionId}`,
      type: 'couponRedeemed',
      journeyId: coupon.journeyId,
      enrollmentId: coupon.enrollmentId,
      customerId: coupon.customerId,
      code: coupon.code,
      redemptionId: redemption.redemptionId,
      discountMinor: redemption.discountMinor,
      currency: redemption.currency,
      at: new Date(redemption.at).toISOString(),
    },
  ];
}
