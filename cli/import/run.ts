import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { mapWithConcurrency } from '../../shared/concurrency.js';
import { HostClient, HostError, resolveFunctionKey } from '../host-client.js';
import { Progress, formatDuration } from '../progress.js';
import { readRecords, resolveDelimiter, type CsvRecord } from './csv.js';
import { columnOfPointer, customerColumns, toProfile } from './customers.js';
import { dateParser } from './dates.js';
import { Rejections } from './rejections.js';
import { RowConverter, resolveColumn, resolveWithDefaults, type ImportedPurchase } from './rows.js';

export const usage = `Usage: npm run import -- --purchases FILE [--customers FILE] [options]

  --purchases FILE      purchases, one row each (CSV, or whitespace-separated)
  --customers FILE      customer profiles, one row each, loaded first (see README for the headers)
Columns (a header name, or a number counted from 1 for files without a header):
  --customer-col C      customer id            (default: customer_id, customer, customer_number, …)
  --date-col C          when it was bought     (default: occurred_at, date, order_date, …)
  --amount-col C        amount paid            (default: amount, total, order_total, …)
  --order-col C         order id (idempotency key); without it one is derived from each row's content
  --currency CODE       ISO 4217 currency of all amounts, or
  --currency-col C      a column holding it per row
  --store-col C         store id
Format:
  --delimiter D         , ; | tab or whitespace (default: detected from the first line)
  --no-header           the first line is data
  --date-format F       iso (default) or a pattern of YYYY MM DD HH mm ss, e.g. YYYYMMDD, DD.MM.YYYY HH:mm
  --time-zone Z         IANA zone of times without an offset (default UTC); dates alone are taken at noon
  --decimal-comma       amounts are written 1.234,50
  --source S            the purchases' source id (default import); part of the idempotency key
  --merge-identical     identical rows are one purchase (default: each row is a purchase)
Host:
  --url URL             winback host (default http://localhost:7071)
  --key KEY             function key (default: WINBACK_FUNCTION_KEY, else <data-dir>/function-key)
  --data-dir DIR        the local host's data folder (default .winback)
  --batch-size N        purchases per request (default 1000, the API's maximum)
  --concurrency N       requests in flight (default 2)
  --progress-every S    seconds between progress lines when not on a terminal (default 5)
  --json                print a JSON summary as the last line

Exit status: 0 when every row was stored (or was already there), 1 when any row was rejected or the host
failed, 2 for a usage error.`;

export class UsageError extends Error {}

const ImportOptions = z.object({
  purchases: z.string().optional(),
  customers: z.string().optional(),
  customerCol: z.string().optional(),
  dateCol: z.string().optional(),
  amountCol: z.string().optional(),
  orderCol: z.string().optional(),
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code such as EUR').transform((c) => c.toUpperCase()).optional(),
  currencyCol: z.string().optional(),
  storeCol: z.string().optional(),
  delimiter: z.string().min(1).optional(),
  header: z.boolean(),
  dateFormat: z.string().min(1),
  timeZone: z.string().refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone such as Europe/Berlin'),
  decimalComma: z.boolean(),
  source: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'lowercase letters, digits, "_", "." or "-"'),
  mergeIdentical: z.boolean(),
  url: z.url({ protocol: /^https?$/ }),
  key: z.string().optional(),
  dataDir: z.string(),
  batchSize: z.coerce.number().int().min(1).max(1000),
  concurrency: z.coerce.number().int().min(1).max(32),
  progressEvery: z.coerce.number().min(0).max(3600),
  json: z.boolean(),
});
export type ImportOptions = z.infer<typeof ImportOptions>;

/** `cwd`: where relative file names start (the user's directory); `root`: where the default data folder is. */
export function parseImportArgs(argv: string[], cwd: string, root = cwd): ImportOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      purchases: { type: 'string' },
      customers: { type: 'string' },
      'customer-col': { type: 'string' },
      'date-col': { type: 'string' },
      'amount-col': { type: 'string' },
      'order-col': { type: 'string' },
      currency: { type: 'string' },
      'currency-col': { type: 'string' },
      'store-col': { type: 'string' },
      delimiter: { type: 'string' },
      'no-header': { type: 'boolean', default: false },
      'date-format': { type: 'string', default: 'iso' },
      'time-zone': { type: 'string', default: 'UTC' },
      'decimal-comma': { type: 'boolean', default: false },
      source: { type: 'string', default: 'import' },
      'merge-identical': { type: 'boolean', default: false },
      url: { type: 'string', default: 'http://localhost:7071' },
      key: { type: 'string' },
      'data-dir': { type: 'string', default: '.winback' },
      'batch-size': { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '2' },
      'progress-every': { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const parsed = ImportOptions.safeParse({
    purchases: values.purchases && path.resolve(cwd, values.purchases),
    customers: values.customers && path.resolve(cwd, values.customers),
    customerCol: values['customer-col'],
    dateCol: values['date-col'],
    amountCol: values['amount-col'],
    orderCol: values['order-col'],
    currency: values.currency,
    currencyCol: values['currency-col'],
    storeCol: values['store-col'],
    delimiter: values.delimiter,
    header: !values['no-header'],
    dateFormat: values['date-format'],
    timeZone: values['time-zone'],
    decimalComma: values['decimal-comma'],
    source: values.source,
    mergeIdentical: values['merge-identical'],
    url: values.url,
    key: values.key,
    dataDir: path.resolve(values['data-dir'] === '.winback' ? root : cwd, values['data-dir']),
    batchSize: values['batch-size'],
    concurrency: values.concurrency,
    progressEvery: values['progress-every'],
    json: values.json,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const option = String(issue.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new UsageError(`--${option}: ${issue.message}`);
  }
  const options = parsed.data;
  if (!options.purchases && !options.customers) throw new UsageError('give --purchases FILE (and/or --customers FILE)');
  if (options.purchases && !options.currency && !options.currencyCol) throw new UsageError('--currency CODE (e.g. EUR) or --currency-col is required');
  for (const file of [options.purchases, options.customers]) {
    if (file && !statSync(file, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`no such file: ${file}`);
  }
  return options;
}

const fmt = (n: number) => n.toLocaleString('en');

interface Tally {
  rows: number;
  created: number;
  duplicates: number;
  rejections: Rejections;
}

async function* withHeader(records: AsyncGenerator<CsvRecord>, hasHeader: boolean): AsyncGenerator<CsvRecord | { header: string[] }> {
  let first = true;
  for await (const record of records) {
    if (first && hasHeader) yield { header: record.fields.map((f) => f.trim()) };
    else yield record;
    first = false;
  }
}

/** Keeps at most `limit` sends in flight; rejects as soon as one of them failed. */
class InFlight {
  private readonly pending = new Set<Promise<void>>();
  private failure: unknown;
  constructor(private readonly limit: number) {}
  async add(work: Promise<void>): Promise<void> {
    const tracked = work.catch((error: unknown) => {
      this.failure ??= error;
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    while (this.pending.size >= this.limit) await Promise.race(this.pending);
    if (this.failure) throw this.failure;
  }
  async drain(): Promise<void> {
    await Promise.all(this.pending);
    if (this.failure) throw this.failure;
  }
}

async function importPurchases(options: ImportOptions, client: HostClient, progress: Progress): Promise<Tally & { repeatedIdentical: number }> {
  const file = options.purchases!;
  const size = statSync(file).size;
  const delimiter = await resolveDelimiter(file, options.delimiter);
  const tally: Tally = { rows: 0, created: 0, duplicates: 0, rejections: new Rejections() };
  const started = Date.now();
  let bytesRead = 0;
  let converter: RowConverter | undefined;
  let names: string[] = [];
  const pointerColumn: Record<string, string> = {};
  const inFlight = new InFlight(options.concurrency);
  let batch: { line: number; purchase: ImportedPurchase }[] = [];

  const show = (force = false) =>
    progress.update(() => {
      const seconds = (Date.now() - started) / 1000;
      const rate = tally.rows / Math.max(seconds, 0.001);
      const eta = bytesRead > 0 ? (seconds * (size - bytesRead)) / bytesRead : NaN;
      return `purchases: ${fmt(tally.rows)} rows read (${Math.round((100 * bytesRead) / size)} %), ${fmt(tally.created)} new, ${fmt(tally.duplicates)} duplicates, ${fmt(tally.rejections.count)} rejected — ${fmt(Math.round(rate))} rows/s, ETA ${formatDuration(eta)}`;
    }, force);

  const send = async (items: typeof batch) => {
    const response = await client.expect<{ results: { index: number; status: string; errors?: { pointer: string; message: string }[]; detail?: string }[] }>(
      [200],
      'POST',
      '/api/purchases',
      { purchases: items.map((i) => i.purchase) },
    );
    for (const result of response.body.results) {
      const line = items[result.index]!.line;
      switch (result.status) {
        case 'created':
          tally.created++;
          break;
        case 'duplicate':
          tally.duplicates++;
          break;
        case 'invalid':
          for (const error of result.errors ?? []) {
            const field = error.pointer.split('/')[3] ?? '';
            tally.rejections.add(line, pointerColumn[field] ?? (field || 'row'), error.message);
          }
          break;
        case 'conflict':
          tally.rejections.add(line, pointerColumn['orderId']!, 'the order was already recorded with different content');
          break;
        case 'erased':
          tally.rejections.add(line, pointerColumn['customerId']!, 'the customer was erased; their purchases are not accepted');
          break;
        default:
          tally.rejections.add(line, 'row', `unexpected answer ${result.status}`);
      }
    }
    show();
  };

  for await (const item of withHeader(readRecords(file, delimiter), options.header)) {
    if ('header' in item || converter === undefined) {
      const header = 'header' in item ? item.header : undefined;
      const resolve = (r: { ok: true; value: number } | { ok: false; message: string }) => {
        if (!r.ok) throw new UsageError(`${path.basename(file)}: ${r.message}`);
        return r.value;
      };
      const optional = (ref: string | undefined, option: string) => (ref === undefined ? undefined : resolve(resolveColumn(ref, header, option)));
      const columns = {
        customer: resolve(resolveWithDefaults(options.customerCol, 'customer', header)),
        date: resolve(resolveWithDefaults(options.dateCol, 'date', header)),
        amount: resolve(resolveWithDefaults(options.amountCol, 'amount', header)),
        order: optional(options.orderCol, '--order-col'),
        currency: optional(options.currencyCol, '--currency-col'),
        store: optional(options.storeCol, '--store-col'),
      };
      let parseDate;
      try {
        parseDate = dateParser(options.dateFormat, options.timeZone);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const width = Math.max(header?.length ?? 0, ...Object.values(columns).map((c) => (c ?? 0) + 1));
      names = Array.from({ length: width }, (_, i) => header?.[i] ?? `column ${i + 1}`);
      const name = (index: number | undefined, fallback: string) => (index === undefined ? fallback : names[index]!);
      Object.assign(pointerColumn, {
        customerId: name(columns.customer, ''),
        occurredAt: name(columns.date, ''),
        total: name(columns.amount, ''),
        orderId: name(columns.order, 'order id (derived from the row)'),
        currency: name(columns.currency, '--currency'),
        storeId: name(columns.store, ''),
      });
      converter = new RowConverter({ columns, names, source: options.source, currency: options.currency, parseDate, decimalComma: options.decimalComma, mergeIdentical: options.mergeIdentical });
      if ('header' in item) continue;
    }
    const record = item as CsvRecord;
    tally.rows++;
    bytesRead = record.bytesRead;
    const outcome = converter.convert(record.fields, record.line);
    if (outcome.kind === 'rejected') tally.rejections.add(outcome.line, outcome.column, outcome.message, outcome.value);
    else batch.push({ line: outcome.line, purchase: outcome.purchase });
    if (batch.length >= options.batchSize) {
      await inFlight.add(send(batch));
      batch = [];
    }
  }
  if (batch.length > 0) await inFlight.add(send(batch));
  await inFlight.drain();
  bytesRead = size;
  show(true);
  progress.done();
  return { ...tally, repeatedIdentical: converter?.repeatedIdentical ?? 0 };
}

async function importCustomers(options: ImportOptions, client: HostClient, progress: Progress): Promise<Tally> {
  const file = options.customers!;
  const delimiter = await resolveDelimiter(file, options.delimiter);
  const tally: Tally = { rows: 0, created: 0, duplicates: 0, rejections: new Rejections() };
  const records: CsvRecord[] = [];
  let header: string[] | undefined;
  for await (const item of withHeader(readRecords(file, delimiter), true)) {
    if ('header' in item) header = item.header;
    else records.push(item);
  }
  if (!header) return tally;
  const h = header;
  const byOption = options.customerCol === undefined ? undefined : resolveColumn(options.customerCol, h, '--customer-col');
  const idColumn = byOption?.ok ? byOption : resolveWithDefaults(undefined, 'customer', h);
  const id = idColumn.ok ? idColumn.value : h.findIndex((name) => name.toLowerCase() === 'id');
  if (id < 0) throw new UsageError(`${path.basename(file)}: no customer id column (pass --customer-col; the header has ${h.join(', ')})`);
  const columns = customerColumns(h);
  const now = new Date();
  await mapWithConcurrency(records, 8, async (record) => {
    tally.rows++;
    const outcome = toProfile(record.fields, id, columns, h, now);
    if (!outcome.ok) return tally.rejections.add(record.line, outcome.column, outcome.message, outcome.value);
    const response = await client.request<{ errors?: { pointer: string; message: string }[]; detail?: string }>(
      'PUT',
      `/api/customers/${encodeURIComponent(outcome.customerId)}`,
      outcome.profile,
    );
    if (response.status === 201) tally.created++;
    else if (response.status === 200) tally.duplicates++;
    else if (response.status === 400 && response.body.errors) {
      for (const error of response.body.errors) tally.rejections.add(record.line, columnOfPointer(error.pointer, columns, h), error.message);
    } else if (response.status === 401) throw new HostError('the host refused the function key (pass --key or set WINBACK_FUNCTION_KEY)', 401);
    else tally.rejections.add(record.line, 'row', `${response.status}: ${response.body.detail ?? response.text.slice(0, 200)}`);
    progress.update(() => `customers: ${fmt(tally.rows)} of ${fmt(records.length)}, ${fmt(tally.created)} new, ${fmt(tally.duplicates)} updated, ${fmt(tally.rejections.count)} rejected`);
  });
  progress.done();
  return tally;
}

export async function runImport(options: ImportOptions): Promise<number> {
  const started = Date.now();
  const key = resolveFunctionKey({ key: options.key, dataDir: options.dataDir });
  const progress = new Progress({ plainIntervalMs: options.progressEvery * 1000 });
  const client = new HostClient({ url: options.url, key, log: (line) => progress.log(line) });
  // A wrong URL should say so within seconds, not after the minute a lost connection is retried for.
  const health = await new HostClient({ url: options.url, retryForMs: 5_000 }).request('GET', '/api/health').catch((error: unknown) => {
    throw new HostError(`no winback host answers at ${options.url} (${(error as Error).message}); start one with npm start, or pass --url`);
  });
  if (health.status !== 200) throw new HostError(`${options.url}/api/health answered ${health.status}: ${health.text.slice(0, 200)}`);
  if (!key) progress.log(`no function key (no --key, WINBACK_FUNCTION_KEY or ${path.join(options.dataDir, 'function-key')}); trying without one`);

  const out: string[] = [];
  const summary: Record<string, unknown> = {};
  let rejected = 0;
  if (options.customers) {
    const t = await importCustomers(options, client, progress);
    rejected += t.rejections.count;
    out.push(`customers: ${fmt(t.rows)} rows — ${fmt(t.created)} new, ${fmt(t.duplicates)} already there (profile replaced), ${fmt(t.rejections.count)} rejected`);
    out.push(...t.rejections.summary('customer rows'));
    summary['customers'] = { rows: t.rows, created: t.created, replaced: t.duplicates, rejected: t.rejections.count, reasons: t.rejections.reasons() };
  }
  if (options.purchases) {
    const t = await importPurchases(options, client, progress);
    rejected += t.rejections.count;
    const accepted = t.created + t.duplicates;
    out.push(
      `purchases: ${fmt(t.rows)} rows — ${fmt(accepted)} stored: ${fmt(t.created)} new, ${fmt(t.duplicates)} duplicates (already there, e.g. from an earlier run); ${fmt(t.rejections.count)} rejected`,
    );
    if (t.repeatedIdentical > 0) {
      out.push(
        `  ${fmt(t.repeatedIdentical)} rows repeat an identical earlier row; ${options.mergeIdentical ? 'merged into it (--merge-identical)' : 'each was kept as its own purchase (--merge-identical to treat them as one)'}`,
      );
    }
    out.push(...t.rejections.summary('purchase rows'));
    summary['purchases'] = { rows: t.rows, created: t.created, duplicates: t.duplicates, rejected: t.rejections.count, repeatedIdentical: t.repeatedIdentical, reasons: t.rejections.reasons() };
  }
  const seconds = (Date.now() - started) / 1000;
  out.push(`done in ${formatDuration(seconds)}${rejected > 0 ? ` — ${fmt(rejected)} rows rejected, exit status 1` : ''}`);
  for (const line of out) console.log(line);
  if (options.json) console.log(JSON.stringify({ ...summary, seconds: Math.round(seconds * 10) / 10 }));
  return rejected > 0 ? 1 : 0;
}
