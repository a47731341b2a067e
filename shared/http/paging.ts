import { createHash } from 'node:crypto';
import { z } from 'zod';
import { fail, ok, type Failure, type Result } from './failure.js';

/**
 * Paging tokens for every paged route. What a client holds is opaque and URL-safe: base64url of a versioned
 * envelope `{ v, s, p }` — the store's position `p` (a Cosmos continuation token), `s` a hash of the scope it
 * belongs to (route and its parameters, e.g. one customer's purchases) — followed by a checksum of both. A
 * token that was cut, edited, made up, or minted for another scope is refused with 400 naming the parameter,
 * never treated as "no token": a client that fed page 1 back as page 2 would loop forever.
 */
const version = 1;
const tokenPattern = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}$/;

const Envelope = z.strictObject({ v: z.literal(version), s: z.string(), p: z.string().min(1) });

/** The paging query parameters, for a route's query schema. */
export function pageQuery(options: { defaultLimit?: number; maxLimit?: number } = {}) {
  return {
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(options.maxLimit ?? 1000)
      .default(options.defaultLimit ?? 100)
      .meta({ description: 'page size' }),
    continuationToken: z
      .string()
      .min(1)
      .max(16_384)
      .optional()
      .meta({ description: 'the `continuationToken` of the previous page, unchanged; absent for the first page' }),
  };
}

const digest = (text: string, length: number) => createHash('sha256').update(text).digest('base64url').slice(0, length);

/** The token for the page after this one, or null when this was the last page. */
export function nextPageToken(scope: string, position: string | undefined): string | null {
  if (position === undefined || position === '') return null;
  const payload = Buffer.from(JSON.stringify({ v: version, s: digest(scope, 16), p: position })).toString('base64url');
  return `${payload}.${digest(payload, 16)}`;
}

const refused = (message: string): Failure => ({
  kind: 'invalid',
  detail: 'invalid continuationToken: pass the one the previous page returned, unchanged, or none for the first page',
  errors: [{ pointer: 'query/continuationToken', message }],
});

/** The store position inside `token` (undefined: first page), or a 400 saying why the token is not one of ours. */
export function readPageToken(scope: string, token: string | undefined): Result<string | undefined> {
  if (token === undefined) return ok(undefined);
  if (!tokenPattern.test(token)) return fail(refused('not a winback paging token'));
  const [payload, check] = token.split('.') as [string, string];
  if (digest(payload, 16) !== check) return fail(refused('damaged: the checksum does not match'));
  let envelope: z.infer<typeof Envelope>;
  try {
    const parsed = Envelope.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    if (!parsed.success) return fail(refused('unknown token version or shape'));
    envelope = parsed.data;
  } catch {
    return fail(refused('not a winback paging token'));
  }
  if (envelope.s !== digest(scope, 16)) return fail(refused('belongs to another listing (another route or other parameters)'));
  return ok(envelope.p);
}

/**
 * Runs the store query for one page; a position the store itself cannot resume from (a token of ours from
 * an incompatible store version) is a 400 too, not a 500.
 */
export async function fetchPage<T>(position: string | undefined, fetch: (position: string | undefined) => Promise<T>): Promise<Result<T>> {
  try {
    return ok(await fetch(position));
  } catch (error) {
    const code = (error as { code?: number | string }).code;
    if (position !== undefined && (code === 400 || error instanceof SyntaxError)) return fail(refused('the store cannot resume from this position'));
    throw error;
  }
}
