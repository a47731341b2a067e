import { z } from 'zod';
import { AnalyticsConfig, Models, RfmCutPoints, TimeUnit } from '../analytics/index.js';
import { RunId, type ShardPass } from './plan.js';

/** Marks run documents in `segment-runs` (one per run partition, id "run"). */
export const runDocumentKind = 'segment-run';
export const runDocumentId = 'run';

export const RunStatus = z.enum(['summarizing', 'scoring', 'completed', 'failed']);
export type RunStatus = z.infer<typeof RunStatus>;

const counts = z.record(z.string(), z.number().int().nonnegative());

export const SummarizeResult = z.object({
  customers: z.number().int().nonnegative(),
  /** Purchase rows read by this shard (all of its range on a full scan, the changed customers' otherwise). */
  purchases: z.number().int().nonnegative(),
  /** Customers whose summaries were taken unchanged from `baselineRunId`'s work file. */
  reused: z.number().int().nonnegative().default(0),
  /** The run whose summaries this shard started from; null when it read every purchase of its range. */
  baselineRunId: z.string().nullable().default(null),
  /** asOf of the last run in that chain that read every purchase (this run's own on a full scan). */
  fullScanAsOf: z.string().optional(),
  skipped: z.number().int().nonnegative(),
  currencies: z.array(z.string()),
  seconds: z.number(),
  deliveryCount: z.number().int(),
  finishedAt: z.string(),
});
export type SummarizeResult = z.infer<typeof SummarizeResult>;

export const ScoreResult = z.object({
  customers: z.number().int().nonnegative(),
  segments: counts,
  /** "from→to" for customers whose segment changed in this run; "none" for a first assignment. */
  movements: counts,
  /** Customers whose segment changed (one segment.changed event each). */
  events: z.number().int().nonnegative(),
  /** Customer documents written by this run (a redelivery counts what it found already done too). */
  written: z.number().int().nonnegative(),
  /**
   * Why they were written ("first", "segment", "churn_band", "p_alive_band", "clv_band", "top_category",
   * "stale"; "redelivered" for those an earlier delivery of the shard had written): what a night's writes
   * cost is mostly set here.
   */
  writeReasons: counts.default({}),
  /** Customers whose document was left as it was: nothing a reader uses changed and the scores are fresh. */
  unchanged: z.number().int().nonnegative().default(0),
  /** True when the shard decided from the baseline run's state files instead of reading each document. */
  baseline: z.boolean().default(false),
  /** Customers left alone because a run with a later asOf already scored them (backtests). */
  skippedNewer: z.number().int().nonnegative(),
  /** Erased customers (tombstoned) not brought back as analytics-only documents. */
  skippedErased: z.number().int().nonnegative(),
  part: z.string(),
  seconds: z.number(),
  deliveryCount: z.number().int(),
  finishedAt: z.string(),
});
export type ScoreResult = z.infer<typeof ScoreResult>;

/**
 * Test-only fault injection, honoured only by the local host (see docs/segmentation.md): the shard throws
 * on its first delivery at the given point, so tests can prove that a redelivery redoes work idempotently.
 */
export const TestFaults = z.strictObject({
  pass: z.enum(['summarize', 'score']),
  shard: z.number().int().min(0),
  /** Score pass: throw after the events of this chunk were sent, before its customer documents are written. */
  afterChunk: z.number().int().min(0).default(0),
  /** Throw on this many deliveries (from the first); at the queue's maxDeliveryCount the message is dead-lettered. */
  deliveries: z.number().int().min(1).max(10).default(1),
});
export type TestFaults = z.infer<typeof TestFaults>;

export const SegmentRun = z.object({
  id: z.literal(runDocumentId),
  kind: z.literal(runDocumentKind),
  runId: RunId,
  asOf: z.string(),
  asOfDay: z.number().int(),
  timeZone: z.string(),
  timeUnit: TimeUnit,
  shards: z.number().int().min(1),
  trigger: z.enum(['schedule', 'on_demand']),
  status: RunStatus,
  createdAt: z.string(),
  updatedAt: z.string(),
  fittedAt: z.string().optional(),
  completedAt: z.string().optional(),
  /** The full configuration the run used (rules included), so a run can be explained later. */
  config: AnalyticsConfig,
  summarize: z.record(z.string(), SummarizeResult),
  score: z.record(z.string(), ScoreResult),
  models: Models.optional(),
  cutPoints: RfmCutPoints.optional(),
  /** The completed run whose customer state files pass 2 compares against (null: read every document). */
  baseline: z.object({ runId: RunId, shards: z.number().int().min(1) }).nullable().optional(),
  currency: z.string().nullable().optional(),
  warnings: z.array(z.string()),
  error: z.string().optional(),
  /** Why and where a failed run stopped (shown with `error`); cleared when the run is resumed. */
  failure: z
    .object({
      reason: z.enum(['dead_lettered', 'stalled', 'no_model']),
      pass: z.enum(['summarize', 'fit', 'score']),
      shards: z.array(z.number().int().min(0)),
      at: z.string(),
    })
    .optional(),
  /** How often the run was resumed after failing: part of the shard message ids, so re-sent messages are not dropped as duplicates. */
  resumes: z.number().int().nonnegative().default(0),
  totals: z
    .object({
      customers: z.number().int(),
      segments: counts,
      movements: counts,
      events: z.number().int(),
      written: z.number().int().default(0),
      writeReasons: counts.default({}),
      unchanged: z.number().int().default(0),
    })
    .optional(),
  testFaults: TestFaults.optional(),
});
export type SegmentRun = z.infer<typeof SegmentRun>;

export interface NewRun {
  runId: string;
  asOf: string;
  asOfDay: number;
  timeZone: string;
  timeUnit: TimeUnit;
  shards: number;
  trigger: SegmentRun['trigger'];
  config: AnalyticsConfig;
  testFaults?: TestFaults;
}

export function newRun(input: NewRun, now: Date): SegmentRun {
  return {
    id: runDocumentId,
    kind: runDocumentKind,
    ...input,
    resumes: 0,
    status: 'summarizing',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    summarize: {},
    score: {},
    warnings: [],
  };
}

export type RecordOutcome =
  /** The shard's result was stored now; `complete` is true for exactly one shard per pass. */
  | { kind: 'recorded'; run: SegmentRun; complete: boolean }
  /** A redelivery: the result was already there; `complete` tells whether the pass is done. */
  | { kind: 'already_recorded'; run: SegmentRun; complete: boolean }
  /** The run moved on (or failed) before this result arrived. */
  | { kind: 'wrong_status'; run: SegmentRun };

const expectedStatus: Record<ShardPass, RunStatus> = { summarize: 'summarizing', score: 'scoring' };

/**
 * Adds one shard's result to the run. Applied under the run document's ETag, so among concurrent shards the
 * one whose write completes the set is unique: it alone sees `recorded` with `complete: true`.
 */
export function recordShard(
  run: SegmentRun,
  pass: ShardPass,
  shard: number,
  result: SummarizeResult | ScoreResult,
  now: Date,
): RecordOutcome {
  if (run.status !== expectedStatus[pass]) return { kind: 'wrong_status', run };
  const done = pass === 'summarize' ? run.summarize : run.score;
  if (Object.hasOwn(done, String(shard))) return { kind: 'already_recorded', run, complete: passComplete(run, pass) };
  const next: SegmentRun =
    pass === 'summarize'
      ? { ...run, summarize: { ...run.summarize, [shard]: result as SummarizeResult }, updatedAt: now.toISOString() }
      : { ...run, score: { ...run.score, [shard]: result as ScoreResult }, updatedAt: now.toISOString() };
  return { kind: 'recorded', run: next, complete: passComplete(next, pass) };
}

export function passComplete(run: SegmentRun, pass: ShardPass): boolean {
  const done = pass === 'summarize' ? run.summarize : run.score;
  for (let shard = 0; shard < run.shards; shard++) if (!Object.hasOwn(done, String(shard))) return false;
  return true;
}

/** Shards of a pass that have not reported yet (what a resume re-sends). */
export function pendingShards(run: SegmentRun, pass: ShardPass): number[] {
  const done = pass === 'summarize' ? run.summarize : run.score;
  const pending: number[] = [];
  for (let shard = 0; shard < run.shards; shard++) if (!Object.hasOwn(done, String(shard))) pending.push(shard);
  return pending;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + value;
}

/** Totals over the shards' score results; segments listed in rule order, then any others. */
export function scoreTotals(run: SegmentRun): NonNullable<SegmentRun['totals']> {
  const segments: Record<string, number> = {};
  for (const rule of run.config.segments) segments[rule.name] = 0;
  const movements: Record<string, number> = {};
  const writeReasons: Record<string, number> = {};
  let customers = 0;
  let events = 0;
  let written = 0;
  let unchanged = 0;
  for (const result of Object.values(run.score)) {
    customers += result.customers;
    events += result.events;
    written += result.written;
    unchanged += result.unchanged;
    addCounts(segments, result.segments);
    addCounts(movements, result.movements);
    addCounts(writeReasons, result.writeReasons);
  }
  return { customers, segments, movements: sortedCounts(movements), events, written, writeReasons: sortedCounts(writeReasons), unchanged };
}

function sortedCounts(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0)));
}

/** The one currency the run's money is in, or null when the shards saw none or several (then noted in warnings). */
export function runCurrency(run: SegmentRun): { currency: string | null; warning?: string } {
  const seen = new Set<string>();
  for (const result of Object.values(run.summarize)) for (const c of result.currencies) seen.add(c);
  if (seen.size === 1) return { currency: [...seen][0]! };
  if (seen.size === 0) return { currency: null };
  return {
    currency: null,
    warning: `purchases in several currencies (${[...seen].sort().join(', ')}): spend is summed in minor units without conversion`,
  };
}

export interface RunProgress {
  pass: 'summarize' | 'score' | 'done';
  shards: number;
  summarized: number;
  scored: number;
  customersSummarized: number;
  customersScored: number;
  /** 0..1 over both passes (each shard pass counts once). */
  fraction: number;
}

export function runProgress(run: SegmentRun): RunProgress {
  const summarized = Object.keys(run.summarize).length;
  const scored = Object.keys(run.score).length;
  const sum = (results: Record<string, { customers: number }>) => Object.values(results).reduce((s, r) => s + r.customers, 0);
  return {
    pass: run.status === 'completed' ? 'done' : run.status === 'scoring' ? 'score' : 'summarize',
    shards: run.shards,
    summarized,
    scored,
    customersSummarized: sum(run.summarize),
    customersScored: sum(run.score),
    fraction: (summarized + scored) / (2 * run.shards),
  };
}

/** Seconds from creation to completion (or to `now` while it runs). */
export function runSeconds(run: SegmentRun, now: Date): number {
  const end = run.completedAt ? Date.parse(run.completedAt) : now.getTime();
  return Math.max(0, (end - Date.parse(run.createdAt)) / 1000);
}

/** Newest creation first, then run id descending: the order GET /api/segments/runs pages through. */
export function newestFirst(a: SegmentRun, b: SegmentRun): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0;
}

export type RunFailure = NonNullable<SegmentRun['failure']>;

/** Marks a run that cannot finish as failed; a run that completed or failed already stays as it is. */
export function failRun(run: SegmentRun, failure: Omit<RunFailure, 'at'>, error: string, now: Date): SegmentRun | undefined {
  if (run.status === 'completed' || run.status === 'failed') return undefined;
  return { ...run, status: 'failed', error, failure: { ...failure, at: now.toISOString() }, updatedAt: now.toISOString() };
}

/**
 * A failed run, ready to go on where it stopped: the pass it was in (scoring once the models exist), its
 * recorded shards kept, error and test faults dropped, and a new message generation.
 */
export function resumeRun(run: SegmentRun, now: Date): SegmentRun {
  const { error: _error, failure: _failure, testFaults: _faults, ...rest } = run;
  return {
    ...rest,
    status: run.models !== undefined && run.cutPoints !== undefined ? 'scoring' : 'summarizing',
    resumes: run.resumes + 1,
    updatedAt: now.toISOString(),
  };
}

/** The pass a run in progress is in, and its shards that have not reported. */
export function currentPass(run: SegmentRun): { pass: ShardPass; pending: number[] } {
  const pass: ShardPass = run.status === 'scoring' ? 'score' : 'summarize';
  return { pass, pending: pendingShards(run, pass) };
}

/** A run in progress whose document has not changed for `stallMinutes`: no shard has reported since. */
export function stalled(run: SegmentRun, now: Date, stallMinutes: number): boolean {
  if (run.status !== 'summarizing' && run.status !== 'scoring') return false;
  return now.getTime() - Date.parse(run.updatedAt) >= stallMinutes * 60_000;
}
