import { app, type InvocationContext } from '@azure/functions';
import { dispatch } from '../shared/messages/dispatcher.js';
import { OutboundRequest } from '../shared/messages/message.js';
import { dispatchDeps } from '../shared/journeys/services.js';
import { decodeQueueMessage } from '../shared/messaging/decode.js';
import { queues, serviceBusConnectionName } from '../shared/resources.js';
import { services } from '../shared/services.js';

/** outbound-messages → consent, suppression, quiet hours, frequency cap, render, channel adapter; each outcome recorded. */
export async function messagesDispatch(message: unknown, context: InvocationContext): Promise<void> {
  const request = decodeQueueMessage(OutboundRequest, message, 'outbound message');
  const outcome = await dispatch(dispatchDeps(context), request, services().runtime.clock.now());
  context.log(`message ${request.messageId}: ${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ''}`);
}

app.serviceBusQueue('messages-dispatch', { queueName: queues.outboundMessages.name, connection: serviceBusConnectionName, handler: messagesDispatch });
