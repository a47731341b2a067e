import { z } from 'zod';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams, validateQuery } from '../shared/http/request.js';
import { JourneyRouteParams, journeyView, journeyViewExample } from '../shared/journeys/api.js';
import { services } from '../shared/services.js';

/** Not strict: `?code=` (the function key) and other parameters a link may carry are ignored, as before. */
export const JourneysGetQuery = z.object({
  version: z.coerce
    .number('a whole number ≥ 1')
    .int('a whole number ≥ 1')
    .min(1, 'a whole number ≥ 1')
    .optional()
    .meta({ description: 'an older version of the definition (absent: the current one)' }),
});

/** GET /api/journeys/{journeyId} — the current version, its status and definition (?version=n for an older one). */
export const journeysGet = httpHandler(async (request) => {
  const params = validateParams(JourneyRouteParams, request.params);
  if (!params.ok) return params.failure;
  const s = services();
  const state = await s.journeys.get(params.value.journeyId);
  if (!state) return { kind: 'not_found', detail: `no journey ${params.value.journeyId}` };
  const query = validateQuery(JourneysGetQuery, request);
  if (!query.ok) return query.failure;
  const { version } = query.value;
  if (version !== undefined) {
    const definition = await s.journeys.getVersion(params.value.journeyId, version);
    if (!definition) return { kind: 'not_found', detail: `journey ${params.value.journeyId} has no version ${version}` };
    return jsonResponse(200, journeyView({ ...state, version, definition }));
  }
  return jsonResponse(200, journeyView(state));
});

httpFunction('journeys-get', {
  route: 'journeys/{journeyId}',
  methods: ['GET'],
  authLevel: 'function',
  handler: journeysGet,
  doc: {
    summary: 'A journey: its current version (or `?version=n`), status and definition, defaults filled in',
    tags: ['journeys'],
    params: JourneyRouteParams,
    query: JourneysGetQuery,
    responses: { 200: { description: 'The journey; `builtin` is true for a shipped one never overridden (then `updatedAt` is null)', example: journeyViewExample } },
    errors: { 404: 'No such journey, or no such version of it' },
  },
});
