import { z } from 'zod';
import { parseDay, TimeUnit } from '../analytics/index.js';
import { RunId } from './plan.js';
import type { RunCursor } from './ports.js';
import { TestFaults } from './run.js';

/**
 * What a run on demand may ask for: POST /api/segments/runs takes it as its body, the admin route of
 * segments-compute as its input. A scheduled run has none of it.
 */
export const RunRequest = z.strictObject({
  /** Last observed day, inclusive (retailer's calendar). Default: yesterday. */
  asOf: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day YYYY-MM-DD')
    .refine((day) => parseDay(day) !== undefined, 'a calendar day that exists')
    .optional(),
  timeUnit: TimeUnit.optional(),
  /** Re-trigger a run: a completed run is not recomputed, an unfinished or failed one resumes. */
  runId: RunId.optional(),
  shards: z.number().int().min(1).max(1024).optional(),
  /** Honoured only by the local host (tests); ignored in Azure. */
  testFaults: TestFaults.optional(),
});
export type RunRequest = z.infer<typeof RunRequest>;

/** Query of GET /api/segments/runs. */
export const RunListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  continuationToken: z.string().min(1).max(512).optional(),
});

const Cursor = z.strictObject({ v: z.literal(1), at: z.iso.datetime(), id: RunId });

/** An opaque, URL-safe page token (base64url of a small versioned JSON): where the last page ended. */
export function encodeRunCursor(cursor: RunCursor): string {
  return Buffer.from(JSON.stringify({ v: 1, at: cursor.createdAt, id: cursor.runId })).toString('base64url');
}

/** The cursor in a token this route issued; undefined for anything else (malformed, foreign, tampered). */
export function decodeRunCursor(token: string): RunCursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = Cursor.safeParse(json);
  return parsed.success ? { createdAt: parsed.data.at, runId: parsed.data.id } : undefined;
}
