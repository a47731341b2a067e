import { app, type InvocationContext } from '@azure/functions';
import { KpiEvent } from '../shared/kpis/events.js';
import { logger, messageCorrelationId } from '../shared/log.js';
import { decodeMessage } from '../shared/messaging/decode.js';
import { queues, serviceBusConnectionName } from '../shared/resources.js';
import { services } from '../shared/services.js';

/**
 * kpi-events → the enrollment's outcome document and its counters (shared/kpis/store.ts). Applying is
 * idempotent on eventId, so infrastructure errors throw and the message is redelivered.
 */
export async function kpisRecord(message: unknown, context: InvocationContext): Promise<void> {
  const log = logger(context, { correlationId: messageCorrelationId(context) });
  const event = decodeMessage(KpiEvent, message, 'KPI event', (line) => log.error('kpis.event_dropped', { detail: line }));
  if (event === undefined) return;
  const { runtime, kpis } = services();
  const outcome = await kpis.record(event, runtime.clock.now());
  log.info('kpis.recorded', {
    type: event.type,
    eventId: event.eventId,
    journeyId: event.journeyId,
    enrollmentId: event.enrollmentId,
    customerId: event.customerId,
    outcome,
    detail: `kpi ${event.type} ${event.eventId} (journey ${event.journeyId}): ${outcome}`,
  });
}

app.serviceBusQueue('kpis-record', {
  queueName: queues.kpiEvents.name,
  connection: serviceBusConnectionName,
  handler: kpisRecord,
});
