import { app } from '@azure/functions';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler } from '../shared/http/request.js';
import { journeyView } from '../shared/journeys/api.js';
import { services } from '../shared/services.js';

/** GET /api/journeys — every journey (stored and shipped), current version and status. */
export const journeysList = httpHandler(async () => {
  const items = await services().journeys.list();
  return jsonResponse(200, { items: items.map(journeyView) });
});

app.http('journeys-list', { route: 'journeys', methods: ['GET'], authLevel: 'function', handler: journeysList });
