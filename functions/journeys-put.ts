import { app } from '@azure/functions';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler, readJson, validateParams } from '../shared/http/request.js';
import { JourneyRouteParams, journeyView, parseJourney } from '../shared/journeys/api.js';
import { services } from '../shared/services.js';
import { z } from 'zod';

/**
 * PUT /api/journeys/{journeyId} — create or change a journey. A changed definition becomes version n+1
 * (running enrollments stay on theirs); the same definition again changes nothing. 201 created, 200 otherwise.
 */
export const journeysPut = httpHandler(async (request) => {
  const params = validateParams(JourneyRouteParams, request.params);
  if (!params.ok) return params.failure;
  const body = await readJson(request, z.unknown());
  if (!body.ok) return body.failure;
  const s = services();
  const parsed = await parseJourney(body.value, s);
  if (!parsed.ok) return parsed.failure;
  const result = await s.journeys.put(params.value.journeyId, parsed.definition, s.runtime.clock.now());
  return jsonResponse(result.created ? 201 : 200, { ...journeyView(result.state), changed: result.changed });
});

app.http('journeys-put', { route: 'journeys/{journeyId}', methods: ['PUT'], authLevel: 'function', handler: journeysPut });
