import { app, type InvocationContext } from '@azure/functions';
import { CustomerEvent, handleCustomerEvent } from '../shared/journeys/events.js';
import { journeyDeps } from '../shared/journeys/services.js';
import { logger, messageCorrelationId } from '../shared/log.js';
import { decodeQueueMessage } from '../shared/messaging/decode.js';
import { queues, serviceBusConnectionName } from '../shared/resources.js';
import { services } from '../shared/services.js';

/**
 * customer-events → journeys: segment.changed and custom events start enrollments, purchase.recorded ends
 * them (converted) and feeds purchase KPIs, enrollment.requested enrolls from the API. Types journeys do not
 * know are completed untouched (other consumers may add some).
 */
export async function journeysEvents(message: unknown, context: InvocationContext): Promise<void> {
  const log = logger(context, { correlationId: messageCorrelationId(context) });
  const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
  if (typeof type === 'string' && !CustomerEvent.options.some((o) => o.shape.type.value === type)) {
    const customerId = (message as { customerId?: unknown }).customerId;
    log.info('journeys.event_ignored', { type, customerId: typeof customerId === 'string' ? customerId : undefined, detail: `customer event of type ${type}: not for journeys` });
    return;
  }
  const event = decodeQueueMessage(CustomerEvent, message, 'customer event');
  const outcome = await handleCustomerEvent(journeyDeps(context, { correlationId: messageCorrelationId(context), customerId: event.customerId }), event, services().runtime.clock.now());
  log.info('journeys.event_handled', {
    type: event.type,
    customerId: event.customerId,
    enrolled: outcome.enrolled,
    converted: outcome.converted,
    detail: `${event.type}: ${outcome.enrolled} enrolled, ${outcome.converted} converted${outcome.refused.length > 0 ? `, not entered: ${outcome.refused.map((r) => `${r.journeyId} (${r.reason})`).join(', ')}` : ''}`,
  });
}

app.serviceBusQueue('journeys-events', { queueName: queues.customerEvents.name, connection: serviceBusConnectionName, handler: journeysEvents });
