/**
 * npm run bench:segments [-- --customers N] [--seed S] [--threads T (also run the shard flow on T workers)]
 *
 * Times the segmentation compute on a deterministic synthetic base (I/O excluded): summaries from purchase
 * rows, partial statistics, BG/NBD + Gamma-Gamma fits, RFM cut points, scoring and segment assignment. Then
 * runs the same RFM work (summary + quintiles + scores) as SQL on DuckDB over the same rows. Last line: JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
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
import { syntheticBase } from './segments-synthetic.js';
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

// computeSeconds is the single-thread figure: a production shard is one single-threaded Functions worker, and
// scale comes from more shards on more instances, so that is the building block the estimates need.
const peakRssMb = singleThreadRssMb;

// ---- optional: the two-pass shard flow on worker threads (--threads N) --------------------------------------
// Each worker owns a customer range: pass 1 summaries + partial statistics, the main thread merges and fits,
// pass 2 scores. Only meaningful on otherwise idle cores; not part of computeSeconds.
const threads = Math.floor(argument('threads', 0, true));
let parallel: ParallelResult | undefined;
if (threads > 0) {
  parallel = await parallelCompute(threads);
  console.log(`compute on ${threads} shard worker(s): ${seconds(parallel.ms)} s wall (pass 1 ${seconds(parallel.pass1Ms)} s, merge + fits + cut points ${seconds(parallel.fitMs)} s, pass 2 ${seconds(parallel.pass2Ms)} s)`);
  console.log(`  ${Math.round(customers / (parallel.ms / 1000)).toLocaleString('en')} customers/s; segments equal to the single-thread run: ${JSON.stringify(parallel.counts) === JSON.stringify(sortKeys(segmentSizes))}; peak RSS now ${mb(process.resourceUsage().maxRSS)} MB`);
}

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

// ---- the per-record object API (what a shard reading Cosmos documents calls), on a slice ----------------------
{
  const sample = Math.min(purchases.length, 1_000_000);
  const docs: unknown[] = [];
  for (let i = 0; i < sample; i++) {
    const ms = purchases.day[i]! * 86_400_000 + 43_200_000;
    docs.push({
      customerId: `c${purchases.customer[i]}`,
      occurredAt: new Date(ms).toISOString(),
      totalMinor: Math.abs(purchases.amountMinor[i]!),
      type: purchases.refund[i] === 1 ? 'refund' : 'purchase',
      items: [{ category: `category_${purchases.items!.category[i]}`, quantity: 1, unitPriceMinor: Math.abs(purchases.amountMinor[i]!) }],
      couponCodes: purchases.coupon[i] === 1 ? ['SAVE10'] : [],
    });
  }
  t = performance.now();
  const result = summarize(docs, { asOf: '2025-06-30', timeZone: 'Europe/Berlin' });
  const objectMs = performance.now() - t;
  if (!result.ok) throw new Error(result.message);
  console.log(`object API: summarize ${sample.toLocaleString('en')} purchase documents (Europe/Berlin days) in ${seconds(objectMs)} s = ${Math.round(sample / (objectMs / 1000)).toLocaleString('en')} documents/s`);
}

// ---- DuckDB: the same RFM work as SQL ---------------------------------------------------------------------
const duckdbThreads = availableParallelism();
const duckdbSeconds = await runDuckdb(purchases, asOfDay);
const computeSeconds = computeMs / 1000;
const ratio = computeSeconds / duckdbSeconds;
console.log(`DuckDB RFM only (best of 2, ${duckdbThreads} threads): ${duckdbSeconds.toFixed(3)} s; ratioVsDuckdb = our compute (one thread) / DuckDB = ${ratio.toFixed(3)} (below 1: faster, while also fitting both models and scoring CLV/churn/segments)`);

console.log(
  JSON.stringify({
    customers,
    purchases: purchases.length,
    computeSeconds: Number(computeSeconds.toFixed(3)),
    fitSeconds: Number((fitMs / 1000).toFixed(3)),
    peakRssMb,
    duckdbSeconds: Number(duckdbSeconds.toFixed(3)),
    ratioVsDuckdb: Number(ratio.toFixed(3)),
    shardCustomersPerSecond: Math.round(customers / (shardMs / 1000)),
    ...(parallel === undefined ? {} : { workers: threads, workerComputeSeconds: Number((parallel.ms / 1000).toFixed(3)) }),
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

/** Shards = contiguous customer ranges (rows arrive grouped by customer), one worker each. */
async function parallelCompute(workers: number): Promise<ParallelResult> {
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
      w.once('message', resolve);
      w.once('error', reject);
    });
  await Promise.all(shards.map(next));
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
  await Promise.all(shards.map((w) => w.terminate()));
  const counts: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.counts)) counts[k] = (counts[k] ?? 0) + v;
  return { ms: end - begin, pass1Ms: pass1End - begin, fitMs: fitEnd - pass1End, pass2Ms: end - fitEnd, counts: sortKeys(counts) };
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

async function runDuckdb(p: PurchaseColumns, asOf: number): Promise<number> {
  const { DuckDBInstance, DuckDBDataChunk, INTEGER, DOUBLE, BOOLEAN } = await import('@duckdb/node-api');
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-segments-'));
  try {
    const instance = await DuckDBInstance.create(':memory:', { temp_directory: dir });
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
    console.log(`DuckDB: loaded ${p.length.toLocaleString('en')} rows through the appender in ${seconds(performance.now() - loadStart)} s (not timed)`);
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
    // Best of two runs: the conservative comparison for us (DuckDB's second run has warm caches).
    let elapsed = Infinity;
    for (let attempt = 0; attempt < 2; attempt++) {
      await connection.run('DROP TABLE IF EXISTS rfm');
      const queryStart = performance.now();
      await connection.run(sql);
      elapsed = Math.min(elapsed, (performance.now() - queryStart) / 1000);
    }
    const check = await connection.runAndReadAll('SELECT count(*)::INTEGER AS n, avg(r_score) AS r, avg(f_score) AS f FROM rfm');
    console.log(`DuckDB check: ${JSON.stringify(check.getRowObjectsJson())}`);
    connection.closeSync();
    instance.closeSync();
    return elapsed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
