import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, readJson, validateParams } from '../shared/http/request.js';
import { JourneyRouteParams, journeyInputExample, journeyView, journeyViewExample, parseJourney } from '../shared/journeys/api.js';
import { JourneyDefinition } from '../shared/journeys/definition.js';
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

httpFunction('journeys-put', {
  route: 'journeys/{journeyId}',
  methods: ['PUT'],
  authLevel: 'function',
  handler: journeysPut,
  doc: {
    summary: 'Create or change a journey: a changed definition becomes version n+1, the same one again changes nothing',
    description:
      'Besides the schema, the definition is checked against the stored templates and offers (unknown step target, a cycle without a wait, a template or offer that does not exist, a template variable the step cannot fill): each is a 400 naming the field, and nothing is stored.',
    tags: ['journeys'],
    params: JourneyRouteParams,
    // parseJourney validates the body with JourneyDefinition (after reading it as any JSON).
    body: { schema: JourneyDefinition, example: journeyInputExample },
    responses: {
      200: { description: 'Changed (a new version) or unchanged (`changed: false`)', example: { ...journeyViewExample, version: 2, changed: true } },
      201: { description: 'Created as version 1', example: { ...journeyViewExample, changed: true } },
    },
  },
});
