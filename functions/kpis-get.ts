import { app } from '@azure/functions';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler } from '../shared/http/request.js';
import { readKpiRequest } from '../shared/kpis/http.js';
import { buildReport } from '../shared/kpis/report.js';

/** GET /api/kpis?journeyId=… — arms, comparisons against the holdout, checks and definitions, from counters only. */
export const kpisGet = httpHandler(async (request) => {
  const read = await readKpiRequest(request);
  if (!read.ok) return read.failure;
  const { counters, query, now, timeZone } = read.value;
  return jsonResponse(200, buildReport(counters, query, now, timeZone));
});

app.http('kpis-get', {
  route: 'kpis',
  methods: ['GET'],
  authLevel: 'function',
  handler: kpisGet,
});
