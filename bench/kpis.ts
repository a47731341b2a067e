/**
 * npm run bench:kpis [-- --record 1500 --read 20000]
 *
 * On the embedded Cosmos emulator (in process, one core):
 * 1. kpis-record's store: a shuffled day of KPI events (10 % sent twice) applied 8 at a time → events/s and the
 *    share of batches that had to be retried;
 * 2. the KPI read: a journey with `--read` enrollments, read from its counters (the design) and, for
 *    comparison, from its outcome documents (what a read without counters would scan) → ms, documents and bytes.
 * Last output line: one JSON object with the figures.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { BulkOperationType, CosmosClient, type OperationInput } from '@azure/cosmos';
import { DayClock } from '../shared/analytics/days.js';
import { mapWithConcurrency } from '../shared/concurrency.js';
import { recomputeCounters } from '../shared/kpis/counters.js';
import type { KpiEvent } from '../shared/kpis/events.js';
import { applyKpiEvent, contributionOf, type OutcomeDocument } from '../shared/kpis/outcome.js';
import { buildReport, KpiQuery } from '../shared/kpis/report.js';
import { KpiStore } from '../shared/kpis/store.js';
import { containers } from '../shared/resources.js';
import { localCosmosClientOptions } from '../local/cosmos/client-options.js';
import { ensureDatabase, startCosmosEmulator } from '../local/cosmos/emulator.js';
import { dayOfEvents, scenarioJourney, shuffledWithDuplicates } from './kpis-scenario.js';

const { values } = parseArgs({ options: { record: { type: 'string', default: '1500' }, read: { type: 'string', default: '20000' } } });
const recordN = Number(values.record);
const readN = Number(values.read);
const now = new Date('2026-12-20T09:00:00Z');
const days = new DayClock('UTC');
const round = (v: number, d = 1) => Number(v.toFixed(d));

const emulator = await startCosmosEmulator({ port: 0 });
await ensureDatabase({ ...emulator, databaseId: 'bench', containers: [containers.kpis] });
const client = new CosmosClient(localCosmosClientOptions(emulator.endpoint, emulator.key));
const container = client.database('bench').container(containers.kpis.name);
try {
  // 1. record
  let batches = 0;
  let failedBatches = 0;
  const batch = container.items.batch.bind(container.items);
  container.items.batch = async (...args: Parameters<typeof batch>) => {
    batches++;
    try {
      return await batch(...args);
    } catch (error) {
      failedBatches++;
      throw error;
    }
  };
  const store = new KpiStore(container, days);
  const scenario = dayOfEvents(recordN, 11);
  const replay = shuffledWithDuplicates(scenario.events, 0.1, 12);
  const t0 = performance.now();
  await mapWithConcurrency(replay, 8, (event) => store.record(event, now));
  const recordSeconds = (performance.now() - t0) / 1000;
  console.log(`record: ${replay.length} events (${scenario.events.length} distinct) in ${recordSeconds.toFixed(1)} s = ${round(replay.length / recordSeconds)} events/s; ${failedBatches} of ${batches} batches retried`);

  // 2. read at scale: documents built with the pure core and bulk-inserted under another journey id
  const journeyId = 'jr-read';
  const docs = new Map<string, OutcomeDocument>();
  for (const e of dayOfEvents(readN, 21).events) {
    const event = { ...e, journeyId } as KpiEvent;
    const next = applyKpiEvent(docs.get(event.enrollmentId), event, now, days);
    if (next) docs.set(event.enrollmentId, { ...next, counted: contributionOf(next) });
  }
  const counters = [...recomputeCounters(journeyId, [...docs.values()], now).values()];
  const bodies = [...docs.values(), ...counters];
  const chunks: OperationInput[][] = [];
  for (let i = 0; i < bodies.length; i += 100) chunks.push(bodies.slice(i, i + 100).map((b) => ({ operationType: BulkOperationType.Create, resourceBody: { ...b } })));
  await mapWithConcurrency(chunks, 4, (ops) => container.items.bulk(ops));
  const query = KpiQuery.parse({ journeyId });
  const bytes = (items: unknown[]) => items.reduce<number>((s, i) => s + JSON.stringify(i).length, 0);

  const t1 = performance.now();
  const readCounters = await store.counters(journeyId);
  const fromCounters = buildReport(readCounters, query, now, 'UTC');
  const countersMs = performance.now() - t1;

  const t2 = performance.now();
  const readOutcomes = await store.outcomes(journeyId);
  const fromOutcomes = buildReport([...recomputeCounters(journeyId, readOutcomes, now).values()], query, now, 'UTC');
  const outcomesMs = performance.now() - t2;
  if (JSON.stringify(fromCounters.arms) !== JSON.stringify(fromOutcomes.arms)) throw new Error('the two reads disagree');
  console.log(
    `read ${readN} enrollments: counters ${readCounters.length} docs, ${round(bytes(readCounters) / 1024)} KB, ${round(countersMs, 0)} ms; ` +
      `outcome documents ${readOutcomes.length} docs, ${round(bytes(readOutcomes) / 1024)} KB, ${round(outcomesMs, 0)} ms`,
  );
  console.log(
    JSON.stringify({
      benchmark: 'kpis',
      host: 'embedded Cosmos emulator, in process',
      cpus: os.cpus().length,
      record: { events: replay.length, distinct: scenario.events.length, seconds: round(recordSeconds, 2), eventsPerSecond: round(replay.length / recordSeconds), batches, retriedBatches: failedBatches },
      read: {
        enrollments: readN,
        counters: { documents: readCounters.length, kilobytes: round(bytes(readCounters) / 1024), ms: round(countersMs, 0) },
        outcomeDocuments: { documents: readOutcomes.length, kilobytes: round(bytes(readOutcomes) / 1024), ms: round(outcomesMs, 0) },
      },
    }),
  );
} finally {
  client.dispose();
  await emulator.stop();
}
