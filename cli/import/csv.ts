import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { sniffDelimiter } from './rows.js';

export interface CsvRecord {
  fields: string[];
  /** 1-based line number where the record ends (what a person finds in an editor). */
  line: number;
  /** Bytes of the file read so far (for progress). */
  bytesRead: number;
}

/** `,` `;` `|`, `tab`, `whitespace` (runs of blanks, as in CDNOW), or undefined to detect from the first line. */
export async function resolveDelimiter(file: string, option: string | undefined): Promise<string> {
  if (option !== undefined) {
    const named: Record<string, string> = { tab: '\t', '\\t': '\t', space: 'whitespace', whitespace: 'whitespace', comma: ',', semicolon: ';', pipe: '|' };
    return named[option.toLowerCase()] ?? option;
  }
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    return sniffDelimiter(buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '');
  } finally {
    await handle.close();
  }
}

/**
 * The file's records, streamed. csv-parse does the RFC 4180 work (quotes, doubled quotes, line breaks inside
 * quotes, BOM, CRLF); whitespace-separated files (no quoting, fields separated by any run of blanks) are
 * parsed with blank as the delimiter and the empty fields between consecutive blanks dropped.
 */
export async function* readRecords(file: string, delimiter: string): AsyncGenerator<CsvRecord> {
  const whitespace = delimiter === 'whitespace';
  const stream = createReadStream(file);
  const parser = stream.pipe(
    parse({
      delimiter: whitespace ? [' ', '\t'] : delimiter,
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      ...(whitespace ? { quote: false } : {}),
    }),
  );
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    const fields = whitespace ? record.filter((f) => f !== '') : record;
    if (fields.length === 0 || (fields.length === 1 && fields[0]!.trim() === '')) continue;
    yield { fields, line: info.lines, bytesRead: stream.bytesRead };
  }
}
