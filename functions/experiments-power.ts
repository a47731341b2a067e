import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, readJson } from '../shared/http/request.js';
import { planExperiment, PowerRequest } from '../shared/kpis/planning.js';

/** POST /api/experiments/power — MDE, holdout needed and a plain verdict for a planned journey experiment. */
export const experimentsPower = httpHandler(async (request) => {
  const input = await readJson(request, PowerRequest);
  if (!input.ok) return input.failure;
  return jsonResponse(200, planExperiment(input.value));
});

httpFunction('experiments-power', {
  route: 'experiments/power',
  methods: ['POST'],
  authLevel: 'function',
  handler: experimentsPower,
  doc: {
    summary: 'Plan an experiment: minimum detectable effect, holdout needed and a verdict in words',
    tags: ['kpis'],
    body: { schema: PowerRequest, example: { audience: 30000, holdoutPercent: 10, baseRate: 0.03, expectedUplift: 0.01 } },
    responses: { 200: { description: 'MDE, power at the expected uplift, holdout and audience needed, and a sentence', example: { underpowered: false } } },
  },
});
