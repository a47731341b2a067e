import { emptyFields, Scorer, summarize, type AnalyticsConfig, type Models, type RfmCutPoints } from '../analytics/index.js';
import { scoreCustomerAt, type RecordContext, type ScoredCustomer } from './record.js';
import { shardWork, workColumns, type ShardWork } from './work.js';

/**
 * The CPU-bound part of a shard, as pure tasks on plain data: summaries from purchase rows (pass 1) and
 * scores from summaries (pass 2). Plain data so that a task can run here or in a worker thread with the same
 * result (compute-pool.ts); the shard passes do the I/O around them.
 */

export interface SummarizeTask {
  runId: string;
  shard: number;
  asOf: string;
  asOfDay: number;
  timeZone: string;
  /** Purchase rows as read (validated inside `summarize`; a row that fails is counted in `skipped`). */
  rows: readonly unknown[];
}

export type SummarizeOutput =
  /** `work.currencies` is empty: the shard fills it from the rows it read. */
  | { ok: true; work: ShardWork; skipped: number }
  | { ok: false; message: string };

export interface ScoreTask {
  work: ShardWork;
  models: Models;
  cutPoints: RfmCutPoints;
  config: AnalyticsConfig;
  context: RecordContext;
  /** Per customer of `work`, what delivery reports keep on the document; only when segment rules use it. */
  engagement?: readonly (Engagement | undefined)[];
}

export interface Engagement {
  engagementRate?: number | null;
  couponRedemptionRate?: number | null;
}

/** Where a shard's CPU-bound tasks run: in-process (below) or on a worker-thread pool (compute-pool.ts). */
export interface ShardCompute {
  summarize(task: SummarizeTask): Promise<SummarizeOutput>;
  score(task: ScoreTask): Promise<ScoredCustomer[]>;
}

export function summarizeRows(task: SummarizeTask): SummarizeOutput {
  const summary = summarize(task.rows, { asOf: task.asOf, timeZone: task.timeZone });
  if (!summary.ok) return { ok: false, message: summary.message };
  return { ok: true, work: shardWork(task.runId, task.shard, task.asOfDay, summary.summaries, []), skipped: summary.skipped };
}

// A shard scoring chunk by chunk passes the same run's models each time: one Scorer (and its memo tables) for all.
const scorers = new WeakMap<Models, { cutPoints: RfmCutPoints; config: AnalyticsConfig; scorer: Scorer }>();

function scorerFor(task: ScoreTask): Scorer {
  const cached = scorers.get(task.models);
  if (cached && cached.cutPoints === task.cutPoints && cached.config === task.config) return cached.scorer;
  const scorer = new Scorer(task.models, task.cutPoints, task.config);
  scorers.set(task.models, { cutPoints: task.cutPoints, config: task.config, scorer });
  return scorer;
}

export function scoreWork(task: ScoreTask): ScoredCustomer[] {
  const columns = workColumns(task.work);
  const scorer = scorerFor(task);
  const f = emptyFields();
  return task.work.customers.map((_, i) => scoreCustomerAt(task.work, columns, i, scorer, f, task.context, task.engagement?.[i]));
}

export const inProcessCompute: ShardCompute = {
  summarize: async (task) => summarizeRows(task),
  score: async (task) => scoreWork(task),
};

const perCustomer = ['firstDay', 'lastDay', 'purchaseDays', 'repeatSpendMinor', 'totalSpendMinor', 'medianGapDays', 'orders', 'couponOrders', 'topCategory'] as const;

/** Customers [from, to) of a work file (what one worker scores). */
export function sliceWork(work: ShardWork, from: number, to: number): ShardWork {
  const slice: ShardWork = { ...work, customers: work.customers.slice(from, to) };
  for (const key of perCustomer) (slice as Record<string, unknown>)[key] = work[key].slice(from, to);
  return slice;
}

/** The work file without the customers in `drop` (order kept). */
export function withoutCustomers(work: ShardWork, drop: ReadonlySet<string>): ShardWork {
  const keep: number[] = [];
  work.customers.forEach((id, i) => {
    if (!drop.has(id)) keep.push(i);
  });
  const out: ShardWork = { ...work, customers: keep.map((i) => work.customers[i]!) };
  for (const key of perCustomer) (out as Record<string, unknown>)[key] = keep.map((i) => work[key][i]);
  return out;
}

/**
 * Joins work files of disjoint customer sets, each in customer-id order, into one in customer-id order:
 * the file `shardWork` builds from all their customers at once.
 */
export function mergeWork(parts: readonly ShardWork[]): ShardWork {
  if (parts.length === 1) return parts[0]!;
  const first = parts[0];
  if (first === undefined) throw new RangeError('mergeWork needs at least one part');
  const merged = { ...first, customers: [] as string[] } as ShardWork;
  for (const key of perCustomer) (merged as Record<string, unknown>)[key] = [];
  const at = parts.map(() => 0);
  for (;;) {
    let best = -1;
    for (let p = 0; p < parts.length; p++) {
      const id = parts[p]!.customers[at[p]!];
      if (id !== undefined && (best < 0 || id < parts[best]!.customers[at[best]!]!)) best = p;
    }
    if (best < 0) return merged;
    const part = parts[best]!;
    const i = at[best]!++;
    merged.customers.push(part.customers[i]!);
    for (const key of perCustomer) (merged[key] as unknown[]).push(part[key][i]);
  }
}
