import { app, type InvocationContext, type Timer } from '@azure/functions';
import { segmentation } from '../shared/segmentation/services.js';
import { failStalledRuns } from '../shared/segmentation/watchdog.js';

/** Every 5 minutes: segmentation runs that stopped making progress are marked failed (see watchdog.ts). */
export async function segmentsWatchdog(_timer: Timer, context: InvocationContext): Promise<void> {
  const { deps, settings } = segmentation(context);
  await failStalledRuns(deps, settings.stallMinutes);
}

app.timer('segments-watchdog', {
  schedule: '0 */5 * * * *',
  handler: segmentsWatchdog,
});
