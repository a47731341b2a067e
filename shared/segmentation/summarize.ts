import { partialStats } from '../analytics/index.js';
import { inProcessCompute, mergeWork, withoutCustomers } from './compute.js';
import { faultAt, TestFault } from './faults.js';
import { sendShards } from './fan-out.js';
import { fitRun } from './fit.js';
import { partialPath, summariesPath } from './paths.js';
import { occurredBefore, shardRange } from './plan.js';
import type { SegmentationDeps } from './ports.js';
import { passComplete, pendingShards, recordShard, type RecordOutcome, type SummarizeResult } from './run.js';
import { changedCustomersRows, summaryBase } from './summary-base.js';
import { workColumns, type ShardWork } from './work.js';

/**
 * Pass 1 of a shard: read its bucket range of `purchases` — or, starting from the previous run's summaries,
 * only the customers whose purchases changed since (summary-base.ts) — build the customers' summaries (kept
 * in Blob for pass 2) and the mergeable statistics, and record the result on the run. The shard whose record completes
 * the pass (exactly one, by the run document's ETag) goes on to fit the models.
 */
export async function summarizeShard(deps: SegmentationDeps, runId: string, shard: number, deliveryCount: number): Promise<void> {
  const started = performance.now();
  const run = await deps.runs.get(runId);
  if (!run) return deps.log(`segments: run ${runId} not found; dropping summarize ${shard}`);
  if (run.status === 'failed' || run.status === 'completed') return;
  if (run.status === 'scoring') {
    // Pass 1 is over. A redelivery may come from the shard that fitted and then crashed before the fan-out.
    if (deliveryCount > 1) await sendShards(deps, run, 'score', pendingShards(run, 'score'));
    return;
  }
  if (shard >= run.shards) return deps.log(`segments: run ${runId} has ${run.shards} shards; dropping summarize ${shard}`);

  if (!Object.hasOwn(run.summarize, String(shard))) {
    const range = shardRange(shard, run.shards);
    const base = await summaryBase(deps, run, shard);
    const rows: unknown[] = [];
    const currencies = new Set<string>(base?.work.currencies ?? []);
    let changed: ReadonlySet<string> = new Set();
    if (base) {
      const read = await changedCustomersRows(deps, run, base, range);
      changed = read.changed;
      rows.push(...read.rows);
      for (const row of read.rows) if (row.currency) currencies.add(row.currency);
    } else {
      for await (const page of deps.purchases.scan(range, occurredBefore(run.asOf))) {
        for (const row of page) {
          rows.push(row);
          if (row.currency) currencies.add(row.currency);
        }
      }
    }
    const compute = deps.compute ?? inProcessCompute;
    const summary = await compute.summarize({ runId, shard, asOf: run.asOf, asOfDay: run.asOfDay, timeZone: run.timeZone, rows });
    if (!summary.ok) throw new Error(`summarize shard ${shard}: ${summary.message}`);
    const kept = base ? withoutCustomers(base.work, changed) : undefined;
    const joined = kept ? mergeWork([kept, summary.work]) : summary.work;
    const work: ShardWork = { ...joined, runId, shard, asOfDay: run.asOfDay, currencies: [...currencies].sort() };
    const partial = partialStats(workColumns(work));
    await deps.blobs.put(summariesPath(runId, shard), JSON.stringify(work), 'application/json');
    await deps.blobs.put(partialPath(runId, shard), JSON.stringify(partial), 'application/json');
    if (faultAt(deps, run, 'summarize', shard, deliveryCount)) throw new TestFault(`test fault: summarize shard ${shard}`);
    const result: SummarizeResult = {
      customers: work.customers.length,
      purchases: rows.length,
      reused: kept?.customers.length ?? 0,
      baselineRunId: base?.run.runId ?? null,
      fullScanAsOf: base?.fullScanAsOf ?? run.asOf,
      skipped: summary.skipped,
      currencies: work.currencies,
      seconds: secondsSince(started),
      deliveryCount,
      finishedAt: deps.clock.now().toISOString(),
    };
    const outcome = await deps.runs.update<RecordOutcome>(runId, (current) => {
      const o = recordShard(current, 'summarize', shard, result, deps.clock.now());
      return o.kind === 'recorded' ? { next: o.run, value: o } : { value: o };
    });
    if (outcome.kind === 'wrong_status' || !outcome.complete) return;
  } else if (!passComplete(run, 'summarize')) {
    return;
  }
  await fitRun(deps, runId);
}

/** Seconds since a `performance.now()` mark, to the millisecond (what shard results record). */
export function secondsSince(startedMs: number): number {
  return Math.round(performance.now() - startedMs) / 1000;
}
