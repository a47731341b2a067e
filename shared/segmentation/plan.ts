import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DayClock, formatDay, parseDay } from '../analytics/days.js';
import { canonicalJson, sha256Hex } from '../canonical.js';
import { customerBucketCount } from '../purchases/ingest.js';

/**
 * Pure planning of a segmentation run: which bucket ranges the shards take, how runs and messages are named,
 * and which calendar day a scheduled run analyses. No clock reads: `now` is a parameter.
 */

export interface ShardRange {
  shard: number;
  /** Inclusive lower customer bucket. */
  lo: number;
  /** Exclusive upper customer bucket. */
  hi: number;
}

/** Splits the customer buckets into `count` contiguous ranges that differ in size by at most one bucket. */
export function planShards(count: number, buckets = customerBucketCount): ShardRange[] {
  if (!Number.isInteger(count) || count < 1 || count > buckets) {
    throw new RangeError(`shard count must be a whole number from 1 to ${buckets}, got ${count}`);
  }
  const ranges: ShardRange[] = [];
  for (let shard = 0; shard < count; shard++) {
    ranges.push({ shard, lo: Math.floor((shard * buckets) / count), hi: Math.floor(((shard + 1) * buckets) / count) });
  }
  return ranges;
}

export function shardRange(shard: number, count: number, buckets = customerBucketCount): ShardRange {
  const range = planShards(count, buckets)[shard];
  if (range === undefined) throw new RangeError(`shard ${shard} is outside 0..${count - 1}`);
  return range;
}

/** Safe in blob paths, Cosmos ids and Service Bus message ids. */
export const RunId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "-" or "_", at most 64');
export type RunId = z.infer<typeof RunId>;

/**
 * A scheduled run is named by its day and inputs, so a timer that fires twice for the same night (restart,
 * catch-up) resumes the same run instead of starting a second one. On-demand runs get a fresh id unless the
 * caller passes one.
 */
export function scheduledRunId(asOf: string, inputs: unknown): string {
  return `${asOf.replaceAll('-', '')}-s${sha256Hex(canonicalJson(inputs)).slice(0, 10)}`;
}

export function randomRunId(asOf: string, random: () => string = () => randomBytes(5).toString('hex')): string {
  return `${asOf.replaceAll('-', '')}-${random()}`;
}

/** The last complete local day before `now`: a nightly run analyses yesterday in the retailer's calendar. */
export function defaultAsOf(now: Date, timeZone: string): string {
  return formatDay(new DayClock(timeZone).dayOfMs(now.getTime()) - 1);
}

/**
 * An upper bound on `occurredAt` (ISO, compared as strings in the query) that keeps every purchase of the
 * local day asOf in any zone (offsets lie within −12 h … +14 h); the summary drops the rest exactly.
 */
export function occurredBefore(asOf: string): string {
  const day = parseDay(asOf);
  if (day === undefined) throw new RangeError(`not a day: ${asOf}`);
  return `${formatDay(day + 1)}T14:00:00.000Z`;
}

/**
 * A lower bound on `occurredAt` of every purchase on a local day after `asOf`, in any zone (offsets within
 * −12 h … +14 h): what a run for a later day may count that the run for `asOf` dropped.
 */
export function occurredAfterDayFrom(asOf: string): string {
  const day = parseDay(asOf);
  if (day === undefined) throw new RangeError(`not a day: ${asOf}`);
  return `${formatDay(day)}T10:00:00.000Z`;
}

export type ShardPass = 'summarize' | 'score';

export const ShardMessage = z.strictObject({
  kind: z.enum(['summarize', 'score']),
  runId: RunId,
  shard: z.number().int().min(0).max(customerBucketCount - 1),
});
export type ShardMessage = z.infer<typeof ShardMessage>;

/**
 * Deterministic: re-sending a pass's fan-out (a resume of a run in progress, a second coordinator) is dropped
 * by duplicate detection. A failed run that is resumed sends a new generation, whose ids are new.
 */
export function shardMessageId(message: ShardMessage, generation = 0): string {
  return `${message.runId}:${message.kind}:${message.shard}${generation > 0 ? `:g${generation}` : ''}`;
}

/** Service Bus message ids hold at most 128 characters; long customer ids are hashed to keep the id stable. */
export function segmentEventMessageId(customerId: string, runId: string): string {
  const plain = `${customerId}:${runId}`;
  return plain.length <= 128 ? plain : `${sha256Hex(customerId).slice(0, 40)}:${runId}`;
}
