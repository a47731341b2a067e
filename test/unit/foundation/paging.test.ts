import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fetchPage, nextPageToken, readPageToken } from '../../../shared/http/paging.js';

const scope = 'customer-purchases\nC-42';
const cosmosToken = '{"compositeToken":"{\\"token\\":\\"+RID:~abc==#RT:1#TRC:1\\",\\"range\\":{\\"min\\":\\"\\",\\"max\\":\\"FF\\"}}","orderByItems":[{"item":"2026-11-01T10:15:00.000Z"}]}';

const refusal = (token: string, inScope = scope) => {
  const result = readPageToken(inScope, token);
  expect(result.ok, token).toBe(false);
  if (result.ok) throw new Error('unreachable');
  expect(result.failure).toMatchObject({ kind: 'invalid', errors: [{ pointer: 'query/continuationToken' }] });
  return result.failure;
};

describe('paging tokens', () => {
  it('round-trips a store position, URL-safe and opaque', () => {
    const token = nextPageToken(scope, cosmosToken)!;
    expect(token).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(token).not.toContain('RID');
    expect(readPageToken(scope, token)).toEqual({ ok: true, value: cosmosToken });
  });

  it('means "first page" only when there is no token at all, and "last page" as null', () => {
    expect(readPageToken(scope, undefined)).toEqual({ ok: true, value: undefined });
    expect(nextPageToken(scope, undefined)).toBeNull();
    expect(nextPageToken(scope, '')).toBeNull();
  });

  it('refuses garbage, raw store tokens, cut and edited tokens', () => {
    refusal('abc');
    refusal(cosmosToken);
    const token = nextPageToken(scope, cosmosToken)!;
    refusal(token.slice(0, -1));
    refusal(token.slice(1));
    const flipped = token[5] === 'A' ? 'B' : 'A';
    refusal(token.slice(0, 5) + flipped + token.slice(6));
  });

  it('refuses a token minted for another scope (another customer or route)', () => {
    const failure = refusal(nextPageToken('customer-purchases\nC-43', cosmosToken)!);
    expect(JSON.stringify(failure)).toContain('another listing');
  });

  it('refuses a well-formed envelope of another version', () => {
    const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 16);
    const payload = Buffer.from(JSON.stringify({ v: 2, s: digest(scope), p: cosmosToken })).toString('base64url');
    refusal(`${payload}.${digest(payload)}`);
  });

  it('never accepts an arbitrary string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => readPageToken(scope, s).ok === false), { numRuns: 2000 });
  });

  it('turns a store that cannot resume from a position into a 400, and passes other errors on', async () => {
    const storeRefuses = () => Promise.reject(Object.assign(new Error('bad continuation'), { code: 400 }));
    expect(await fetchPage('pos', storeRefuses)).toMatchObject({ ok: false, failure: { kind: 'invalid' } });
    await expect(fetchPage(undefined, storeRefuses)).rejects.toThrow('bad continuation');
    await expect(fetchPage('pos', () => Promise.reject(Object.assign(new Error('busy'), { code: 429 })))).rejects.toThrow('busy');
  });
});
