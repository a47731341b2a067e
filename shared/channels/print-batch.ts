import type { BlobStore } from '../storage/blobs.js';
import { printCsv, planPrintBatch, printCsvPath, printPdfPath, printPendingPrefix, printSkippedPath } from './print.js';
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
 * there are any. Running it again for the same day writes the same files.
 */
export async function runPrintBatch(blobs: BlobStore, date: string): Promise<PrintBatchSummary> {
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
  return { date, printed: plan.printable.length, skipped: plan.skipped.length, files };
}
