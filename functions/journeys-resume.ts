import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler } from '../shared/http/request.js';
import { JourneyRouteParams, journeyView, journeyViewExample, setJourneyStatus } from '../shared/journeys/api.js';
import { services } from '../shared/services.js';

/**
 * POST /api/journeys/{journeyId}/resume — idempotent. Triggers enroll again and waiting steps continue at their next check.
 */
export const journeysResume = httpHandler(async (request) => {
  const s = services();
  const result = await setJourneyStatus(request.params, 'active', { journeys: s.journeys, now: s.runtime.clock.now() });
  return result.ok ? jsonResponse(200, journeyView(result.state)) : result.failure;
});

httpFunction('journeys-resume', {
  route: 'journeys/{journeyId}/resume',
  methods: ['POST'],
  authLevel: 'function',
  handler: journeysResume,
  doc: {
    summary: 'Resume a journey (idempotent): triggers enroll again and waiting steps continue at their next check',
    tags: ['journeys'],
    params: JourneyRouteParams,
    responses: { 200: { description: 'The journey, now `active`', example: { ...journeyViewExample, status: 'active' } } },
    errors: { 404: 'No such journey' },
  },
});
