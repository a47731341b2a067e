import { describe, expect, it } from 'vitest';
import { missingAddressFields, planPrintBatch, PrintQueueChannel, printCsv } from '../../../shared/channels/print.js';
import { dueDays, runDuePrintBatches, runPrintBatch } from '../../../shared/channels/print-batch.js';
import type { BlobStore } from '../../../shared/storage/blobs.js';
import { delivery, now } from './fixtures.js';

class MemoryBlobs implements BlobStore {
  readonly files = new Map<string, { content: Buffer; contentType: string }>();
  async put(path: string, content: string | Buffer, contentType: string) {
    this.files.set(path, { content: typeof content === 'string' ? Buffer.from(content) : content, contentType });
  }
  async get(path: string) {
    return this.files.get(path)?.content;
  }
  async list(prefix: string) {
    return [...this.files.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

const kept = { isErased: async () => false };

describe('printed coupons', () => {
  it('names what an incomplete address lacks', () => {
    expect(missingAddressFields('Anna', { line1: 'Hauptstraße 5', postalCode: '10115', city: 'Berlin', country: 'DE' })).toEqual([]);
    expect(missingAddressFields(undefined, { line1: ' ', city: 'Berlin' })).toEqual(['name', 'address.line1', 'address.postalCode', 'address.country']);
  });

  it('a send records the piece on its mail-drop day in the retailer zone; a redelivery leaves one piece', async () => {
    const blobs = new MemoryBlobs();
    const channel = new PrintQueueChannel(blobs, 'Europe/Berlin');
    const lateEvening = new Date('2026-11-20T23:30:00Z'); // already the 21st in Berlin
    const d = delivery({ channel: 'mail' });
    expect(await channel.send(d, lateEvening)).toEqual({ kind: 'sent', providerMessageId: `print:2026-11-21:${d.messageId}` });
    await channel.send(d, lateEvening);
    expect(await blobs.list('print/pending/2026-11-21/')).toHaveLength(1);
  });

  it('refuses a customer without a complete address with the reason, storing nothing', async () => {
    const blobs = new MemoryBlobs();
    const d = delivery({ channel: 'mail' });
    const outcome = await new PrintQueueChannel(blobs, 'UTC').send({ ...d, to: { name: 'Anna Schmidt', address: { ...d.to.address!, postalCode: '' } } }, now);
    expect(outcome).toEqual({ kind: 'permanent', reason: 'address_incomplete: missing address.postalCode' });
    expect(blobs.files.size).toBe(0);
  });

  it('the daily batch writes the CSV (locale-formatted expiry) and one PDF page per letter, and lists skipped pieces', async () => {
    const blobs = new MemoryBlobs();
    const channel = new PrintQueueChannel(blobs, 'UTC');
    const base = delivery({ channel: 'mail' });
    await channel.send({ ...base, messageId: 'm-berlin' }, now);
    await channel.send(
      {
        ...base,
        messageId: 'm-london',
        customerId: 'c-2',
        to: { name: 'John Smith', address: { line1: '1 High St', postalCode: 'N1 9GU', city: 'London', country: 'GB' } },
        parts: { locale: 'en-GB', subject: 'We miss you', text: 'Here is £10, "on us".' },
        coupon: { ...base.coupon!, displayCode: 'WB99-ZZ11', value: '£10.00' },
      },
      now,
    );
    // A piece stored before a profile lost its address (or edited by hand) is skipped, not printed.
    await blobs.put('print/pending/2026-11-20/m-broken.json', JSON.stringify({ messageId: 'm-broken', customerId: 'c-3', mailDropDate: '2026-11-20', locale: 'de', name: 'X', address: { line1: 'Weg 1' }, text: 't', recordedAt: now.toISOString() }), 'application/json');

    const summary = await runPrintBatch(blobs, '2026-11-20', kept);
    expect(summary).toEqual({ date: '2026-11-20', printed: 2, skipped: 1, files: ['print/2026-11-20.csv', 'print/2026-11-20.pdf', 'print/2026-11-20.skipped.csv'] });

    const csv = (await blobs.get('print/2026-11-20.csv'))!.toString('utf8').split('\r\n');
    expect(csv[0]).toBe('messageId,customerId,name,line1,line2,postalCode,city,region,country,code,displayCode,barcodeValue,value,expiresAt,mailDropDate');
    // Sorted by country, then postal code: DE before GB.
    expect(csv[1]).toBe('m-berlin,c-1001,Anna Schmidt,Hauptstraße 5,,10115,Berlin,,DE,WB7K2M9Q,WB7K-2M9Q,WB7K2M9Q,"10,00 €",31.12.2026,2026-11-20');
    expect(csv[2]).toBe('m-london,c-2,John Smith,1 High St,,N1 9GU,London,,GB,WB7K2M9Q,WB99-ZZ11,WB7K2M9Q,£10.00,31 Dec 2026,2026-11-20');

    const pdf = blobs.files.get('print/2026-11-20.pdf')!;
    expect(pdf.contentType).toBe('application/pdf');
    const text = pdf.content.toString('latin1');
    expect(text.startsWith('%PDF-')).toBe(true);
    expect(text.match(/\/Type \/Page\b/g)).toHaveLength(2);
    expect(text.match(/\/Subtype \/Image/g)!.length).toBeGreaterThanOrEqual(2); // a barcode on each letter

    expect((await blobs.get('print/2026-11-20.skipped.csv'))!.toString('utf8')).toContain('m-broken,c-3,"address_incomplete: missing address.postalCode, address.city, address.country"');

    // A rerun of the day writes the same CSV and the same letters (pdfkit numbers the image objects in the
    // order their compression finishes, so the PDF bytes may differ).
    const again = new MemoryBlobs();
    for (const [k, v] of blobs.files) if (k.startsWith('print/pending/')) again.files.set(k, v);
    await runPrintBatch(again, '2026-11-20', kept);
    expect(again.files.get('print/2026-11-20.csv')!.content.equals(blobs.files.get('print/2026-11-20.csv')!.content)).toBe(true);
    expect(again.files.get('print/2026-11-20.pdf')!.content.toString('latin1').match(/\/Type \/Page\b/g)).toHaveLength(2);
  });

  it('a day without pieces writes no letters, only its done marker', async () => {
    const blobs = new MemoryBlobs();
    expect(await runPrintBatch(blobs, '2026-11-19', kept)).toEqual({ date: '2026-11-19', printed: 0, skipped: 0, files: [] });
    expect([...blobs.files.keys()]).toEqual(['print/2026-11-19.done.json']);
  });

  it('CSV cells that a spreadsheet would run as formulas are defused', () => {
    const plan = planPrintBatch([{ messageId: 'm', customerId: 'c', mailDropDate: '2026-11-20', locale: 'en', name: '=HYPERLINK("x")', address: { line1: 'a', postalCode: '1', city: 'c', country: 'DE' }, text: 't', recordedAt: now.toISOString() }]);
    expect(printCsv(plan.printable)).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it('a run prints every complete day not yet printed, so a missed run is caught up, and never today', async () => {
    expect(dueDays(['print/pending/2026-11-18/a.json', 'print/pending/2026-11-19/b.json', 'print/2026-11-18.done.json', 'print/pending/2026-11-20/c.json'], '2026-11-20')).toEqual(['2026-11-19']);
    const blobs = new MemoryBlobs();
    const channel = new PrintQueueChannel(blobs, 'UTC');
    await channel.send(delivery({ channel: 'mail', messageId: 'm-18' }), new Date('2026-11-18T10:00:00Z'));
    await channel.send(delivery({ channel: 'mail', messageId: 'm-19' }), new Date('2026-11-19T10:00:00Z'));
    await channel.send(delivery({ channel: 'mail', messageId: 'm-20' }), new Date('2026-11-20T08:00:00Z'));
    expect((await runDuePrintBatches(blobs, '2026-11-20', kept)).map((s) => [s.date, s.printed])).toEqual([['2026-11-18', 1], ['2026-11-19', 1]]);
    expect(await runDuePrintBatches(blobs, '2026-11-20', kept)).toEqual([]);
    expect((await runDuePrintBatches(blobs, '2026-11-21', kept)).map((s) => s.date)).toEqual(['2026-11-20']);
  });

  it('a customer erased since the send gets no letter', async () => {
    const blobs = new MemoryBlobs();
    const channel = new PrintQueueChannel(blobs, 'UTC');
    await channel.send(delivery({ channel: 'mail', messageId: 'm-kept' }), now);
    await channel.send(delivery({ channel: 'mail', messageId: 'm-gone', customerId: 'c-gone' }), now);
    const summary = await runPrintBatch(blobs, '2026-11-20', { isErased: async (id) => id === 'c-gone' });
    expect(summary).toMatchObject({ printed: 1, skipped: 1 });
    expect((await blobs.get('print/2026-11-20.csv'))!.toString()).not.toContain('c-gone');
    expect((await blobs.get('print/2026-11-20.skipped.csv'))!.toString()).toContain('m-gone,c-gone,customer_erased');
  });
});
