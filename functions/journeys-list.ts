import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler } from '../shared/http/request.js';
import { journeyView, journeyViewExample } from '../shared/journeys/api.js';
import { services } from '../shared/services.js';

/** GET /api/journeys — every journey (stored and shipped), current version and status. */
export const journeysList = httpHandler(async () => {
  const items = await services().journeys.list();
  return jsonResponse(200, { items: items.map(journeyView) });
});

httpFunction('journeys-list', {
  route: 'journeys',
  methods: ['GET'],
  authLevel: 'function',
  handler: journeysList,
  doc: {
    summary: 'Every journey, stored and shipped, with its current version and status',
    tags: ['journeys'],
    responses: { 200: { description: 'Each journey as `GET /journeys/{journeyId}` answers it', example: { items: [journeyViewExample] } } },
  },
});
