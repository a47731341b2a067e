import { app, type InvocationContext } from '@azure/functions';
import { runStep, StepMessage } from '../shared/journeys/engine.js';
import { journeyDeps } from '../shared/journeys/services.js';
import { logger, messageCorrelationId } from '../shared/log.js';
import { decodeQueueMessage } from '../shared/messaging/decode.js';
import { queues, serviceBusConnectionName } from '../shared/resources.js';
import { services } from '../shared/services.js';

/** journey-steps → the step under an enrollment's cursor (shared/journeys/engine.ts `runStep`), once. */
export async function journeysStep(message: unknown, context: InvocationContext): Promise<void> {
  const step = decodeQueueMessage(StepMessage, message, 'journey step');
  const fields = { correlationId: messageCorrelationId(context), enrollmentId: step.enrollmentId, customerId: step.customerId, visit: step.visit };
  const outcome = await runStep(journeyDeps(context, fields), step, services().runtime.clock.now());
  logger(context, fields).info('journeys.step', { outcome, detail: `enrollment ${step.enrollmentId} visit ${step.visit}: ${outcome}` });
}

app.serviceBusQueue('journeys-step', { queueName: queues.journeySteps.name, connection: serviceBusConnectionName, handler: journeysStep });
