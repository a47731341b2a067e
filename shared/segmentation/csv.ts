/**
 * RFC 4180 CSV for the run snapshot (Tableau, Power BI, Excel): comma-separated, CRLF line ends, fields
 * quoted when they hold a comma, quote or line break. Text that a spreadsheet would run as a formula
 * (=, +, -, @ at the start, unless it is a plain number) gets a leading apostrophe (OWASP CSV injection).
 */
export type CsvValue = string | number | boolean | null | undefined;

const formulaStart = /^[=+\-@\t\r]/;
const plainNumber = /^[+-]?\d+(\.\d+)?$/;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = value;
  if (formulaStart.test(text) && !plainNumber.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: readonly CsvValue[]): string {
  return values.map(csvField).join(',') + '\r\n';
}

export function renderCsv(header: readonly string[], rows: Iterable<readonly CsvValue[]>): string {
  const parts = [csvRow(header)];
  for (const row of rows) {
    if (row.length !== header.length) throw new RangeError(`a CSV row has ${row.length} fields, the header ${header.length}`);
    parts.push(csvRow(row));
  }
  return parts.join('');
}

/** Columns of the per-customer snapshot parts, in order. Money in major units of `currency`. */
export const snapshotColumns = [
  'customerId',
  'segment',
  'previousSegment',
  'segmentChanged',
  'recencyScore',
  'frequencyScore',
  'monetaryScore',
  'rfm',
  'x',
  't_x_days',
  'T_days',
  'daysSinceLastPurchase',
  'purchaseDays',
  'totalSpend',
  'pAlive',
  'expectedPurchases90d',
  'expectedAov',
  'clv12m',
  'currency',
  'churnRisk',
  'lowPAlive',
  'overdue',
  'overdueAfterDays',
  'typicalIntervalDays',
  'couponUsageRate',
  'topCategory',
] as const;

/** Rounds a probability or expectation for the CSV: six significant decimals are plenty for BI tools. */
export function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
