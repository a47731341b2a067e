import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { KpiQuery } from '../shared/kpis/report.js';
import { httpHandler } from '../shared/http/request.js';
import { buildDaily } from '../shared/kpis/daily.js';
import { readKpiRequest } from '../shared/kpis/http.js';

/** GET /api/kpis/daily?journeyId=… — the KPI answer per entry day, cumulative, for the time series. */
export const kpisDaily = httpHandler(async (request) => {
  const read = await readKpiRequest(request);
  if (!read.ok) return read.failure;
  const { counters, query, now, timeZone } = read.value;
  return jsonResponse(200, buildDaily(counters, query, now, timeZone));
});

httpFunction('kpis-daily', {
  route: 'kpis/daily',
  methods: ['GET'],
  authLevel: 'function',
  handler: kpisDaily,
  doc: {
    summary: 'The same KPIs per entry day, cumulative, for the time series',
    tags: ['kpis'],
    query: KpiQuery,
    responses: { 200: { description: 'One entry per entry day, cumulative', example: { journeyId: 'winback-default', days: [] } } },
  },
});
