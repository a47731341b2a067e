import { contentHash } from '../shared/canonical.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
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

httpFunction('events-ingest', {
  route: 'events',
  methods: ['POST'],
  authLevel: 'function',
  handler: eventsIngest,
  doc: {
    summary: 'Post a custom event (cart.abandoned, product.viewed …) for event-triggered journeys; idempotent on eventId',
    tags: ['events', 'journeys'],
    body: {
      schema: CustomEventInput,
      example: { name: 'cart.abandoned', customerId: 'C-42', eventId: 'shop-evt-1001', occurredAt: '2026-11-05T10:00:00Z', properties: { product: 'Espresso beans' } },
    },
    responses: {
      202: { description: 'Queued for the journeys; `replayed` is true when this eventId was posted before with the same body', example: { eventId: 'shop-evt-1001', status: 'queued', replayed: false } },
    },
    errors: {
      409: 'The eventId was used for another event (`idempotency_key_reused`)',
      410: 'The customer was erased',
    },
  },
});
