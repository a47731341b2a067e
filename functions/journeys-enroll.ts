import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, readJson, validateParams } from '../shared/http/request.js';
import { EnrollmentRequest, JourneyRouteParams } from '../shared/journeys/api.js';
import { requestEnrollments } from '../shared/journeys/audience.js';
import { containers } from '../shared/resources.js';
import { services } from '../shared/services.js';

/**
 * POST /api/journeys/{journeyId}/enrollments — enrolls a list (≤ 10,000 customer ids) or a segment now,
 * whatever the journey's trigger: 202 with the count queued. Each customer becomes one `enrollment.requested`
 * message (id from journey, customer and campaign), so the same campaign posted twice enrolls nobody twice;
 * re-entry rules and send-time guardrails still apply, the audience filter only with `"applyAudience": true`.
 */
export const journeysEnroll = httpHandler(async (request) => {
  const params = validateParams(JourneyRouteParams, request.params);
  if (!params.ok) return params.failure;
  const body = await readJson(request, EnrollmentRequest);
  if (!body.ok) return body.failure;
  const s = services();
  const journey = await s.journeys.get(params.value.journeyId);
  if (!journey) return { kind: 'not_found', detail: `no journey ${params.value.journeyId}` };
  const now = s.runtime.clock.now();
  const result = await requestEnrollments({ bus: s.runtime.bus, customersContainer: s.runtime.container(containers.customers.name) }, journey.journeyId, body.value, now);
  return jsonResponse(202, { journeyId: journey.journeyId, status: journey.status, campaignId: result.campaignId, count: result.count });
});

httpFunction('journeys-enroll', {
  route: 'journeys/{journeyId}/enrollments',
  methods: ['POST'],
  authLevel: 'function',
  handler: journeysEnroll,
  doc: {
    summary: 'Enroll a list of customers (at most 10,000) or a whole segment into a journey now, whatever its trigger',
    description:
      'Re-entry rules and send-time guardrails still apply; the audience filter only with `"applyAudience": true`. The same `campaignId` (default: the UTC day) posted again enrolls nobody twice.',
    tags: ['journeys'],
    params: JourneyRouteParams,
    body: { schema: EnrollmentRequest, example: { customerIds: ['C-42', 'C-43'], campaignId: 'crm-2026-11' } },
    responses: {
      202: { description: 'The enrollments are queued; `count` customers were requested', example: { journeyId: 'cart-rescue', status: 'active', campaignId: 'crm-2026-11', count: 2 } },
    },
    errors: { 404: 'No such journey' },
  },
});
