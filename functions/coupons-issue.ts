import { app, type InvocationContext } from '@azure/functions';
import { IssueCouponRequest } from '../shared/coupons/requests.js';
import { issueCoupon } from '../shared/coupons/service.js';
import { decodeMessage } from '../shared/messaging/decode.js';
import { queues, serviceBusConnectionName } from '../shared/resources.js';
import { services } from '../shared/services.js';

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
  const outcome = await issueCoupon({ ...coupons, log: (line) => context.warn(line) }, request, runtime.clock.now());
  switch (outcome.kind) {
    case 'issued':
      context.log(`request ${request.requestId}: issued ${outcome.coupon.code} (offer ${outcome.coupon.offerId})`);
      return;
    case 'existing':
      context.log(`request ${request.requestId}: already served (${outcome.coupon.code}); nothing written`);
      return;
    case 'refused':
      context.warn(`request ${request.requestId}: refused, ${outcome.reason}: ${outcome.detail}`);
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
