import { createHash } from 'node:crypto';
import { isKnownCurrency } from '../../shared/money.js';
import type { DateParser } from './dates.js';

/** A column named by its header, or by its 1-based position (files without a header). */
export type ColumnRef = string;

export interface PurchaseColumns {
  customer: ColumnRef;
  date: ColumnRef;
  amount: ColumnRef;
  order?: ColumnRef;
  currency?: ColumnRef;
  store?: ColumnRef;
}

/** Header names tried when a column option is not given (compared without case, spaces, `_` and `-`). */
export const defaultColumnNames: Record<'customer' | 'date' | 'amount', string[]> = {
  customer: ['customer_id', 'customer', 'customer_number', 'card_number', 'member_id'],
  date: ['occurred_at', 'date', 'order_date', 'purchase_date', 'created_at', 'timestamp'],
  amount: ['amount', 'total', 'order_total', 'revenue', 'value'],
};

const normalise = (name: string) => name.toLowerCase().replace(/[\s_-]/g, '');

export type Resolved<T> = { ok: true; value: T } | { ok: false; message: string };

/** Column index for a reference: a header name, or a 1-based number when there is no header. */
export function resolveColumn(ref: ColumnRef, header: string[] | undefined, option: string): Resolved<number> {
  if (/^\d+$/.test(ref) && (header === undefined || !header.includes(ref))) {
    const index = Number(ref) - 1;
    if (index < 0 || (header !== undefined && index >= header.length)) return { ok: false, message: `${option} ${ref}: no such column` };
    return { ok: true, value: index };
  }
  if (header === undefined) return { ok: false, message: `${option} "${ref}": the file has no header (--no-header), name columns by number (1 = first)` };
  const exact = header.indexOf(ref);
  const index = exact >= 0 ? exact : header.findIndex((h) => normalise(h) === normalise(ref));
  if (index < 0) return { ok: false, message: `${option} "${ref}": no such column; the header has ${header.map((h) => `"${h}"`).join(', ')}` };
  return { ok: true, value: index };
}

/** The option's column, or the first default name the header has. */
export function resolveWithDefaults(ref: ColumnRef | undefined, role: keyof typeof defaultColumnNames, header: string[] | undefined): Resolved<number> {
  const option = `--${role}-col`;
  if (ref !== undefined) return resolveColumn(ref, header, option);
  const names = defaultColumnNames[role];
  const found = header?.findIndex((h) => names.some((n) => normalise(n) === normalise(h))) ?? -1;
  if (found >= 0) return { ok: true, value: found };
  const had = header ? `; the header has ${header.map((h) => `"${h}"`).join(', ')}` : ' (the file has no header: name the column by number)';
  return { ok: false, message: `which column is the ${role}? Pass ${option} (tried ${names.join(', ')})${had}` };
}

/** Amounts as exports write them: 1234.50, 1,234.50, or with --decimal-comma 1.234,50 / 1234,50. */
export function parseAmount(raw: string, decimalComma: boolean): Resolved<number> {
  let text = raw.trim().replace(/\s/g, '');
  if (decimalComma) {
    if (!/^[+-]?\d{1,3}(\.\d{3})*(,\d+)?$/.test(text) && !/^[+-]?\d+(,\d+)?$/.test(text)) return { ok: false, message: 'not an amount (decimal comma)' };
    text = text.replace(/\./g, '').replace(',', '.');
  } else {
    if (!/^[+-]?\d{1,3}(,\d{3})*(\.\d+)?$/.test(text) && !/^[+-]?\d+(\.\d+)?$/.test(text)) return { ok: false, message: 'not an amount' };
    text = text.replace(/,/g, '');
  }
  const value = Number(text);
  if (!Number.isFinite(value)) return { ok: false, message: 'not an amount' };
  if (value < 0) return { ok: false, message: 'negative: refunds are not imported from a purchase file' };
  return { ok: true, value };
}

export interface ImportedPurchase {
  orderId: string;
  source: string;
  customerId: string;
  occurredAt: string;
  total: number;
  currency: string;
  storeId?: string;
}

export type RowOutcome =
  | { kind: 'purchase'; line: number; purchase: ImportedPurchase; repeatOfIdentical: boolean }
  | { kind: 'rejected'; line: number; column: string; message: string; value?: string };

export interface RowConverterOptions {
  columns: { customer: number; date: number; amount: number; order?: number; currency?: number; store?: number };
  /** Column names for messages. */
  names: string[];
  source: string;
  currency?: string;
  parseDate: DateParser;
  decimalComma: boolean;
  /** Identical rows become one purchase (a duplicate) instead of separate ones. */
  mergeIdentical: boolean;
}

/**
 * Turns one CSV record into a purchase for POST /api/purchases, or a rejection with its reason.
 *
 * Without an order column the order id is derived from the row's content — a hash of every field — plus
 * how many identical rows came before it in the file: re-running the same file (or a later export with more
 * rows, in any order) gives every row the same id again, so idempotency turns the replay into duplicates, while
 * two identical rows (the same customer buying the same amount twice on a day, as in CDNOW) stay two purchases
 * (#0, #1) unless `mergeIdentical`.
 */
export class RowConverter {
  private readonly seen = new Map<string, number>();
  repeatedIdentical = 0;

  constructor(private readonly options: RowConverterOptions) {}

  convert(record: string[], line: number): RowOutcome {
    const { columns, names } = this.options;
    const field = (index: number) => (record[index] ?? '').trim();
    const reject = (index: number | undefined, message: string): RowOutcome => ({
      kind: 'rejected',
      line,
      column: index === undefined ? 'row' : names[index] ?? `column ${index + 1}`,
      message,
      ...(index === undefined ? {} : { value: field(index).slice(0, 60) }),
    });
    const maxIndex = Math.max(...Object.values(columns).filter((c): c is number => c !== undefined));
    if (record.length <= maxIndex) return reject(undefined, `has ${record.length} fields, the mapped columns need ${maxIndex + 1}`);

    const customerId = field(columns.customer);
    if (customerId === '') return reject(columns.customer, 'empty customer id');
    if (customerId.length > 128) return reject(columns.customer, 'customer id longer than 128 characters');
    const date = this.options.parseDate(field(columns.date));
    if (!date.ok) return reject(columns.date, date.message);
    const amount = parseAmount(field(columns.amount), this.options.decimalComma);
    if (!amount.ok) return reject(columns.amount, amount.message);
    const currency = columns.currency === undefined ? this.options.currency! : field(columns.currency).toUpperCase();
    if (!isKnownCurrency(currency)) return reject(columns.currency, `"${currency}" is not an ISO 4217 currency code`);
    const storeId = columns.store === undefined ? undefined : field(columns.store) || undefined;

    let orderId: string;
    let repeatOfIdentical = false;
    if (columns.order !== undefined) {
      orderId = field(columns.order);
      if (orderId === '') return reject(columns.order, 'empty order id');
      if (orderId.length > 128) return reject(columns.order, 'order id longer than 128 characters');
    } else {
      const digest = createHash('sha256').update(JSON.stringify(record.map((f) => f.trim()))).digest('hex').slice(0, 24);
      const occurrence = this.seen.get(digest) ?? 0;
      this.seen.set(digest, occurrence + 1);
      repeatOfIdentical = occurrence > 0;
      if (repeatOfIdentical) this.repeatedIdentical++;
      orderId = `row-${digest}-${this.options.mergeIdentical ? 0 : occurrence}`;
    }
    return {
      kind: 'purchase',
      line,
      repeatOfIdentical,
      purchase: {
        orderId,
        source: this.options.source,
        customerId,
        occurredAt: date.iso,
        total: amount.value,
        currency,
        ...(storeId === undefined ? {} : { storeId }),
      },
    };
  }
}

/** The delimiter of a file from its first line, when none was given: ; , tab or |, else runs of whitespace. */
export function sniffDelimiter(firstLine: string): string {
  const counts = [';', ',', '\t', '|'].map((d) => [d, firstLine.split(d).length - 1] as const).sort((a, b) => b[1] - a[1]);
  if (counts[0]![1] > 0) return counts[0]![0];
  return 'whitespace';
}
