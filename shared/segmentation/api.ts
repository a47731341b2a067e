import { z } from 'zod';
import { pageQuery } from '../http/paging.js';
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
export const RunListQuery = z.strictObject({ ...pageQuery({ defaultLimit: 20, maxLimit: 100 }) });

/** The paging position inside the shared token envelope (shared/http/paging.ts): where the last page ended. */
const Cursor = z.strictObject({ at: z.iso.datetime(), id: RunId });

export function runCursorPosition(cursor: RunCursor): string {
  return JSON.stringify({ at: cursor.createdAt, id: cursor.runId });
}

/** The cursor a position names; undefined when it is not one this route wrote. */
export function runCursorOf(position: string): RunCursor | undefined {
  try {
    const parsed = Cursor.safeParse(JSON.parse(position));
    return parsed.success ? { createdAt: parsed.data.at, runId: parsed.data.id } : undefined;
  } catch {
    return undefined;
  }
}
