import { mapWithConcurrency } from '../concurrency.js';
import { WorkerPool } from '../worker-pool.js';
import { mergeWork, sliceWork, summarizeRows, scoreWork, type ScoreTask, type ShardCompute, type SummarizeOutput, type SummarizeTask } from './compute.js';
import type { ScoredCustomer } from './record.js';

export type ComputeRequest = { kind: 'summarize'; task: SummarizeTask } | { kind: 'score'; task: ScoreTask };
export type ComputeAnswer = { kind: 'summarize'; output: SummarizeOutput } | { kind: 'score'; scored: ScoredCustomer[] };

export interface PoolOptions {
  /** Worker threads (at least 2: one thread is what in-process already is). */
  threads: number;
  /**
   * Below these sizes per piece a task runs in-process: copying it to a thread and the answer back costs
   * more than the thread saves (a 100-customer chunk of a shard that reads documents, a tiny shard).
   */
  minRowsPerThread?: number;
  minCustomersPerThread?: number;
  /** The worker module; the default is the compiled compute-worker.js beside this file. */
  entry?: URL;
}

/**
 * A shard's CPU-bound tasks split over worker threads: pass 1's rows by customer (each customer's rows go
 * to one thread, in the order read), pass 2's customers in contiguous slices. The pieces' answers are joined
 * into exactly what the in-process task returns (test/unit/segmentation/compute-pool.test.ts).
 */
export class PooledCompute implements ShardCompute {
  private readonly pool: WorkerPool<ComputeRequest, ComputeAnswer>;
  private readonly minRows: number;
  private readonly minCustomers: number;

  constructor(options: PoolOptions) {
    this.pool = new WorkerPool(options.entry ?? new URL('./compute-worker.js', import.meta.url), options.threads);
    this.minRows = options.minRowsPerThread ?? 20_000;
    this.minCustomers = options.minCustomersPerThread ?? 5_000;
  }

  get threads(): number {
    return this.pool.size;
  }

  async summarize(task: SummarizeTask): Promise<SummarizeOutput> {
    const pieces = Math.min(this.pool.size, Math.floor(task.rows.length / this.minRows));
    if (pieces <= 1) return summarizeRows(task);
    const parts = partitionByCustomer(task.rows, pieces);
    const outputs = await mapWithConcurrency(parts, pieces, async (rows) => {
      const answer = await this.pool.run({ kind: 'summarize', task: { ...task, rows } });
      if (answer.kind !== 'summarize') throw new Error(`worker answered ${answer.kind} to summarize`);
      return answer.output;
    });
    const failed = outputs.find((o) => !o.ok);
    if (failed) return failed;
    const ok = outputs as Extract<SummarizeOutput, { ok: true }>[];
    return { ok: true, work: mergeWork(ok.map((o) => o.work)), skipped: ok.reduce((sum, o) => sum + o.skipped, 0) };
  }

  async score(task: ScoreTask): Promise<ScoredCustomer[]> {
    const n = task.work.customers.length;
    const pieces = Math.min(this.pool.size, Math.floor(n / this.minCustomers));
    if (pieces <= 1) return scoreWork(task);
    const bounds = Array.from({ length: pieces }, (_, k) => [Math.floor((k * n) / pieces), Math.floor(((k + 1) * n) / pieces)] as const);
    const scored = await mapWithConcurrency(bounds, pieces, async ([from, to]) => {
      const piece: ScoreTask = { ...task, work: sliceWork(task.work, from, to), engagement: task.engagement?.slice(from, to) };
      const answer = await this.pool.run({ kind: 'score', task: piece });
      if (answer.kind !== 'score') throw new Error(`worker answered ${answer.kind} to score`);
      return answer.scored;
    });
    return scored.flat();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * Rows split into `pieces` arrays so that each customer's rows land in one piece, in the order read; customers
 * are dealt round-robin as they first appear (no hashing per row). A row without a customer id goes to the
 * first piece, where the summary counts it as skipped like the in-process one does.
 */
export function partitionByCustomer(rows: readonly unknown[], pieces: number): unknown[][] {
  const parts = Array.from({ length: pieces }, () => [] as unknown[]);
  const pieceOf = new Map<string, number>();
  for (const row of rows) {
    const id = typeof row === 'object' && row !== null ? (row as { customerId?: unknown }).customerId : undefined;
    let piece = 0;
    if (typeof id === 'string') {
      const known = pieceOf.get(id);
      piece = known ?? pieceOf.size % pieces;
      if (known === undefined) pieceOf.set(id, piece);
    }
    parts[piece]!.push(row);
  }
  return parts;
}
