/**
 * npm run bench:shard [-- --customers N] [--threads T] [--trials K] [--seed S]
 *
 * The CPU-bound part of one production shard (shared/segmentation/compute.ts), in-process and on the worker
 * pool a shard uses in Azure (compute-pool.ts, T threads, default os.availableParallelism()): pass 1's
 * summaries from purchase documents (the rows a shard reads from Cosmos) and pass 2's scoring against the
 * run's models. Default N = 30,000 customers, what docs/segmentation.md advises per shard. Both paths run K
 * times (default 5), interleaved; min and median per path, the outputs compared for equality, and the
 * main thread's event-loop utilisation (how much of the time the thread that does the shard's I/O and
 * serves other invocations was busy). I/O is excluded: it is the same on both paths. Last line: JSON.
 */
import os, { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { defaultAnalyticsConfig, fitModels, parseDay, partialStats, rfmCutPoints } from '../shared/analytics/index.js';
import { inProcessCompute, type ScoreTask, type ShardCompute, type SummarizeTask } from '../shared/segmentation/compute.js';
import { PooledCompute } from '../shared/segmentation/compute-pool.js';
import { workColumns } from '../shared/segmentation/work.js';
import { purchaseDocuments, syntheticBase } from './segments-synthetic.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '30000' },
    threads: { type: 'string', default: String(availableParallelism()) },
    trials: { type: 'string', default: '5' },
    seed: { type: 'string', default: '20250630' },
  },
});
const customers = Number(values.customers);
const threads = Number(values.threads);
const trials = Number(values.trials);
for (const [name, v] of Object.entries({ customers, threads, trials })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a whole number ≥ 1`);
}
if (threads < 2) throw new Error('--threads needs at least 2 (one thread is the in-process path)');

const asOf = '2025-06-30';
const asOfDay = parseDay(asOf)!;
const { purchases } = syntheticBase(customers, Number(values.seed), asOfDay);
const rows = purchaseDocuments(purchases, purchases.length);
console.log(`one shard: ${customers.toLocaleString('en')} customers, ${rows.length.toLocaleString('en')} purchase documents; ${threads} worker threads`);

const summarizeTask: SummarizeTask = { runId: 'bench', shard: 0, asOf, asOfDay, timeZone: 'Europe/Berlin', rows };
const first = await inProcessCompute.summarize(summarizeTask);
if (!first.ok) throw new Error(first.message);
const stats = partialStats(workColumns(first.work));
const fitted = fitModels(stats, { timeUnit: 'week' });
if (!fitted.ok) throw new Error(fitted.message);
const scoreTask: ScoreTask = {
  work: first.work,
  models: fitted.models,
  cutPoints: rfmCutPoints(stats),
  config: { ...defaultAnalyticsConfig, timeUnit: 'week' },
  context: { runId: 'bench', asOf, timeUnit: 'week', currency: 'EUR', computedAt: '2025-07-01T02:00:00.000Z' },
};

interface Trial {
  summarizeMs: number;
  scoreMs: number;
  /** Share of the wall time the main thread was busy (1 = blocked throughout). */
  mainThreadBusy: number;
  output: string;
}

async function trial(compute: ShardCompute): Promise<Trial> {
  const elu = performance.eventLoopUtilization();
  const t0 = performance.now();
  const summary = await compute.summarize(summarizeTask);
  const t1 = performance.now();
  const scored = await compute.score(scoreTask);
  const t2 = performance.now();
  const busy = performance.eventLoopUtilization(elu);
  return { summarizeMs: t1 - t0, scoreMs: t2 - t1, mainThreadBusy: busy.utilization, output: JSON.stringify([summary, scored]) };
}

const pool = new PooledCompute({ threads });
// The workers start (and compile) on first use: one untimed round, as an instance that has served a shard.
await trial(pool);
const results: Record<'inProcess' | 'pool', Trial[]> = { inProcess: [], pool: [] };
for (let k = 0; k < trials; k++) {
  results.inProcess.push(await trial(inProcessCompute));
  results.pool.push(await trial(pool));
  const [a, b] = [results.inProcess.at(-1)!, results.pool.at(-1)!];
  console.log(
    `  trial ${k + 1}: in-process ${s(a.summarizeMs + a.scoreMs)} s (summaries ${s(a.summarizeMs)}, scoring ${s(a.scoreMs)}), ` +
      `pool ${s(b.summarizeMs + b.scoreMs)} s (summaries ${s(b.summarizeMs)}, scoring ${s(b.scoreMs)}, main thread busy ${pct(b.mainThreadBusy)})`,
  );
}
await pool.close();

const same = results.pool.every((r) => r.output === results.inProcess[0]!.output) && results.inProcess.every((r) => r.output === results.inProcess[0]!.output);
const min = (xs: number[]) => Math.min(...xs);
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const figures = (list: Trial[]) => {
  const total = list.map((r) => r.summarizeMs + r.scoreMs);
  return {
    minSeconds: Number(s(min(total))),
    medianSeconds: Number(s(median(total))),
    summarizeMinSeconds: Number(s(min(list.map((r) => r.summarizeMs)))),
    scoreMinSeconds: Number(s(min(list.map((r) => r.scoreMs)))),
    mainThreadBusy: Number(median(list.map((r) => r.mainThreadBusy)).toFixed(2)),
  };
};
const inProcess = figures(results.inProcess);
const pooled = figures(results.pool);
const load = os.loadavg();
console.log(`in-process: min ${inProcess.minSeconds} s, median ${inProcess.medianSeconds} s; main thread busy ${pct(inProcess.mainThreadBusy)}`);
console.log(`pool of ${threads}: min ${pooled.minSeconds} s, median ${pooled.medianSeconds} s; main thread busy ${pct(pooled.mainThreadBusy)}`);
console.log(
  `speed-up (ratio of minima) ${(inProcess.minSeconds / pooled.minSeconds).toFixed(2)}×; outputs identical: ${same}; ` +
    `load average ${load.map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores (other developers' work shares them)`,
);
console.log(
  JSON.stringify({
    benchmark: 'shard',
    customers,
    purchases: rows.length,
    threads,
    trials,
    inProcess,
    pool: pooled,
    speedup: Number((inProcess.minSeconds / pooled.minSeconds).toFixed(2)),
    identical: same,
    loadAverage: load.map((l) => Number(l.toFixed(2))),
  }),
);
if (!same) process.exitCode = 1;

function s(ms: number): string {
  return (Math.round(ms) / 1000).toFixed(3);
}

function pct(share: number): string {
  return `${Math.round(share * 100)} %`;
}
