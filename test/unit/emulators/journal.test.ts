import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeJournal, encodeJournalLine, JournalWriter } from '../../../local/journal.js';

const asRecord = (value: unknown) => (typeof value === 'object' && value !== null && 'n' in value ? (value as { n: number }) : undefined);
const lines = (...records: unknown[]) => records.map(encodeJournalLine).join('');

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'winback-journal-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('journal line format', () => {
  it('round-trips records in order', () => {
    const decoded = decodeJournal(lines({ n: 1 }, { n: 2 }, { n: 3 }), asRecord);
    expect(decoded).toEqual({ records: [{ n: 1 }, { n: 2 }, { n: 3 }], skipped: 0, torn: false, damagedLines: [] });
  });

  it('drops a last record cut short before its newline, keeping the ones before it', () => {
    const whole = lines({ n: 1 }, { n: 2 });
    const torn = encodeJournalLine({ n: 3, text: 'x'.repeat(100) });
    for (const cut of [1, 13, 20, torn.length - 2, torn.length - 1]) {
      const decoded = decodeJournal(whole + torn.slice(0, cut), asRecord);
      expect(decoded, `cut at ${cut}`).toEqual({ records: [{ n: 1 }, { n: 2 }], skipped: 1, torn: true, damagedLines: [] });
    }
  });

  it('treats a last line whose checksum fails as torn too (zeros or garbage where the write did not land)', () => {
    const good = lines({ n: 1 });
    const last = encodeJournalLine({ n: 2 });
    const garbled = `${last.slice(0, 20)}\0\0\0\0${last.slice(24)}`;
    expect(decodeJournal(good + garbled, asRecord)).toEqual({ records: [{ n: 1 }], skipped: 1, torn: true, damagedLines: [] });
  });

  it('reports damage before the last line apart from a torn tail', () => {
    const [a, b, c] = [encodeJournalLine({ n: 1 }), encodeJournalLine({ n: 2 }), encodeJournalLine({ n: 3 })];
    const altered = b.replace('"n":2', '"n":9');
    expect(decodeJournal(a + altered + c, asRecord)).toEqual({ records: [{ n: 1 }, { n: 3 }], skipped: 1, torn: false, damagedLines: [2] });
    // A record the caller's parser refuses counts as damaged as well.
    expect(decodeJournal(a + encodeJournalLine({ other: true }) + c, asRecord).damagedLines).toEqual([2]);
  });
});

describe('JournalWriter', () => {
  it('writes each record at once and resolves durable() for everything appended before the call', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'j-1.log');
    const writer = new JournalWriter(file);
    expect(writer.isDurable).toBe(true);
    writer.append({ n: 1 });
    // Already in the file (the OS has it) before any sync: a killed process keeps it.
    expect(decodeJournal(readFileSync(file, 'utf8'), asRecord).records).toEqual([{ n: 1 }]);
    expect(writer.isDurable).toBe(false);
    const first = writer.durable();
    writer.append({ n: 2 });
    const second = writer.durable();
    await Promise.all([first, second]);
    expect(writer.isDurable).toBe(true);
    expect(writer.records).toBe(2);

    const next = path.join(dir, 'j-2.log');
    writer.append({ n: 3 });
    const beforeRotate = writer.durable();
    writer.rotate(next);
    await beforeRotate;
    writer.append({ n: 4 });
    await writer.durable();
    writer.close();
    expect(decodeJournal(readFileSync(file, 'utf8'), asRecord).records).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(decodeJournal(readFileSync(next, 'utf8'), asRecord).records).toEqual([{ n: 4 }]);
  });

  it('fails every later durable() once a write fails', async () => {
    const writer = new JournalWriter(path.join(tempDir(), 'j.log'));
    writer.close();
    expect(() => writer.append({ n: 1 })).toThrow();
    await expect(writer.durable()).rejects.toThrow();
    expect(writer.failed).toBeInstanceOf(Error);
  });
});
