import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecords, resolveDelimiter } from '../../../cli/import/csv.js';
import { columnOfPointer, customerColumns, toProfile } from '../../../cli/import/customers.js';
import { dateParser, zonedToUtc } from '../../../cli/import/dates.js';
import { Rejections } from '../../../cli/import/rejections.js';
import { RowConverter, parseAmount, resolveColumn, resolveWithDefaults, sniffDelimiter } from '../../../cli/import/rows.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'winback-import-'));

describe('dates', () => {
  it('reads YYYYMMDD at noon in the given zone', () => {
    expect(dateParser('YYYYMMDD', 'UTC')('19970101')).toEqual({ ok: true, iso: '1997-01-01T12:00:00.000Z' });
    expect(dateParser('YYYYMMDD', 'Europe/Berlin')('19970701')).toEqual({ ok: true, iso: '1997-07-01T10:00:00.000Z' });
  });

  it('reads patterns with times, and local times across a DST change', () => {
    const parse = dateParser('DD.MM.YYYY HH:mm', 'Europe/Berlin');
    expect(parse('30.03.2026 09:15')).toEqual({ ok: true, iso: '2026-03-30T07:15:00.000Z' });
    expect(parse('27.03.2026 09:15')).toEqual({ ok: true, iso: '2026-03-27T08:15:00.000Z' });
    expect(zonedToUtc({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('reads ISO dates and instants; an offset wins over the zone', () => {
    const parse = dateParser('iso', 'America/New_York');
    expect(parse('2026-11-01T10:15:00+01:00')).toEqual({ ok: true, iso: '2026-11-01T09:15:00.000Z' });
    expect(parse('2026-11-01T10:15:00Z')).toEqual({ ok: true, iso: '2026-11-01T10:15:00.000Z' });
    expect(parse('2026-07-01 10:15')).toEqual({ ok: true, iso: '2026-07-01T14:15:00.000Z' });
    expect(parse('2026-07-01')).toEqual({ ok: true, iso: '2026-07-01T16:00:00.000Z' });
  });

  it('rejects what does not fit, and impossible dates', () => {
    expect(dateParser('YYYYMMDD', 'UTC')('1997-01-01')).toMatchObject({ ok: false, message: 'does not match --date-format YYYYMMDD' });
    expect(dateParser('YYYYMMDD', 'UTC')('19970230')).toMatchObject({ ok: false, message: 'not a real date' });
    expect(dateParser('iso', 'UTC')('01/02/2026')).toMatchObject({ ok: false });
    expect(() => dateParser('MM/YYYY', 'UTC')).toThrow(/needs YYYY, MM and DD/);
  });
});

describe('amounts', () => {
  it('reads point and comma decimals with thousands separators', () => {
    expect(parseAmount('1,234.50', false)).toEqual({ ok: true, value: 1234.5 });
    expect(parseAmount(' 77.00 ', false)).toEqual({ ok: true, value: 77 });
    expect(parseAmount('1.234,50', true)).toEqual({ ok: true, value: 1234.5 });
    expect(parseAmount('59,90', true)).toEqual({ ok: true, value: 59.9 });
  });
  it('rejects text and negative amounts', () => {
    expect(parseAmount('12,5', false)).toMatchObject({ ok: false, message: 'not an amount' });
    expect(parseAmount('abc', false)).toMatchObject({ ok: false });
    expect(parseAmount('-3.00', false)).toMatchObject({ ok: false, message: expect.stringMatching(/^negative/) });
  });
});

describe('columns', () => {
  const header = ['customer_id', 'date', 'number_of_cds', 'dollar_value'];
  it('finds columns by name (ignoring case and _), by number, or by the default names', () => {
    expect(resolveColumn('Dollar Value', header, '--amount-col')).toEqual({ ok: true, value: 3 });
    expect(resolveColumn('2', undefined, '--date-col')).toEqual({ ok: true, value: 1 });
    expect(resolveWithDefaults(undefined, 'customer', header)).toEqual({ ok: true, value: 0 });
  });
  it('says which columns exist when one is missing', () => {
    const missing = resolveWithDefaults(undefined, 'amount', header);
    expect(missing).toMatchObject({ ok: false });
    expect(!missing.ok && missing.message).toMatch(/--amount-col .*"dollar_value"/);
    expect(resolveColumn('price', header, '--amount-col')).toMatchObject({ ok: false, message: expect.stringContaining('no such column') });
  });
  it('detects the delimiter from the first line', () => {
    expect(sniffDelimiter(' customer_id  date number_of_cds  dollar_value')).toBe('whitespace');
    expect(sniffDelimiter('a;b;c')).toBe(';');
    expect(sniffDelimiter('a,b,"c;d"')).toBe(',');
    expect(sniffDelimiter('a\tb')).toBe('\t');
  });
});

describe('RowConverter', () => {
  const converter = (mergeIdentical = false) =>
    new RowConverter({
      columns: { customer: 0, date: 1, amount: 3 },
      names: ['customer_id', 'date', 'number_of_cds', 'dollar_value'],
      source: 'cdnow',
      currency: 'USD',
      parseDate: dateParser('YYYYMMDD', 'UTC'),
      decimalComma: false,
      mergeIdentical,
    });

  it('maps a row to a purchase with an order id derived from its content', () => {
    const a = converter().convert(['00002', '19970112', '1', '12.00'], 3);
    const b = converter().convert(['00002', '19970112', '1', '12.00'], 99);
    expect(a).toMatchObject({
      kind: 'purchase',
      line: 3,
      purchase: { source: 'cdnow', customerId: '00002', occurredAt: '1997-01-12T12:00:00.000Z', total: 12, currency: 'USD' },
    });
    // Same content, same id, wherever the row stands in the file: a re-run is a duplicate.
    expect(a.kind === 'purchase' && b.kind === 'purchase' && a.purchase.orderId === b.purchase.orderId).toBe(true);
    const other = converter().convert(['00002', '19970112', '5', '77.00'], 4);
    expect(other.kind === 'purchase' && a.kind === 'purchase' && other.purchase.orderId !== a.purchase.orderId).toBe(true);
  });

  it('keeps identical rows apart by their occurrence, or merges them on request', () => {
    const ids = (merge: boolean) => {
      const c = converter(merge);
      const out = [1, 2, 3].map((line) => c.convert(['00398', '19980518', '1', '12.99'], line));
      return { ids: out.map((o) => (o.kind === 'purchase' ? o.purchase.orderId : '')), repeated: c.repeatedIdentical };
    };
    const apart = ids(false);
    expect(new Set(apart.ids).size).toBe(3);
    expect(apart.ids[0]).toMatch(/-0$/);
    expect(apart.repeated).toBe(2);
    expect(new Set(ids(true).ids).size).toBe(1);
  });

  it('rejects a row with its column, reason and value', () => {
    const c = converter();
    expect(c.convert(['00001', '19971301', '1', '1.00'], 7)).toEqual({ kind: 'rejected', line: 7, column: 'date', message: 'not a real date', value: '19971301' });
    expect(c.convert(['', '19970101', '1', '1.00'], 8)).toMatchObject({ column: 'customer_id', message: 'empty customer id' });
    expect(c.convert(['00001', '19970101', '1', 'n/a'], 9)).toMatchObject({ column: 'dollar_value', message: 'not an amount' });
    expect(c.convert(['00001', '19970101'], 10)).toMatchObject({ column: 'row', message: 'has 2 fields, the mapped columns need 4' });
  });
});

describe('reading files', () => {
  it('reads whitespace-separated CRLF files with runs of blanks', async () => {
    const file = path.join(tmp(), 'cdnow.txt');
    writeFileSync(file, ' customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n\r\n 00002 19970112  1   12.00\r\n');
    const delimiter = await resolveDelimiter(file, undefined);
    expect(delimiter).toBe('whitespace');
    const records = [];
    for await (const r of readRecords(file, delimiter)) records.push([r.line, r.fields]);
    expect(records).toEqual([
      [1, ['customer_id', 'date', 'number_of_cds', 'dollar_value']],
      [2, ['00001', '19970101', '1', '11.77']],
      [4, ['00002', '19970112', '1', '12.00']],
    ]);
  });

  it('reads quoted CSV with a BOM, semicolons and a line break inside quotes', async () => {
    const file = path.join(tmp(), 'export.csv');
    writeFileSync(file, '\uFEFFKunde;Datum;Betrag;Notiz\n"K-1";01.02.2026;"1.234,50";"zwei\nZeilen"\nK-2;02.02.2026;5,00;"sagt ""hallo"""\n');
    const records = [];
    for await (const r of readRecords(file, await resolveDelimiter(file, undefined))) records.push([r.line, r.fields]);
    expect(records).toEqual([
      [1, ['Kunde', 'Datum', 'Betrag', 'Notiz']],
      [3, ['K-1', '01.02.2026', '1.234,50', 'zwei\nZeilen']],
      [4, ['K-2', '02.02.2026', '5,00', 'sagt "hallo"']],
    ]);
  });
});

describe('customers file', () => {
  const header = ['id', 'E-Mail', 'first_name', 'Locale', 'street', 'zip', 'city', 'country', 'email_consent', 'mail_consent'];
  const now = new Date('2026-11-30T12:00:00Z');
  it('maps headers to a profile with address and consents', () => {
    const columns = customerColumns(header);
    const out = toProfile(['C-1', 'a@example.com', 'Anna', 'de-DE', 'Hauptstr. 1', '10115', 'Berlin', 'DE', 'ja', '2025-05-01'], 0, columns, header, now);
    expect(out).toEqual({
      ok: true,
      customerId: 'C-1',
      profile: {
        email: 'a@example.com',
        firstName: 'Anna',
        locale: 'de-DE',
        address: { line1: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
        consents: {
          email: { granted: true, at: '2026-11-30T12:00:00.000Z', source: 'import' },
          mail: { granted: true, at: '2025-05-01T00:00:00.000Z', source: 'import' },
        },
      },
    });
    expect(columnOfPointer('/address/city', columns, header)).toBe('city');
    expect(columnOfPointer('/email', columns, header)).toBe('E-Mail');
  });
  it('rejects an unreadable consent and an empty id', () => {
    const columns = customerColumns(header);
    expect(toProfile(['C-1', '', '', '', '', '', '', '', 'maybe', ''], 0, columns, header, now)).toMatchObject({ ok: false, column: 'email_consent', value: 'maybe' });
    expect(toProfile(['', 'a@example.com'], 0, columns, header, now)).toMatchObject({ ok: false, message: 'empty customer id' });
  });
});

describe('Rejections', () => {
  it('groups by reason, most frequent first, with the first lines', () => {
    const r = new Rejections();
    for (let line = 2; line < 10; line++) r.add(line, 'date', 'not a real date', `x${line % 2}`);
    r.add(20, 'dollar_value', 'not an amount', 'n/a');
    expect(r.count).toBe(9);
    expect(r.reasons()[0]).toEqual({ reason: 'date: not a real date', rows: 8, lines: [2, 3, 4, 5, 6], values: ['x0', 'x1'] });
    expect(r.summary('purchase rows')).toEqual([
      '9 purchase rows rejected:',
      '  date: not a real date — 8 rows (line 2, 3, 4, 5, 6, …), e.g. "x0", "x1"',
      '  dollar_value: not an amount — 1 row (line 20), e.g. "n/a"',
    ]);
  });
});
