/**
 * npm run bench:nightly [-- --customers 50000 --shards 16]
 *
 * Two consecutive nights through the local host (as `npm start` runs it): a synthetic base of customers
 * with a year of purchases is ingested over HTTP, then segmentation runs for asOf d and for d + 1 (with the
 * purchases of day d + 1: some customers come back, a few are new). Per night it prints the Cosmos
 * operations (reads, writes, queries) per customer, an RU estimate, Service Bus messages, Blob bytes and the
 * wall time, then what GET /api/customers/{id}/profile-scores costs after night 2. Last line: JSON.
 *
 * Cosmos operations are counted by the embedded emulator's request log (every HTTP request it serves, by
 * container and kind: GET /admin/local/cosmos/requests), so nothing the app does can escape the count. The
 * RU estimate prices them with the figures in docs/segmentation.md (a point read of a ~2 KB document 1 RU, a
 * create/patch/replace 10 RU, a query page 2.5 RU plus 0.5 RU per purchase returned), since the emulator
 * charges nothing; the real account's x-ms-request-charge will replace them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BulkOperationType, CosmosClient, type JSONObject } from '@azure/cosmos';
import { BlobServiceClient } from '@azure/storage-blob';
import { emulatorKey, localCosmosClientOptions } from '../local/cosmos/client-options.js';
import { formatDay, parseDay } from '../shared/analytics/days.js';
import { toPurchase } from '../shared/purchases/ingest.js';
import { PurchaseInput } from '../shared/purchases/schema.js';
import { devAccountKey, devAccountName } from '../local/azurite.js';
import type { RequestCounts } from '../local/cosmos/request-counts.js';
import { mapWithConcurrency } from '../shared/concurrency.js';
import { containers, queues } from '../shared/resources.js';
import { startBenchHost, type BenchHost } from './host.js';
import { prng } from '../sim/random.js';

const ru = { read: 1, write: 10, queryPage: 2.5, perPurchaseScanned: 0.5 };

const { values } = parseArgs({ options: { customers: { type: 'string', default: '50000' }, shards: { type: 'string', default: '16' }, seed: { type: 'string', default: '7' } } });
const customers = Number(values.customers);
const shards = Number(values.shards);
if (!Number.isInteger(customers) || customers < 1 || !Number.isInteger(shards) || shards < 1) throw new Error('--customers and --shards need whole numbers');

const night1 = '2026-06-30';
const seedingClock = '2026-06-30T20:00:00.000Z';
const night2 = '2026-07-01';
const dayMs = 86_400_000;
const day1 = Date.parse(`${night1}T00:00:00Z`);

/** A year of purchases per customer (1–4 days), 1 % buying again on d + 1, 0.5 % new on d + 1. */
function syntheticPurchases() {
  const rand = prng(Number(values.seed));
  const categories = ['shoes', 'bags', 'shirts', 'coats', 'accessories'];
  const rows: Record<string, unknown>[] = [];
  // Spend varies between customers (log-normal mean) more than within one: what Gamma-Gamma models.
  let mean = 0;
  const purchase = (c: number, dayOffset: number, k: number) => {
    const total = Math.round(mean * (0.6 + 0.8 * rand()) * 100) / 100;
    const category = categories[Math.floor(rand() * categories.length)]!;
    rows.push({
      orderId: `n-${c}-${k}`,
      source: 'bench',
      customerId: `N${String(c).padStart(7, '0')}`,
      occurredAt: new Date(day1 + dayOffset * dayMs + 12 * 3_600_000).toISOString(),
      total,
      currency: 'EUR',
      items: [{ sku: `SKU-${category}`, category, quantity: 1, unitPrice: total }],
    });
  };
  const regulars = Math.round(customers * 0.995);
  for (let c = 0; c < customers; c++) {
    mean = Math.exp(3.5 + 0.6 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));
    if (c >= regulars) {
      purchase(c, 1, 0);
      continue;
    }
    const days = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < days; k++) purchase(c, -Math.floor(rand() * 365), k);
    if (rand() < 0.01) purchase(c, 1, days);
  }
  return rows;
}

const sumKinds = (counts: RequestCounts) => {
  const out = { read: 0, write: 0, query: 0, queryPlan: 0, other: 0 };
  for (const c of Object.values(counts)) for (const k of Object.keys(out) as (keyof typeof out)[]) out[k] += c[k];
  return out;
};
const minus = (a: RequestCounts, b: RequestCounts): RequestCounts =>
  Object.fromEntries(Object.entries(a).map(([name, kinds]) => [name, Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, v - (b[name]?.[k as keyof typeof kinds] ?? 0)]))])) as RequestCounts;
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

async function cosmosCounts(host: BenchHost): Promise<RequestCounts> {
  const r = await host.call('/admin/local/cosmos/requests');
  if (r.status !== 200) throw new Error(`request log unavailable: ${r.status}`);
  return r.body as RequestCounts;
}

async function blobBytes(host: BenchHost, prefixes: string[]): Promise<number> {
  const connection = `DefaultEndpointsProtocol=http;AccountName=${devAccountName};AccountKey=${devAccountKey};BlobEndpoint=${host.ready.blobEndpoint};`;
  const container = BlobServiceClient.fromConnectionString(connection).getContainerClient('winback-snapshots');
  let bytes = 0;
  for (const prefix of prefixes) for await (const blob of container.listBlobsFlat({ prefix })) bytes += blob.properties.contentLength ?? 0;
  return bytes;
}

async function runNight(host: BenchHost, asOf: string, runId: string, previous: string | undefined) {
  const before = await cosmosCounts(host);
  const eventsBefore = (await host.call(`/admin/local/queues/${queues.customerEvents.name}`)).body.active as number;
  // Each night at 03:00 of the day after its asOf on the virtual clock, as the timer runs it: a day apart, so
  // "the latest completed run" is well defined and pass 1 sees a real night's changes.
  await host.call('/admin/local/clock', { method: 'POST', json: { to: `${formatDay(parseDay(asOf)! + 1)}T03:00:00.000Z` } });
  const started = performance.now();
  const r = await host.call('/admin/functions/segments-compute', { method: 'POST', json: { input: JSON.stringify({ asOf, runId, shards }) } });
  if (r.status !== 202) throw new Error(`could not start ${runId}: ${r.status}`);
  // The run's own status says when it is done; polled every 2 s (the timer function returns at once).
  let view: any;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const got = await host.call(`/api/segments/runs/${runId}`);
    if (got.status === 200 && (got.body.status === 'completed' || got.body.status === 'failed')) {
      view = got.body;
      break;
    }
    // A loaded machine can make a single read time out; the run goes on, so ask again.
    if (got.status !== 200 && got.status !== 404) console.error(`GET run ${runId}: ${got.status} ${JSON.stringify(got.body)}; asking again`);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  await host.idle(600_000);
  if (view.status !== 'completed') throw new Error(`${runId} ended ${view.status}: ${view.error ?? ''}`);
  const delta = minus(await cosmosCounts(host), before);
  const kinds = sumKinds(delta);
  const scanned = view.customers === 0 ? 0 : (view.progress.customersSummarized as number);
  const purchasesScanned = await purchasesOf(host, runId);
  const events = ((await host.call(`/admin/local/queues/${queues.customerEvents.name}`)).body.active as number) - eventsBefore;
  const shardMessages = 2 * shards + (view.retries as unknown[]).length;
  const written = await blobBytes(host, [`segment-work/${runId}/`, `segments/${runId}/`, `segment-state/${runId}/`]);
  // Read back: summaries (pass 2) + partials (fit) of this run, and the baseline run's state files.
  const read = (await blobBytes(host, [`segment-work/${runId}/`])) + (previous && view.baselineRunId ? await blobBytes(host, [`segment-state/${previous}/`]) : 0);
  const ops = kinds.read + kinds.write + kinds.query + kinds.queryPlan + kinds.other;
  const ruEstimate = kinds.read * ru.read + kinds.write * ru.write + (kinds.query + kinds.queryPlan) * ru.queryPage + purchasesScanned * ru.perPurchaseScanned;
  const n = view.customers as number;
  const night = {
    runId,
    asOf,
    customers: n,
    customersSummarized: scanned,
    purchasesScanned,
    customersWritten: view.customersWritten as number,
    customersUnchanged: view.customersUnchanged as number,
    segmentChanges: view.segmentChanges as number,
    cosmos: { ...kinds, total: ops, byContainer: Object.fromEntries(Object.entries(delta).filter(([, k]) => Object.values(k).some((v) => v > 0))) },
    opsPerCustomer: round(ops / n),
    readsPerCustomer: round(kinds.read / n),
    writesPerCustomer: round(kinds.write / n),
    queriesPerCustomer: round((kinds.query + kinds.queryPlan) / n),
    customerDocumentWritesPerCustomer: round((delta[containers.customers.name]?.write ?? 0) / n),
    ruEstimate: Math.round(ruEstimate),
    ruPerCustomer: round(ruEstimate / n),
    serviceBus: { segmentChanged: events, shardMessages, total: events + shardMessages },
    blob: { bytesWritten: written, bytesRead: read },
    wallSeconds: round(wallSeconds, 1),
  };
  console.log(
    `${runId} (asOf ${asOf}): ${n.toLocaleString('en')} customers in ${night.wallSeconds} s; Cosmos ${ops.toLocaleString('en')} ops = ${night.opsPerCustomer}/customer ` +
      `(reads ${night.readsPerCustomer}, writes ${night.writesPerCustomer} of which customer documents ${night.customerDocumentWritesPerCustomer}, queries ${night.queriesPerCustomer}); ` +
      `≈ ${night.ruEstimate.toLocaleString('en')} RU (${night.ruPerCustomer}/customer); written ${night.customersWritten}, unchanged ${night.customersUnchanged}, ` +
      `${night.segmentChanges} segment changes; Service Bus ${night.serviceBus.total} messages (${events} segment.changed + ${shardMessages} shard); ` +
      `Blob ${(written / 1e6).toFixed(1)} MB written, ${(read / 1e6).toFixed(1)} MB read`,
  );
  console.log(`  by container: ${JSON.stringify(night.cosmos.byContainer)}`);
  return night;
}

/** Purchases pass 1 read: the sum over the run's shard results. */
async function purchasesOf(host: BenchHost, runId: string): Promise<number> {
  const connection = `DefaultEndpointsProtocol=http;AccountName=${devAccountName};AccountKey=${devAccountKey};BlobEndpoint=${host.ready.blobEndpoint};`;
  const blob = BlobServiceClient.fromConnectionString(connection).getContainerClient('winback-snapshots').getBlobClient(`segments/${runId}/summary.json`);
  const summary = JSON.parse((await blob.downloadToBuffer()).toString()) as { shardResults: { purchases: number }[] };
  return summary.shardResults.reduce((s, r) => s + r.purchases, 0);
}

/**
 * The purchase documents ingest would store (PurchaseInput → toPurchase, the same code POST /api/purchases
 * runs), written with the emulator's fast bulk path: seeding 100k purchases over HTTP would take longer than
 * both nights, and the nights are what is measured. A sample goes through the API to keep the two honest.
 */
async function seed(host: BenchHost, rows: Record<string, unknown>[]) {
  // Purchases of day d + 1 lie in the future of the seeding evening: they go in with the bulk part.
  const past = (row: Record<string, unknown>) => String(row['occurredAt']) < seedingClock;
  const sample = rows.filter(past).slice(0, 1000);
  const rest = rows.filter((row) => !sample.includes(row));
  const r = await host.call('/api/purchases', { method: 'POST', json: { purchases: sample } });
  if (r.status >= 300) throw new Error(`ingest failed: ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
  const client = new CosmosClient(localCosmosClientOptions(host.ready.cosmosEndpoint, emulatorKey));
  const container = client.database(process.env['COSMOS_DATABASE'] ?? 'winback').container(containers.purchases.name);
  // Received as they happened (a till sends a sale within minutes), not all just before the first night.
  const docs = rest.map((row) => {
    const input = PurchaseInput.parse(row);
    return toPurchase(input, new Date(Date.parse(input.occurredAt) + 5 * 60_000));
  });
  const batches = Array.from({ length: Math.ceil(docs.length / 100) }, (_, i) => docs.slice(i * 100, (i + 1) * 100));
  await mapWithConcurrency(batches, 2, async (batch) => {
    const results = await container.items.bulk(batch.map((doc) => ({ operationType: BulkOperationType.Create, resourceBody: doc as unknown as JSONObject })));
    const failed = results.find((result) => result.statusCode >= 300);
    if (failed) throw new Error(`seeding failed with ${failed.statusCode}`);
  });
  const stored = await container.items.query<number>('SELECT VALUE COUNT(1) FROM c').fetchAll();
  client.dispose();
  if (stored.resources[0] !== rows.length) throw new Error(`seeded ${stored.resources[0]} purchases, expected ${rows.length}`);
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'winback-nightly-'));
  // The evening before the first night: the sample goes through the API then.
  // The benchmark starts both nights itself: the nightly timer (02:00) must not add runs of its own between them.
  const host = await startBenchHost(path.join(dir, 'data'), ['--virtual-clock', seedingClock], { SEGMENTS_SCHEDULE: '0 0 2 1 1 *' });
  try {
    const rows = syntheticPurchases();
    const ingestStart = performance.now();
    await seed(host, rows);
    console.log(`seeded ${rows.length.toLocaleString('en')} purchases of ${customers.toLocaleString('en')} customers in ${round((performance.now() - ingestStart) / 1000, 1)} s (not part of the nights)`);

    const first = await runNight(host, night1, 'bench-night-1', undefined);
    const second = await runNight(host, night2, 'bench-night-2', 'bench-night-1');

    // profile-scores after night 2: most documents still hold night 1's scores, so most answers recompute.
    const sample = Array.from({ length: 200 }, (_, i) => `N${String(Math.floor((i * customers) / 200)).padStart(7, '0')}`);
    const before = await cosmosCounts(host);
    const latencies: number[] = [];
    const sources: Record<string, number> = {};
    for (const id of sample) {
      const t0 = performance.now();
      const r = await host.call(`/api/customers/${id}/profile-scores`);
      latencies.push(performance.now() - t0);
      if (r.status !== 200 || r.body.runId !== 'bench-night-2') throw new Error(`profile-scores ${id}: ${r.status} ${JSON.stringify(r.body)}`);
      sources[r.body.source] = (sources[r.body.source] ?? 0) + 1;
    }
    const profileOps = sumKinds(minus(await cosmosCounts(host), before));
    latencies.sort((a, b) => a - b);
    const profile = {
      calls: sample.length,
      sources,
      opsPerCall: round((profileOps.read + profileOps.write + profileOps.query + profileOps.queryPlan + profileOps.other) / sample.length, 2),
      p50Ms: round(latencies[Math.floor(latencies.length / 2)]!, 1),
      p99Ms: round(latencies[Math.ceil(latencies.length * 0.99) - 1]!, 1),
    };
    console.log(`profile-scores after night 2: ${JSON.stringify(profile)}`);

    const night2Ratio = second.cosmos.total / first.cosmos.total;
    console.log(
      `night 2 / night 1 operations: ${round(night2Ratio * 100, 1)} % (target ≤ 25 %); night 2 writes ${second.writesPerCustomer}/customer (target ≤ 0.1); ` +
        `load during the run: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores`,
    );
    console.log(
      JSON.stringify({
        benchmark: 'nightly',
        customers,
        purchases: rows.length,
        shards,
        night1: first,
        night2: second,
        profileScores: profile,
        night1OpsPerCustomer: first.opsPerCustomer,
        night2OpsPerCustomer: second.opsPerCustomer,
        night2WritesPerCustomer: second.writesPerCustomer,
        night2OpsRatio: round(night2Ratio),
        loadAverage: os.loadavg().map((l) => round(l, 2)),
      }),
    );
  } catch (error) {
    console.error(error);
    throw error;
  } finally {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
