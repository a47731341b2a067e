import { app } from '@azure/functions';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { JourneyRouteParams, journeyView } from '../shared/journeys/api.js';
import { services } from '../shared/services.js';

/** GET /api/journeys/{journeyId} — the current version, its status and definition (?version=n for an older one). */
export const journeysGet = httpHandler(async (request) => {
  const params = validateParams(JourneyRouteParams, request.params);
  if (!params.ok) return params.failure;
  const s = services();
  const state = await s.journeys.get(params.value.journeyId);
  if (!state) return { kind: 'not_found', detail: `no journey ${params.value.journeyId}` };
  const raw = request.query.get('version');
  if (raw !== null) {
    const version = Number(raw);
    if (!Number.isInteger(version) || version < 1) return { kind: 'invalid', detail: 'version must be a whole number ≥ 1', errors: [{ pointer: 'query/version', message: 'a whole number ≥ 1' }] };
    const definition = await s.journeys.getVersion(params.value.journeyId, version);
    if (!definition) return { kind: 'not_found', detail: `journey ${params.value.journeyId} has no version ${version}` };
    return jsonResponse(200, journeyView({ ...state, version, definition }));
  }
  return jsonResponse(200, journeyView(state));
});

app.http('journeys-get', { route: 'journeys/{journeyId}', methods: ['GET'], authLevel: 'function', handler: journeysGet });
