import { app, type InvocationContext, type Timer } from '@azure/functions';
import { releaseExpiredReservations } from '../shared/coupons/service.js';
import { logger } from '../shared/log.js';
import { services } from '../shared/services.js';

/**
 * Per run: enough for a large campaign's daily expiries within the timer's time limit; a backlog beyond it
 * is worked through on the following runs (released coupons drop out of the query).
 */
const limit = 20_000;

/** Daily: expired, unredeemed coupons give their budget reservation back so their campaign can issue again. */
export async function couponsExpire(_timer: Timer, context: InvocationContext): Promise<void> {
  const { runtime, coupons } = services();
  const now = runtime.clock.now();
  const log = logger(context);
  const summary = await releaseExpiredReservations({ ...coupons, log: (line) => log.warn('coupons.expiry_warning', { detail: line }) }, now, { limit });
  log.info('coupons.reservations_released', {
    released: summary.released,
    releasedMinor: summary.releasedMinor,
    scanned: summary.scanned,
    skipped: summary.skipped,
    failed: summary.failed,
    more: summary.more,
    detail: `coupons-expire: ${summary.released} reservations released (${summary.releasedMinor} minor units) of ${summary.scanned} expired coupons; ${summary.skipped} skipped, ${summary.failed} failed${summary.more ? '; more remain for the next run' : ''}`,
  });
  // A failed release is left marked or untouched, never double-counted; failing the run makes it visible.
  if (summary.failed > 0) throw new Error(`coupons-expire: ${summary.failed} releases failed (see warnings)`);
}

app.timer('coupons-expire', {
  schedule: '0 30 3 * * *',
  handler: couponsExpire,
});
