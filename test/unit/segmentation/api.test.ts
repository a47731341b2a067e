import { describe, expect, it } from 'vitest';
import { decodeRunCursor, encodeRunCursor, RunRequest } from '../../../shared/segmentation/api.js';

describe('runs API input', () => {
  it('page tokens are URL-safe and round-trip; anything else decodes to nothing', () => {
    const cursor = { createdAt: '2026-11-02T02:00:00.123Z', runId: '20261101-s3f9c0d12ab' };
    const token = encodeRunCursor(cursor);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeRunCursor(token)).toEqual(cursor);
    const foreign = [
      '',
      'abc',
      `${token}=`,
      Buffer.from(JSON.stringify({ v: 2, at: cursor.createdAt, id: cursor.runId })).toString('base64url'),
      Buffer.from(JSON.stringify({ v: 1, at: 'yesterday', id: cursor.runId })).toString('base64url'),
      Buffer.from(JSON.stringify({ v: 1, at: cursor.createdAt, id: 'a/b' })).toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
    ];
    for (const t of foreign) expect(decodeRunCursor(t)).toBeUndefined();
  });

  it('a run request names what is wrong', () => {
    const paths = (input: unknown) => (RunRequest.safeParse(input).error?.issues ?? []).map((i) => [...i.path, ...('keys' in i ? i.keys : [])].join('.'));
    expect(paths({ asOf: '1997-02-30' })).toEqual(['asOf']);
    expect(paths({ asOf: '1997-09-30', timeUnit: 'month' })).toEqual(['timeUnit']);
    expect(paths({ shards: 0 })).toEqual(['shards']);
    expect(paths({ runId: 'a b' })).toEqual(['runId']);
    expect(paths({ asof: '1997-09-30' })).toEqual(['asof']);
    expect(RunRequest.parse({ asOf: '1997-09-30', timeUnit: 'week', shards: 4, runId: 'cd-1' })).toEqual({ asOf: '1997-09-30', timeUnit: 'week', shards: 4, runId: 'cd-1' });
  });
});
