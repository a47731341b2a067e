/**
 * npm run bench:segments [-- --customers N] [--seed S] [--threads T] [--trials K]
 *
 * Times the segmentation compute on a deterministic synthetic base (I/O excluded): summaries from purchase
 * rows, partial statistics, BG/NBD + Gamma-Gamma fits, RFM cut points, scoring and segment assignment.
 *
 * The comparison with DuckDB is made fair: both sides use all cores (T, default os.availableParallelism())
 * — winback through its worker-thread shard path (one worker per core, the two passes a run makes), DuckDB
 * with `threads = T` running the RFM work (summary + quintiles + scores) as SQL over the same rows — and
 * both run K times (default 5), interleaved, so a busy neighbour slows both alike. Each side's minimum and
 * median are printed; the ratio is of the minima. A single-thread pass is timed once before, for the
 * per-core figures the capacity estimate uses. Last line: JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os, { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  AnalyticsConfig,
  fitModels,
  mergeStats,
  parseDay,
  partialStats,
  rfmCutPoints,
  Scorer,
  scoreColumns,
  summarize,
  summarizeColumns,
  type PartialStats,
  type PurchaseColumns,
  type SummaryColumns,
} from '../shared/analytics/index.js';
import { purchaseDocuments, syntheticBase } from './segments-synthetic.js';
import type { ShardInput, ShardRequest } from './segments-worker.js';

function argument(name: string, fallback: number, zeroAllowed = false): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) throw new Error(`--${name} needs a positive number`);
  return value;
}

const customers = Math.floor(argument('customers', 1_000_000));
const seed = Math.floor(argument('seed', 20250630));
const asOfDay = parseDay('2025-06-30')!;
const mb = (kb: number) => Math.round(kb / 1024);
const seconds = (ms: number) => Math.round(ms) / 1000;

console.log(`generating ${customers.toLocaleString('en')} customers (seed ${seed})…`);
let t = performance.now();
const { purchases } = syntheticBase(customers, seed, asOfDay);
console.log(`  ${purchases.length.toLocaleString('en')} purchase rows in ${seconds(performance.now() - t)} s (not timed)`);

const config = AnalyticsConfig.parse({ timeUnit: 'week' });

// ---- fair comparison: all cores on both sides, best of K, interleaved ------------------------------------
// First, on the freshly generated input: the peak RSS reported is what this comparison needs.
const threads = Math.floor(argument('threads', availableParallelism()));
const trials = Math.floor(argument('trials', 5));
const pool = await shardPool(threads);
const duckdb = await duckdbRfm(purchases, asOfDay, threads);
const winbackMs: number[] = [];
const duckdbMs: number[] = [];
let parallel: ParallelResult | undefined;
for (let trial = 0; trial < trials; trial++) {
  parallel = await pool.run();
  winbackMs.push(parallel.ms);
  duckdbMs.push(await duckdb.run());
  console.log(`  trial ${trial + 1}: winback ${seconds(parallel.ms)} s (pass 1 ${seconds(parallel.pass1Ms)}, fits ${seconds(parallel.fitMs)}, pass 2 ${seconds(parallel.pass2Ms)}), DuckDB ${seconds(duckdbMs.at(-1)!)} s`);
}
await pool.close();
console.log(`DuckDB check: ${JSON.stringify(await duckdb.check())}`);
duckdb.close();
const min = (xs: number[]) => Math.min(...xs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ratio = min(winbackMs) / min(duckdbMs);
const peakRssMb = mb(process.resourceUsage().maxRSS);

// ---- our compute ------------------------------------------------------------------------------------------
const start = performance.now();
t = start;
const summaries = summarizeColumns(purchases, asOfDay);
const summaryMs = performance.now() - t;
t = performance.now();
const stats = partialStats(summaries);
const statsMs = performance.now() - t;
t = performance.now();
const fitted = fitModels(stats, { timeUnit: config.timeUnit });
const fitMs = performance.now() - t;
if (!fitted.ok) throw new Error(fitted.message);
t = performance.now();
const cuts = rfmCutPoints(stats);
const scorer = new Scorer(fitted.models, cuts, config);
const scores = scoreColumns(summaries, scorer);
const scoreMs = performance.now() - t;
const computeMs = performance.now() - start;
const singleThreadRssMb = mb(process.resourceUsage().maxRSS);

const segmentSizes: Record<string, number> = {};
for (let i = 0; i < scores.length; i++) {
  const name = scores.segmentNames[scores.segment[i]!]!;
  segmentSizes[name] = (segmentSizes[name] ?? 0) + 1;
}
const shardMs = summaryMs + statsMs + scoreMs;
console.log('compute, single thread (one shard holding every customer):');
console.log(`  summaries        ${seconds(summaryMs)} s  (${summaries.length.toLocaleString('en')} customers)`);
console.log(`  partial stats    ${seconds(statsMs)} s  (${stats.rf.x.length.toLocaleString('en')} distinct (x, t_x, T), ${stats.spend.x.length.toLocaleString('en')} spend cells)`);
console.log(`  fits             ${seconds(fitMs)} s  BG/NBD ${JSON.stringify(fitted.models.bgnbd)}`);
console.log(`                            Gamma-Gamma ${JSON.stringify(fitted.models.gammaGamma)}`);
console.log(`  scoring+segments ${seconds(scoreMs)} s`);
console.log(`  total            ${seconds(computeMs)} s`);
console.log(`  throughput       ${Math.round(customers / (computeMs / 1000)).toLocaleString('en')} customers/s, ${Math.round(purchases.length / (computeMs / 1000)).toLocaleString('en')} purchases/s`);
console.log(`  per-shard work (summaries + partial stats + scoring, no fit): ${Math.round(customers / (shardMs / 1000)).toLocaleString('en')} customers/s`);
console.log(`  peak RSS         ${singleThreadRssMb} MB (including the generated input)`);
console.log(`  RFM cut points   ${JSON.stringify(cuts)}`);
console.log(`  segments         ${JSON.stringify(segmentSizes)}`);


// ---- the shard path (not part of computeSeconds) -----------------------------------------------------------
// Four shards by customer: each builds its partial statistics; the coordinator merges them and must get the
// same statistics as the single pass; the merged partial's JSON size is what shards ship through Blob.
{
  const shards = 4;
  const parts = Array.from({ length: shards }, (_, k) => {
    const rows: number[] = [];
    for (let i = 0; i < summaries.length; i++) if (summaries.customer[i]! % shards === k) rows.push(i);
    return sliceSummaries(summaries, rows);
  });
  t = performance.now();
  const partials = parts.map((part) => partialStats(part));
  const partialMs = performance.now() - t;
  t = performance.now();
  const merged = partials.reduce((a, b) => mergeStats(a, b));
  const mergeMs = performance.now() - t;
  const same = merged.rf.count.length === stats.rf.count.length && merged.rf.count.every((c, i) => c === stats.rf.count[i]);
  const json = JSON.stringify(merged).length;
  console.log(`shards: ${shards} partials in ${seconds(partialMs)} s, merged in ${seconds(mergeMs)} s, equal to the single pass: ${same}; merged statistics ${(json / 1e6).toFixed(1)} MB as JSON, per shard ≈ ${(JSON.stringify(partials[0]).length / 1e6).toFixed(1)} MB`);
}

const sameSegments = JSON.stringify(parallel!.counts) === JSON.stringify(sortKeys(segmentSizes));
const load = os.loadavg();

console.log(
  `winback on ${threads} shard worker(s) (summaries, both fits, scoring, segments): min ${seconds(min(winbackMs))} s, median ${seconds(median(winbackMs))} s; ` +
    `segments equal to the single-thread run: ${sameSegments}`,
);
console.log(`DuckDB RFM only, ${threads} threads: min ${seconds(min(duckdbMs))} s, median ${seconds(median(duckdbMs))} s`);
console.log(
  `ratio of minima winback / DuckDB = ${ratio.toFixed(3)} (below 1: faster); peak RSS ${peakRssMb} MB (whole process: input, DuckDB, workers); ` +
    `load average ${load.map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores (other developers' work shares them)`,
);

// ---- the per-record object API (what a shard reading Cosmos documents calls), on a slice ----------------------
// Run after the comparison: its million document objects would otherwise add to the peak RSS reported for it.
{
  const sample = Math.min(purchases.length, 1_000_000);
  const docs = purchaseDocuments(purchases, sample);
  t = performance.now();
  const result = summarize(docs, { asOf: '2025-06-30', timeZone: 'Europe/Berlin' });
  const objectMs = performance.now() - t;
  if (!result.ok) throw new Error(result.message);
  console.log(`object API: summarize ${sample.toLocaleString('en')} purchase documents (Europe/Berlin days) in ${seconds(objectMs)} s = ${Math.round(sample / (objectMs / 1000)).toLocaleString('en')} documents/s`);
}

console.log(
  JSON.stringify({
    customers,
    purchases: purchases.length,
    threads,
    trials,
    winbackMinSeconds: Number((min(winbackMs) / 1000).toFixed(3)),
    winbackMedianSeconds: Number((median(winbackMs) / 1000).toFixed(3)),
    duckdbMinSeconds: Number((min(duckdbMs) / 1000).toFixed(3)),
    duckdbMedianSeconds: Number((median(duckdbMs) / 1000).toFixed(3)),
    ratioVsDuckdb: Number(ratio.toFixed(3)),
    peakRssMb,
    peakRssWithObjectApiMb: mb(process.resourceUsage().maxRSS),
    singleThreadComputeSeconds: Number((computeMs / 1000).toFixed(3)),
    singleThreadRssMb,
    fitSeconds: Number((fitMs / 1000).toFixed(3)),
    shardCustomersPerSecond: Math.round(customers / (shardMs / 1000)),
    loadAverage: load.map((l) => Number(l.toFixed(2))),
  }),
);

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

interface ParallelResult {
  ms: number;
  pass1Ms: number;
  fitMs: number;
  pass2Ms: number;
  counts: Record<string, number>;
}

/**
 * The worker-thread shard path: shards = contiguous customer ranges (rows arrive grouped by customer), one
 * worker each, over the shared input arrays. `run` makes the two passes of a run: pass 1 in the workers,
 * merge + fits + cut points here, pass 2 in the workers.
 */
async function shardPool(workers: number): Promise<{ run(): Promise<ParallelResult>; close(): Promise<void> }> {
  const firstRowOf = (c: number): number => {
    let lo = 0;
    let hi = purchases.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (purchases.customer[mid]! < c) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const shards = Array.from({ length: workers }, (_, k) => {
    const customerFrom = Math.floor((k * customers) / workers);
    const customerTo = Math.floor(((k + 1) * customers) / workers);
    const input: ShardInput = {
      asOfDay,
      rowFrom: firstRowOf(customerFrom),
      rowTo: firstRowOf(customerTo),
      customerFrom,
      customerTo,
      customer: purchases.customer,
      day: purchases.day,
      amountMinor: purchases.amountMinor,
      refund: purchases.refund,
      coupon: purchases.coupon,
      category: purchases.items!.category,
    };
    return new Worker(new URL('./segments-worker.js', import.meta.url), { workerData: input });
  });
  const next = (w: Worker): Promise<any> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: unknown) => {
        w.off('error', reject);
        resolve(message);
      };
      w.once('message', onMessage);
      w.once('error', reject);
    });
  await Promise.all(shards.map(next));
  return {
    async run() {
      const begin = performance.now();
      const pass1 = Promise.all(shards.map(next));
      for (const w of shards) w.postMessage({ kind: 'pass1' } satisfies ShardRequest);
      const partials = (await pass1).map((m: { stats: PartialStats }) => m.stats);
      const pass1End = performance.now();
      const merged = partials.reduce((a, b) => mergeStats(a, b));
      const models = fitModels(merged, { timeUnit: config.timeUnit });
      if (!models.ok) throw new Error(models.message);
      const cutPoints = rfmCutPoints(merged);
      const fitEnd = performance.now();
      const pass2 = Promise.all(shards.map(next));
      for (const w of shards) w.postMessage({ kind: 'pass2', models: models.models, cuts: cutPoints, config } satisfies ShardRequest);
      const results = (await pass2) as { counts: Record<string, number> }[];
      const end = performance.now();
      const counts: Record<string, number> = {};
      for (const r of results) for (const [k, v] of Object.entries(r.counts)) counts[k] = (counts[k] ?? 0) + v;
      return { ms: end - begin, pass1Ms: pass1End - begin, fitMs: fitEnd - pass1End, pass2Ms: end - fitEnd, counts: sortKeys(counts) };
    },
    close: async () => {
      await Promise.all(shards.map((w) => w.terminate()));
    },
  };
}

function sliceSummaries(s: SummaryColumns, rows: number[]): SummaryColumns {
  const pick32 = (a: Int32Array) => Int32Array.from(rows, (i) => a[i]!);
  const pick64 = (a: Float64Array) => Float64Array.from(rows, (i) => a[i]!);
  return {
    asOfDay: s.asOfDay,
    length: rows.length,
    customer: pick32(s.customer),
    firstDay: pick32(s.firstDay),
    lastDay: pick32(s.lastDay),
    purchaseDays: pick32(s.purchaseDays),
    repeatSpendMinor: pick64(s.repeatSpendMinor),
    totalSpendMinor: pick64(s.totalSpendMinor),
    medianGapDays: pick64(s.medianGapDays),
    orders: pick32(s.orders),
    couponOrders: pick32(s.couponOrders),
  };
}

/** DuckDB with `threads` threads and the rows loaded once (not timed); `run` times the RFM SQL once. */
async function duckdbRfm(p: PurchaseColumns, asOf: number, threads: number) {
  const { DuckDBInstance, DuckDBDataChunk, INTEGER, DOUBLE, BOOLEAN } = await import('@duckdb/node-api');
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-segments-'));
  const instance = await DuckDBInstance.create(':memory:', { temp_directory: dir, threads: String(threads) });
  const connection = await instance.connect();
  await connection.run('CREATE TABLE purchases (customer INTEGER, day INTEGER, amount DOUBLE, refund BOOLEAN)');
  const loadStart = performance.now();
  const appender = await connection.createAppender('purchases');
  const types = [INTEGER, INTEGER, DOUBLE, BOOLEAN];
  const size = 2048;
  for (let from = 0; from < p.length; from += size) {
    const to = Math.min(p.length, from + size);
    const chunk = DuckDBDataChunk.create(types, to - from);
    chunk.setColumns([
      Array.from(p.customer.subarray(from, to)),
      Array.from(p.day.subarray(from, to)),
      Array.from(p.amountMinor.subarray(from, to)),
      Array.from(p.refund.subarray(from, to), (v) => v === 1),
    ]);
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
  console.log(`DuckDB: loaded ${p.length.toLocaleString('en')} rows through the appender in ${seconds(performance.now() - loadStart)} s (not timed), threads = ${threads}`);
  const sql = `
    CREATE TABLE rfm AS
    WITH s AS (
      SELECT customer,
             ${asOf} - MAX(day) FILTER (WHERE NOT refund) AS recency,
             COUNT(DISTINCT day) FILTER (WHERE NOT refund) AS frequency,
             SUM(amount) AS monetary
      FROM purchases
      WHERE day <= ${asOf}
      GROUP BY customer
      HAVING COUNT(*) FILTER (WHERE NOT refund) > 0
    ),
    cuts AS (
      SELECT quantile_disc(recency, [0.2, 0.4, 0.6, 0.8]) AS r,
             quantile_disc(frequency, [0.2, 0.4, 0.6, 0.8]) AS f,
             quantile_disc(monetary, [0.2, 0.4, 0.6, 0.8]) AS m
      FROM s
    )
    SELECT customer, recency, frequency, monetary,
           1 + (recency < r[1])::INT + (recency < r[2])::INT + (recency < r[3])::INT + (recency < r[4])::INT AS r_score,
           1 + (frequency > f[1])::INT + (frequency > f[2])::INT + (frequency > f[3])::INT + (frequency > f[4])::INT AS f_score,
           1 + (monetary > m[1])::INT + (monetary > m[2])::INT + (monetary > m[3])::INT + (monetary > m[4])::INT AS m_score
    FROM s, cuts`;
  return {
    async run(): Promise<number> {
      await connection.run('DROP TABLE IF EXISTS rfm');
      const queryStart = performance.now();
      await connection.run(sql);
      return performance.now() - queryStart;
    },
    async check() {
      return (await connection.runAndReadAll('SELECT count(*)::INTEGER AS n, avg(r_score) AS r, avg(f_score) AS f FROM rfm')).getRowObjectsJson();
    },
    close() {
      connection.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
