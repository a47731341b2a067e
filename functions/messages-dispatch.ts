import { app, type InvocationContext } from '@azure/functions';
import { dispatch } from '../shared/messages/dispatcher.js';
import { OutboundRequest } from '../shared/messages/message.js';
import { dispatchDeps } from '../shared/journeys/services.js';
import { decodeQueueMessage } from '../shared/messaging/decode.js';
import { logger, messageCorrelationId } from '../shared/log.js';
import { queues, serviceBusConnectionName } from '../shared/resources.js';
import { services } from '../shared/services.js';

/** outbound-messages → consent, suppression, quiet hours, frequency cap, render, channel adapter; each outcome recorded. */
export async function messagesDispatch(message: unknown, context: InvocationContext): Promise<void> {
  const request = decodeQueueMessage(OutboundRequest, message, 'outbound message');
  const fields = {
    correlationId: messageCorrelationId(context),
    messageId: request.messageId,
    customerId: request.customerId,
    journeyId: request.journeyId,
    enrollmentId: request.enrollmentId,
  };
  const outcome = await dispatch(dispatchDeps(context, fields), request, services().runtime.clock.now());
  logger(context, fields).info('messages.dispatched', { status: outcome.status, reason: outcome.reason, detail: `message ${request.messageId}: ${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ''}` });
}

app.serviceBusQueue('messages-dispatch', { queueName: queues.outboundMessages.name, connection: serviceBusConnectionName, handler: messagesDispatch });
