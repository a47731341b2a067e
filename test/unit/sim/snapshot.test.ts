import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { enteredCustomers } from '../../../cli/simulate/snapshot.js';
import { renderCsv, snapshotColumns } from '../../../shared/segmentation/csv.js';

const segments = ['champions', 'at_risk', 'cant_lose', 'hibernating'];

/** A snapshot part as the host writes it: one row per customer, some moved into a new segment. */
function part(rows: number, topCategory: (i: number) => string): string {
  return (
    '\uFEFF' +
    renderCsv(
      snapshotColumns,
      Array.from({ length: rows }, (_, i) => snapshotColumns.map((column) => {
        switch (column) {
          case 'customerId': return `9${String(i).padStart(7, '0')}`;
          case 'segment': return segments[(i * 7) % 4]!;
          case 'previousSegment': return segments[(i * 3) % 4]!;
          case 'segmentChanged': return i % 5 === 0;
          case 'topCategory': return topCategory(i);
          default: return i / 7;
        }
      })),
    )
  );
}

/** What csv-parse reads from the same text. */
const reference = (csv: string, wanted: Set<string>) =>
  (parse(csv, { columns: true, bom: true }) as Record<string, string>[]).filter((r) => r['segmentChanged'] === 'true' && wanted.has(r['segment']!)).map((r) => r['customerId']);

describe('enteredCustomers', () => {
  const wanted = new Set(['at_risk', 'cant_lose']);
  it('reads the customers moved into the wanted segments, as csv-parse does', () => {
    const csv = part(500, () => 'food');
    const ids = enteredCustomers(csv, wanted);
    expect(ids.length).toBeGreaterThan(20);
    expect(ids).toEqual(reference(csv, wanted));
  });
  it('a part with quoted fields (commas, quotes, line breaks) reads the same', () => {
    const csv = part(200, (i) => (i % 9 === 0 ? `home, "garden"\r\nand more` : 'toys'));
    expect(csv).toContain('"');
    expect(enteredCustomers(csv, wanted)).toEqual(reference(csv, wanted));
  });
  it('a part without the columns it needs says so', () => {
    expect(() => enteredCustomers('id,segment\r\n1,at_risk\r\n', wanted)).toThrow(/lacks customerId, segment or segmentChanged/);
  });
});
