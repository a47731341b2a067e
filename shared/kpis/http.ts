import type { HttpRequest } from '@azure/functions';
import { fail, ok, type Result } from '../http/failure.js';
import { validateQuery } from '../http/request.js';
import { services } from '../services.js';
import type { CounterDocument } from './counters.js';
import { KpiQuery } from './report.js';

/** The shared prologue of the KPI reads: validated query, the journey's counters (404 when none), now, zone. */
export async function readKpiRequest(
  request: HttpRequest,
): Promise<Result<{ query: KpiQuery; counters: CounterDocument[]; now: Date; timeZone: string }>> {
  const query = validateQuery(KpiQuery, request);
  if (!query.ok) return query;
  const { runtime, kpis } = services();
  const counters = await kpis.counters(query.value.journeyId);
  if (counters.length === 0) return fail({ kind: 'not_found', detail: `no KPI events recorded for journey ${query.value.journeyId}` });
  return ok({ query: query.value, counters, now: runtime.clock.now(), timeZone: runtime.settings.retailerTimeZone });
}
