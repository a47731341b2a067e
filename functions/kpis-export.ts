import { app, type InvocationContext, type Timer } from '@azure/functions';
import { DayClock, formatDay } from '../shared/analytics/days.js';
import { buildDaily, dailyCsv, kpisExportPath, type DailySeries } from '../shared/kpis/daily.js';
import { KpiQuery } from '../shared/kpis/report.js';
import { logger } from '../shared/log.js';
import { services } from '../shared/services.js';

/** Daily: every journey's KPI time series as one CSV, `kpis/<date>.csv` in the snapshot container (Tableau, Power BI). */
export async function kpisExport(_timer: Timer, context: InvocationContext): Promise<void> {
  const { runtime, kpis } = services();
  const now = runtime.clock.now();
  const zone = runtime.settings.retailerTimeZone;
  const series: DailySeries[] = [];
  for (const journeyId of await kpis.journeys()) {
    const counters = await kpis.counters(journeyId);
    if (counters.length > 0) series.push(buildDaily(counters, KpiQuery.parse({ journeyId }), now, zone));
  }
  const date = formatDay(new DayClock(zone).dayOfMs(now.getTime()));
  const path = kpisExportPath(date);
  await runtime.blobs.put(path, dailyCsv(date, series), 'text/csv; charset=utf-8');
  logger(context).info('kpis.exported', { journeys: series.length, path, detail: `kpis-export: ${series.length} journeys → ${runtime.settings.snapshotContainer}/${path}` });
}

app.timer('kpis-export', {
  schedule: '0 15 4 * * *',
  handler: kpisExport,
});
