import { app, type InvocationContext } from '@azure/functions';
import { KpiEvent } from '../shared/kpis/events.js';
import { decodeMessage } from '../shared/messaging/decode.js';
import { queues, serviceBusConnectionName } from '../shared/resources.js';
import { services } from '../shared/services.js';

/**
 * kpi-events → the enrollment's outcome document and its counters (shared/kpis/store.ts). Applying is
 * idempotent on eventId, so infrastructure errors throw and the message is redelivered.
 */
export async function kpisRecord(message: unknown, context: InvocationContext): Promise<void> {
  const event = decodeMessage(KpiEvent, message, 'KPI event', (line) => context.error(line));
  if (event === undefined) return;
  const { runtime, kpis } = services();
  const outcome = await kpis.record(event, runtime.clock.now());
  context.log(`kpi ${event.type} ${event.eventId} (journey ${event.journeyId}): ${outcome}`);
}

app.serviceBusQueue('kpis-record', {
  queueName: queues.kpiEvents.name,
  connection: serviceBusConnectionName,
  handler: kpisRecord,
});
