import { app, type InvocationContext } from '@azure/functions';
import { documentTrigger } from '../shared/http/openapi.js';
import { IssueCouponRequest } from '../shared/coupons/requests.js';
import { issueCoupon } from '../shared/coupons/service.js';
import { decodeMessage } from '../shared/messaging/decode.js';
import { queues, serviceBusConnectionName } from '../shared/resources.js';
import { logger, messageCorrelationId } from '../shared/log.js';
import { services } from '../shared/services.js';
import { couponIssuedEvents, sendKpiEvents } from '../shared/journeys/kpi.js';

/**
 * coupon-requests → one coupon per requestId. Refusals (budget spent, limit reached, unknown offer…) are
 * final answers: logged, and the message is completed. A malformed message can never succeed either, so it
 * is logged and completed rather than retried ten times. Infrastructure errors throw: the message is
 * redelivered, and issuing is idempotent on requestId, so a redelivery never creates a second coupon.
 */
export async function couponsIssue(message: unknown, context: InvocationContext): Promise<void> {
  const request = decodeMessage(IssueCouponRequest, message, 'coupon request', (line) => context.error(line));
  if (request === undefined) return;
  const { runtime, coupons } = services();
  const { requestId, customerId, journeyId, offerId } = request;
  const log = logger(context, { correlationId: messageCorrelationId(context), requestId, customerId, journeyId, offerId });
  const outcome = await issueCoupon({ ...coupons, log: (line) => log.warn('coupon.warning', { detail: line }) }, request, runtime.clock.now());
  if (outcome.kind !== 'refused') await sendKpiEvents(runtime.bus, couponIssuedEvents(request, outcome.coupon));
  switch (outcome.kind) {
    case 'issued':
      log.info('coupon.issued', { code: outcome.coupon.code });
      return;
    case 'existing':
      log.info('coupon.already_issued', { code: outcome.coupon.code, detail: 'request served before; nothing written' });
      return;
    case 'refused':
      log.warn('coupon.refused', { reason: outcome.reason, detail: outcome.detail });
      return;
    default: {
      const exhaustive: never = outcome;
      return exhaustive;
    }
  }
}

documentTrigger('coupons-issue', { input: { customerId: 'C-42', offerId: 'winback-default', requestId: 'demo-0001' } });

app.serviceBusQueue('coupons-issue', {
  queueName: queues.couponRequests.name,
  connection: serviceBusConnectionName,
  handler: couponsIssue,
});
