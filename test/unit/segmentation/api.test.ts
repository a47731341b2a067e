import { describe, expect, it } from 'vitest';
import { runCursorOf, runCursorPosition, RunRequest } from '../../../shared/segmentation/api.js';

describe('runs API input', () => {
  it('a paging position round-trips the cursor; anything else names no cursor', () => {
    const cursor = { createdAt: '2026-11-02T02:00:00.123Z', runId: '20261101-s3f9c0d12ab' };
    expect(runCursorOf(runCursorPosition(cursor))).toEqual(cursor);
    for (const position of ['', 'abc', '{"at":"yesterday","id":"x"}', JSON.stringify({ at: cursor.createdAt, id: 'a/b' }), '[1,2]']) {
      expect(runCursorOf(position)).toBeUndefined();
    }
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
