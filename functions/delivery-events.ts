import { app, type InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { EventGridEvent } from '../shared/channels/delivery-events.js';
import { applyDeliveryEvent } from '../shared/channels/delivery-service.js';
import { decodeQueueMessage } from '../shared/messaging/decode.js';
import { logger, messageCorrelationId } from '../shared/log.js';
import { queues, serviceBusConnectionName } from '../shared/resources.js';
import { services } from '../shared/services.js';

const Body = z.union([EventGridEvent, z.array(EventGridEvent).min(1).max(100)]);

/**
 * delivery-events (Event Grid → Service Bus): ACS e-mail and SMS delivery reports update the message status
 * (a hard bounce suppresses the channel), e-mail opens and clicks are recorded per message and feed the
 * customer's engagement rate, and an SMS STOP reply withdraws SMS consent. Every write is idempotent, so
 * infrastructure errors throw and the message is redelivered; a malformed one dead-letters with its reason.
 */
export async function deliveryEvents(message: unknown, context: InvocationContext): Promise<void> {
  const body = decodeQueueMessage(Body, message, 'delivery event');
  const { runtime, deliveryEvents: deps } = services();
  const log = logger(context, { correlationId: messageCorrelationId(context) });
  for (const event of Array.isArray(body) ? body : [body]) {
    const outcome = await applyDeliveryEvent(deps, event, runtime.clock.now());
    const eventType = event.eventType.replace('Microsoft.Communication.', '');
    log.info('delivery.event_applied', { eventId: event.id, eventType, outcome, detail: `delivery event ${event.id} (${eventType}): ${outcome}` });
  }
}

app.serviceBusQueue('delivery-events', {
  queueName: queues.deliveryEvents.name,
  connection: serviceBusConnectionName,
  handler: deliveryEvents,
});
