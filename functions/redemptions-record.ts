import { app, type InvocationContext } from '@azure/functions';
import { RedemptionEvent } from '../shared/coupons/redemption-events.js';
import { recordRedemption } from '../shared/coupons/service.js';
import { queues, serviceBusConnectionName } from '../shared/resources.js';
import { logger, messageCorrelationId } from '../shared/log.js';
import { services } from '../shared/services.js';
import { issuesOf } from '../shared/webhooks/common.js';

/**
 * redemption-events → the redemption's purchase and its deferred budget delta (shared/coupons/service.ts
 * `recordRedemption`). Both writes are idempotent, so infrastructure errors throw and the message is
 * redelivered; a malformed message can never succeed and is logged and completed.
 */
export async function redemptionsRecord(message: unknown, context: InvocationContext): Promise<void> {
  let body = message;
  if (typeof message === 'string') {
    try {
      body = JSON.parse(message);
    } catch {
      context.error('redemption event is not JSON; dropped');
      return;
    }
  }
  const parsed = RedemptionEvent.safeParse(body);
  if (!parsed.success) {
    context.error(`invalid redemption event, dropped: ${issuesOf(parsed.error).join('; ')}`);
    return;
  }
  const { runtime, coupons } = services();
  const log = logger(context, { correlationId: messageCorrelationId(context), redemptionId: parsed.data.redemptionId });
  const outcome = await recordRedemption({ ...coupons, log: (line) => log.warn('redemption.warning', { detail: line }) }, parsed.data, runtime.clock.now());
  log.info('redemption.recorded', { customerId: parsed.data.purchase.customerId, code: parsed.data.code, purchase: outcome.purchase, budget: outcome.budget });
}

app.serviceBusQueue('redemptions-record', {
  queueName: queues.redemptionEvents.name,
  connection: serviceBusConnectionName,
  handler: redemptionsRecord,
});
