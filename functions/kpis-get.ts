import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { KpiQuery } from '../shared/kpis/report.js';
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

httpFunction('kpis-get', {
  route: 'kpis',
  methods: ['GET'],
  authLevel: 'function',
  handler: kpisGet,
  doc: {
    summary: 'KPIs of one journey: arms, uplift against the holdout with 95 % intervals, checks and definitions',
    tags: ['kpis'],
    query: KpiQuery,
    responses: {
      200: {
        description: 'Read from counters only; money in major units of `currency`',
        example: { journeyId: 'winback-default', attributionDays: 30, currency: 'EUR', arms: [{ arm: 'control', enrolled: 1000, reactivated: 31 }], comparisons: [], checks: {}, definitions: {} },
      },
    },
  },
});
