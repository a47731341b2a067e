import { app, type InvocationContext } from '@azure/functions';
import { IssueCouponRequest } from '../shared/coupons/requests.js';
import { issueCoupon } from '../shared/coupons/service.js';
import { queues, serviceBusConnectionName } from '../shared/resources.js';
import { services } from '../shared/services.js';
import { issuesOf } from '../shared/webhooks/common.js';
import { couponIssuedEvents, sendKpiEvents } from '../shared/journeys/kpi.js';

/**
 * coupon-requests → one coupon per requestId. Refusals (budget spent, limit reached, unknown offer…) are
 * final answers: logged, and the message is completed. A malformed message can never succeed either, so it
 * is logged and completed rather than retried ten times. Infrastructure errors throw: the message is
 * redelivered, and issuing is idempotent on requestId, so a redelivery never creates a second coupon.
 */
export async function couponsIssue(message: unknown, context: InvocationContext): Promise<void> {
  let body = message;
  if (typeof message === 'string') {
    try {
      body = JSON.parse(message);
    } catch {
      context.error('coupon request is not JSON; dropped');
      return;
    }
  }
  const parsed = IssueCouponRequest.safeParse(body);
  if (!parsed.success) {
    context.error(`invalid coupon request, dropped: ${issuesOf(parsed.error).join('; ')}`);
    return;
  }
  const { runtime, coupons } = services();
  const outcome = await issueCoupon({ ...coupons, log: (line) => context.warn(line) }, parsed.data, runtime.clock.now());
  if (outcome.kind !== 'refused') await sendKpiEvents(runtime.bus, couponIssuedEvents(parsed.data, outcome.coupon));
  switch (outcome.kind) {
    case 'issued':
      context.log(`request ${parsed.data.requestId}: issued ${outcome.coupon.code} (offer ${outcome.coupon.offerId})`);
      return;
    case 'existing':
      context.log(`request ${parsed.data.requestId}: already served (${outcome.coupon.code}); nothing written`);
      return;
    case 'refused':
      context.warn(`request ${parsed.data.requestId}: refused, ${outcome.reason}: ${outcome.detail}`);
      return;
    default: {
      const exhaustive: never = outcome;
      return exhaustive;
    }
  }
}

app.serviceBusQueue('coupons-issue', {
  queueName: queues.couponRequests.name,
  connection: serviceBusConnectionName,
  handler: couponsIssue,
});
