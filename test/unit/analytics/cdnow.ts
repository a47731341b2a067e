import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const cdnowDir = path.resolve(here, '../../../../shared/datasets/cdnow');

export interface SummaryRow {
  id: number;
  x: number;
  txWeeks: number;
  TWeeks: number;
  zbar?: number;
}

/** cdnow_customers_summary.csv (ID,frequency,recency,T) or the _with_transactions variant (ID,x,t_x,T,zbar). */
export function readSummary(file: string): SummaryRow[] {
  const lines = readFileSync(path.join(cdnowDir, file), 'utf8').trim().split(/\r?\n/);
  return lines.slice(1).map((line) => {
    const [id, x, tx, T, zbar] = line.split(',').map(Number);
    const row: SummaryRow = { id: id!, x: x!, txWeeks: tx!, TWeeks: T! };
    if (zbar !== undefined) row.zbar = zbar;
    return row;
  });
}

export interface SampleRow {
  masterId: string;
  sampleId: number;
  date: string;
  cds: number;
  dollars: number;
}

/** CDNOW_sample.txt: `master_id sample_id YYYYMMDD n_cds dollar_value`, no header. */
export function readSample(): SampleRow[] {
  return readFileSync(path.join(cdnowDir, 'CDNOW_sample.txt'), 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((line) => {
      const [masterId, sampleId, date, cds, dollars] = line.trim().split(/\s+/);
      return {
        masterId: masterId!,
        sampleId: Number(sampleId),
        date: `${date!.slice(0, 4)}-${date!.slice(4, 6)}-${date!.slice(6, 8)}`,
        cds: Number(cds),
        dollars: Number(dollars),
      };
    });
}

/** Weeks with 2 decimals back to whole days: exact because the file was made from whole days / 7. */
export function weeksToDays(weeks: number): number {
  const days = Math.round(weeks * 7);
  if (Math.abs(days - weeks * 7) > 0.05) throw new RangeError(`${weeks} weeks is not a whole number of days`);
  return days;
}
