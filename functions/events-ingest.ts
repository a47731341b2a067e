import { app } from '@azure/functions';
import { contentHash } from '../shared/canonical.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler, readJson } from '../shared/http/request.js';
import { CustomEventInput } from '../shared/journeys/api.js';
import { queues } from '../shared/resources.js';
import { services } from '../shared/services.js';
import { temporalIssues } from '../shared/purchases/ingest.js';

/**
 * POST /api/events — a named custom event (cart.abandoned, product.viewed …) for event-triggered journeys;
 * its properties fill `{{event.<name>}}` in templates. 202: queued on customer-events. Idempotent on eventId
 * (the same id with another body → 409).
 */
export const eventsIngest = httpHandler(async (request) => {
  const body = await readJson(request, CustomEventInput);
  if (!body.ok) return body.failure;
  const s = services();
  const now = s.runtime.clock.now();
  const temporal = temporalIssues(body.value, now);
  if (temporal.length > 0) return { kind: 'invalid', detail: 'occurredAt is out of range', errors: temporal };
  if (await s.customers.tombstone(body.value.customerId)) return { kind: 'gone', detail: 'the customer was erased' };
  const claim = await s.idempotency.claim('custom-event', body.value.eventId, contentHash(body.value), now, { customerId: body.value.customerId, ttlSeconds: 7 * 86_400 });
  if (claim.kind === 'conflict') return { kind: 'conflict', detail: `eventId ${body.value.eventId} was used for another event`, reason: 'idempotency_key_reused' };
  await s.runtime.bus.send(queues.customerEvents.name, {
    messageId: `event:${contentHash(body.value.eventId).slice(0, 40)}`,
    subject: 'custom.event',
    body: { type: 'custom.event', ...body.value },
  });
  return jsonResponse(202, { eventId: body.value.eventId, status: 'queued', replayed: claim.kind === 'replay' });
});

app.http('events-ingest', { route: 'events', methods: ['POST'], authLevel: 'function', handler: eventsIngest });
