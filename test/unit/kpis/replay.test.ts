/**
 * Replays a day of KPI events — shuffled, a quarter of them twice, several at once — through the real store
 * on the embedded Cosmos emulator, and checks that the live counters equal a full recomputation from the raw
 * outcome documents, and that both equal the scenario's known truth.
 */
import { CosmosClient, type Container } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DayClock } from '../../../shared/analytics/days.js';
import { mapWithConcurrency } from '../../../shared/concurrency.js';
import { recomputeCounters, type CounterDocument } from '../../../shared/kpis/counters.js';
import { contributionOf } from '../../../shared/kpis/outcome.js';
import { KpiStore } from '../../../shared/kpis/store.js';
import { containers } from '../../../shared/resources.js';
import { localCosmosClientOptions } from '../../../local/cosmos/client-options.js';
import { ensureDatabase, startCosmosEmulator, type CosmosEmulator } from '../../../local/cosmos/emulator.js';
import { compileWorkerIfStale } from '../emulators/compiled-worker.js';
import { dayOfEvents, scenarioJourney, shuffledWithDuplicates } from '../../../bench/kpis-scenario.js';

const now = new Date('2026-12-15T09:00:00Z');

describe('KPI counters under replay', () => {
  let emulator: CosmosEmulator;
  let client: CosmosClient;
  let container: Container;
  let store: KpiStore;

  beforeAll(async () => {
    compileWorkerIfStale();
    emulator = await startCosmosEmulator({ port: 0 });
    await ensureDatabase({ ...emulator, databaseId: 'winback', containers: [containers.kpis] });
    client = new CosmosClient(localCosmosClientOptions(emulator.endpoint, emulator.key));
    container = client.database('winback').container(containers.kpis.name);
    store = new KpiStore(container, new DayClock('Europe/Berlin'));
  }, 60_000);
  afterAll(async () => {
    client?.dispose();
    await emulator?.stop();
  });

  const comparable = (c: CounterDocument) => {
    const { updatedAt: _updatedAt, ...rest } = c;
    return rest;
  };

  it('duplicates and out-of-order events count once: counters = recomputation = truth', async () => {
    const scenario = dayOfEvents(150);
    const replay = shuffledWithDuplicates(scenario.events, 0.25);
    expect(replay.length).toBeGreaterThan(scenario.events.length * 1.15);
    const outcomes = await mapWithConcurrency(replay, 6, (event) => store.record(event, now));
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(scenario.events.length);

    const counters = await store.counters(scenarioJourney);
    const docs = await store.outcomes(scenarioJourney);
    expect(docs).toHaveLength(150);
    for (const doc of docs) expect(doc.counted).toEqual(contributionOf(doc));

    const recomputed = recomputeCounters(scenarioJourney, docs, now);
    expect(new Map(counters.map((c) => [c.id, comparable(c)]))).toEqual(new Map([...recomputed].map(([id, c]) => [id, comparable(c)])));

    const byArm = (arm: string) => counters.filter((c) => c.arm === arm);
    for (const [arm, truth] of Object.entries(scenario.truth)) {
      const own = byArm(arm);
      const sum = (f: (c: CounterDocument) => number) => own.reduce((s, c) => s + f(c), 0);
      expect(sum((c) => c.enrolled), arm).toBe(truth.enrolled);
      expect(sum((c) => c.reactivated), arm).toBe(truth.reactivated);
      expect(sum((c) => Object.values(c.revenue).reduce((s, b) => s + b[1], 0)), arm).toBe(truth.revenueMinor);
      expect(sum((c) => c.messaged), arm).toBe(truth.messaged);
      expect(sum((c) => c.couponsIssued), arm).toBe(truth.couponsIssued);
      expect(sum((c) => c.couponsRedeemed), arm).toBe(truth.couponsRedeemed);
      expect(sum((c) => c.discountMinor), arm).toBe(truth.discountMinor);
    }

    // Sending the whole day again changes nothing.
    const again = await mapWithConcurrency(scenario.events, 6, (event) => store.record(event, now));
    expect(again.every((o) => o === 'duplicate')).toBe(true);
    expect((await store.counters(scenarioJourney)).map(comparable).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      counters.map(comparable).sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(await store.journeys()).toEqual([scenarioJourney]);
  }, 120_000);

  it('erasure keeps the counts under the tombstone id and leaves no customer or order id behind', async () => {
    const before = (await store.counters(scenarioJourney)).map(comparable);
    expect(await store.eraseCustomer('cust-7', 'erased-abc', now)).toBe(1);
    const docs = await store.outcomes(scenarioJourney);
    const erased = docs.find((d) => d.customerId === 'erased-abc')!;
    expect(docs.some((d) => d.customerId === 'cust-7')).toBe(false);
    expect(Object.keys(erased.orders).every((id) => id.startsWith('erased-'))).toBe(true);
    expect(JSON.stringify(erased)).not.toMatch(/cust-7|ORD-7\b/);
    expect((await store.counters(scenarioJourney)).map(comparable)).toEqual(before);
    expect(await store.eraseCustomer('cust-7', 'erased-abc', now)).toBe(0);
  }, 60_000);
});
