import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler } from '../shared/http/request.js';
import { JourneyRouteParams, journeyView, journeyViewExample, setJourneyStatus } from '../shared/journeys/api.js';
import { services } from '../shared/services.js';

/**
 * POST /api/journeys/{journeyId}/pause — idempotent. No new enrollments start from triggers; steps that come due wait (re-checked hourly) and no step runs; messages already queued are still delivered.
 */
export const journeysPause = httpHandler(async (request) => {
  const s = services();
  const result = await setJourneyStatus(request.params, 'paused', { journeys: s.journeys, now: s.runtime.clock.now() });
  return result.ok ? jsonResponse(200, journeyView(result.state)) : result.failure;
});

httpFunction('journeys-pause', {
  route: 'journeys/{journeyId}/pause',
  methods: ['POST'],
  authLevel: 'function',
  handler: journeysPause,
  doc: {
    summary: 'Pause a journey (idempotent): triggers enroll nobody and no step runs until it is resumed; messages already queued are still delivered',
    tags: ['journeys'],
    params: JourneyRouteParams,
    responses: { 200: { description: 'The journey, now `paused`', example: { ...journeyViewExample, status: 'paused' } } },
    errors: { 404: 'No such journey' },
  },
});
