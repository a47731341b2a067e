import { app, type InvocationContext, type Timer } from '@azure/functions';
import { containers } from '../shared/resources.js';
import { CosmosScanSource, scanTimeTriggers } from '../shared/journeys/scan.js';
import { journeyDeps } from '../shared/journeys/services.js';
import { logger } from '../shared/log.js';
import { services } from '../shared/services.js';

/** Hourly: enrolls customers whose inactivity, birthday or coupon expiry has come (shared/journeys/scan.ts). */
export async function journeysScan(_timer: Timer, context: InvocationContext): Promise<void> {
  const s = services();
  const scan = new CosmosScanSource(s.runtime.container(containers.customers.name), s.runtime.container(containers.coupons.name));
  const summaries = await scanTimeTriggers({ ...journeyDeps(context), scan }, s.runtime.clock.now());
  const log = logger(context);
  for (const summary of summaries) {
    log.info('journeys.scanned', { journeyId: summary.journeyId, candidates: summary.candidates, enrolled: summary.enrolled, detail: `${summary.journeyId}: ${summary.candidates} due, ${summary.enrolled} enrolled` });
  }
}

// Hourly at :15 (UTC): birthdays and inactivity are judged by local calendar day, coupons by the hour.
app.timer('journeys-scan', { schedule: '0 15 * * * *', handler: journeysScan });
