import { app } from '@azure/functions';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler, readJson } from '../shared/http/request.js';
import { planExperiment, PowerRequest } from '../shared/kpis/planning.js';

/** POST /api/experiments/power — MDE, holdout needed and a plain verdict for a planned journey experiment. */
export const experimentsPower = httpHandler(async (request) => {
  const input = await readJson(request, PowerRequest);
  if (!input.ok) return input.failure;
  return jsonResponse(200, planExperiment(input.value));
});

app.http('experiments-power', {
  route: 'experiments/power',
  methods: ['POST'],
  authLevel: 'function',
  handler: experimentsPower,
});
