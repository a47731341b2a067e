import { app, type InvocationContext } from '@azure/functions';
import { RedemptionEvent } from '../shared/coupons/redemption-events.js';
import { recordRedemption } from '../shared/coupons/service.js';
import { decodeMessage } from '../shared/messaging/decode.js';
import { queues, serviceBusConnectionName } from '../shared/resources.js';
import { logger, messageCorrelationId } from '../shared/log.js';
import { services } from '../shared/services.js';

/**
 * redemption-events → the redemption's purchase, its deferred budget delta and, for a journey's coupon, its
 * `couponRedeemed` KPI fact (shared/coupons/service.ts `recordRedemption`). Each is idempotent, so
 * infrastructure errors throw and the message is redelivered; a malformed message can never succeed and is
 * logged and completed.
 */
export async function redemptionsRecord(message: unknown, context: InvocationContext): Promise<void> {
  const request = decodeMessage(RedemptionEvent, message, 'redemption event', (line) => context.error(line));
  if (request === undefined) return;
  const { runtime, coupons } = services();
  const log = logger(context, { correlationId: messageCorrelationId(context), redemptionId: request.redemptionId });
  const outcome = await recordRedemption({ ...coupons, bus: runtime.bus, log: (line) => log.warn('redemption.warning', { detail: line }) }, request, runtime.clock.now());
  log.info('redemption.recorded', { customerId: request.purchase.customerId, code: request.code, purchase: outcome.purchase, budget: outcome.budget });
}

app.serviceBusQueue('redemptions-record', {
  queueName: queues.redemptionEvents.name,
  connection: serviceBusConnectionName,
  handler: redemptionsRecord,
});
