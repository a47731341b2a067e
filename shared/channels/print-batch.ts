import type { BlobStore } from '../storage/blobs.js';
import { printCsv, planPrintBatch, printCsvPath, printDonePath, printPdfPath, printPendingPrefix, printSkippedPath } from './print.js';
import { renderLettersPdf } from './print-pdf.js';
import { renderCsv } from '../segmentation/csv.js';

export interface PrintBatchSummary {
  date: string;
  printed: number;
  skipped: number;
  files: string[];
}

/**
 * Writes one mail-drop day's letters: the CSV and the PDF, and a list of skipped pieces with their reason when
 * there are any. Running it again for the same day writes the same letters again; a done marker records the run.
 */
export interface PrintBatchDeps {
  /** A customer erased since the send gets no letter (and the mail house never sees the address). */
  isErased(customerId: string): Promise<boolean>;
}

export async function runPrintBatch(blobs: BlobStore, date: string, deps: PrintBatchDeps): Promise<PrintBatchSummary> {
  const names = (await blobs.list(printPendingPrefix(date))).filter((n) => n.endsWith('.json')).sort();
  const raw: unknown[] = [];
  for (const name of names) {
    const content = await blobs.get(name);
    if (!content) continue;
    try {
      raw.push(JSON.parse(content.toString('utf8')));
    } catch {
      raw.push({ messageId: decodeURIComponent(name.slice(name.lastIndexOf('/') + 1, -'.json'.length)), customerId: '?' });
    }
  }
  const plan = planPrintBatch(raw);
  const erased = await Promise.all(plan.printable.map((p) => deps.isErased(p.customerId)));
  plan.skipped.push(...plan.printable.filter((_, i) => erased[i]).map((p) => ({ messageId: p.messageId, customerId: p.customerId, reason: 'customer_erased' })));
  plan.printable = plan.printable.filter((_, i) => !erased[i]);
  const files: string[] = [];
  if (plan.printable.length > 0) {
    await blobs.put(printCsvPath(date), printCsv(plan.printable), 'text/csv; charset=utf-8');
    const pdf = await renderLettersPdf(plan.printable, { title: `winback letters ${date}`, createdAt: new Date(`${date}T00:00:00Z`) });
    await blobs.put(printPdfPath(date), pdf, 'application/pdf');
    files.push(printCsvPath(date), printPdfPath(date));
  }
  if (plan.skipped.length > 0) {
    const rows = plan.skipped.map((s) => [s.messageId, s.customerId, s.reason]);
    await blobs.put(printSkippedPath(date), renderCsv(['messageId', 'customerId', 'reason'], rows), 'text/csv; charset=utf-8');
    files.push(printSkippedPath(date));
  }
  const summary = { date, printed: plan.printable.length, skipped: plan.skipped.length, files };
  await blobs.put(printDonePath(date), JSON.stringify(summary), 'application/json');
  return summary;
}

/**
 * The days a print run must work on: every mail-drop day before today (in the retailer's zone) with pieces
 * and no done marker — so a failed or missed run is caught up by the next one, and today's pieces wait until
 * the day is complete.
 */
export function dueDays(blobNames: string[], today: string): string[] {
  const pending = new Set<string>();
  const done = new Set<string>();
  for (const name of blobNames) {
    const piece = /^print\/pending\/(\d{4}-\d{2}-\d{2})\//.exec(name);
    if (piece) pending.add(piece[1]!);
    const marker = /^print\/(\d{4}-\d{2}-\d{2})\.done\.json$/.exec(name);
    if (marker) done.add(marker[1]!);
  }
  return [...pending].filter((d) => d < today && !done.has(d)).sort();
}

/** One timer run: prints every due day. */
export async function runDuePrintBatches(blobs: BlobStore, today: string, deps: PrintBatchDeps): Promise<PrintBatchSummary[]> {
  const days = dueDays(await blobs.list('print/'), today);
  const summaries: PrintBatchSummary[] = [];
  for (const day of days) summaries.push(await runPrintBatch(blobs, day, deps));
  return summaries;
}
