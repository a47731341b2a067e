import type { Coupon } from '../coupons/coupon.js';
import type { IssueCouponRequest } from '../coupons/requests.js';
import type { KpiEvent } from '../kpis/events.js';
import type { MessageBus } from '../messaging/bus.js';
import { queues } from '../resources.js';

/** KPI facts go to `kpi-events` with messageId = eventId, so a repeated fact is one message (and one count). */
export async function sendKpiEvents(bus: Pick<MessageBus, 'send'>, events: readonly KpiEvent[]): Promise<void> {
  if (events.length === 0) return;
  await bus.send(
    queues.kpiEvents.name,
    events.map((event) => ({ messageId: event.eventId, subject: event.type, body: event })),
  );
}

/**
 * A journey's coupon, reported once (eventId from the request): also when the request was served before, so
 * a crash between issuing and reporting is healed by the redelivery. Requests from elsewhere report nothing.
 */
export function couponIssuedEvents(request: IssueCouponRequest, coupon: Pick<Coupon, 'code' | 'offerId' | 'issuedAt'>): KpiEvent[] {
  if (request.enrollmentId === undefined || request.journeyId === undefined) return [];
  return [{ eventId: `couponIssued:${request.requestId}`, type: 'couponIssued', journeyId: request.journeyId, enrollmentId: request.enrollmentId, customerId: request.customerId, code: coupon.code, offerId: coupon.offerId, at: coupon.issuedAt }];
}
