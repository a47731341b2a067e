import { app, type InvocationContext, type Timer } from '@azure/functions';
import { DayClock, formatDay } from '../shared/analytics/days.js';
import { runDuePrintBatches } from '../shared/channels/print-batch.js';
import { logger } from '../shared/log.js';
import { settingNames } from '../shared/settings.js';
import { runtime } from '../shared/runtime.js';
import { services } from '../shared/services.js';
import { AzureBlobStore } from '../shared/storage/blobs.js';

/**
 * Daily (PRINT_SCHEDULE): the printed-coupon letters of every complete mail-drop day not yet printed, as
 * `print/<date>.csv` and `print/<date>.pdf` in the PRINT_CONTAINER for the mail house.
 */
export async function printBatch(_timer: Timer, context: InvocationContext): Promise<void> {
  const rt = runtime();
  const log = logger(context);
  const mail = rt.settings.channels.mail;
  if (!mail) {
    log.info('print.not_configured', { detail: `print-batch: the mail channel has no print container (${settingNames.printContainer}); letters go to the outbox` });
    return;
  }
  const today = formatDay(new DayClock(rt.settings.retailerTimeZone).dayOfMs(rt.clock.now().getTime()));
  const { customers } = services();
  const summaries = await runDuePrintBatches(new AzureBlobStore(rt.settings.storage, mail.container), today, {
    isErased: async (customerId) => (await customers.tombstone(customerId)) !== undefined,
  });
  if (summaries.length === 0) log.info('print.nothing_due', { detail: 'print-batch: no mail-drop day to print' });
  for (const s of summaries) {
    const line = `print-batch ${s.date}: ${s.printed} letters printed, ${s.skipped} skipped (${s.files.join(', ') || 'no files'})`;
    const fields = { date: s.date, printed: s.printed, skipped: s.skipped };
    if (s.skipped > 0) log.warn('print.batch_printed', { ...fields, detail: `${line}; reasons in print/${s.date}.skipped.csv` });
    else log.info('print.batch_printed', { ...fields, detail: line });
  }
}

app.timer('print-batch', {
  schedule: `%${settingNames.printSchedule}%`,
  handler: printBatch,
});
