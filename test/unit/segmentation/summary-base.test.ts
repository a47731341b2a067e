import { describe, expect, it } from 'vitest';
import { defaultAnalyticsConfig } from '../../../shared/analytics/index.js';
import { erasureTombstoneId } from '../../../shared/customers/store.js';
import { queues } from '../../../shared/resources.js';
import { handleShardMessage } from '../../../shared/segmentation/dispatch.js';
import { ShardMessage } from '../../../shared/segmentation/plan.js';
import type { IdentityChanges } from '../../../shared/segmentation/ports.js';
import { startRun, type SegmentationSettings } from '../../../shared/segmentation/start.js';
import { readSample } from '../analytics/cdnow.js';
import { memoryDeps, type MemoryRow } from './fakes.js';

const settings: SegmentationSettings = { timeZone: 'UTC', timeUnit: 'week', shards: 3, config: { ...defaultAnalyticsConfig, timeUnit: 'week' }, stallMinutes: 30 };
const categories = ['jazz', 'rock', 'classical'];

/** CDNOW's sample as stored purchases, received long before any run. */
function history(): MemoryRow[] {
  return readSample().map((row, i) => ({
    customerId: row.masterId,
    occurredAt: `${row.date}T12:00:00.000Z`,
    totalMinor: Math.round(row.dollars * 100),
    type: 'purchase',
    currency: 'USD',
    items: [{ category: categories[i % 3], quantity: 1, unitPriceMinor: Math.round(row.dollars * 100) }],
  }));
}

/** Erasures and merges as their records say when they happened. */
class RecordedIdentityChanges implements IdentityChanges {
  readonly erasures: { tombstoneId: string; at: string }[] = [];
  readonly merges: { absorbed: string; survivor: string; at: string }[] = [];
  async since(since: string) {
    return {
      erasureTombstoneIds: this.erasures.filter((e) => e.at >= since).map((e) => e.tombstoneId),
      mergedCustomers: this.merges.filter((m) => m.at >= since).flatMap((m) => [m.absorbed, m.survivor]),
    };
  }
}

const purchase = (customerId: string, occurredAt: string, receivedAt: string, extra: Partial<MemoryRow> = {}): MemoryRow => ({
  customerId,
  occurredAt,
  receivedAt,
  totalMinor: 2500,
  type: 'purchase',
  currency: 'USD',
  items: [{ category: 'pop', quantity: 1, unitPriceMinor: 2500 }],
  ...extra,
});

/**
 * Nights in a row, with what happens between them: new and backdated purchases, a purchase on the day after a
 * run's asOf that was stored before that run, a refund, a new customer, an erasure and a merge. The same world
 * runs once reading every purchase each night and once starting from the previous night's summaries.
 */
async function nights(incremental: boolean) {
  const rows = history();
  const deps = memoryDeps(rows, new Date('1997-10-01T05:00:00Z'));
  const identity = new RecordedIdentityChanges();
  Object.assign(deps, incremental ? { identityChanges: identity, fullScanDays: 7 } : {});
  const ids = [...new Set(rows.map((r) => r.customerId))];
  const [a, b, c, d, e, f, g] = ids;
  const between: Record<string, () => void> = {
    n2: () => {
      rows.push(purchase(a!, '1997-10-01T12:00:00.000Z', '1997-10-01T12:05:00.000Z'));
      rows.push(purchase('NEW-1', '1997-10-01T15:00:00.000Z', '1997-10-01T15:00:00.000Z'));
      rows.push(purchase(b!, '1997-03-01T12:00:00.000Z', '1997-10-01T13:00:00.000Z'));
      rows.push(purchase(c!, '1997-10-01T16:00:00.000Z', '1997-10-01T16:00:00.000Z', { type: 'refund', totalMinor: 900 }));
    },
    n3: () => {
      // Erasure: the customer's purchases are deleted, the tombstone stays.
      for (let i = rows.length - 1; i >= 0; i--) if (rows[i]!.customerId === e) rows.splice(i, 1);
      identity.erasures.push({ tombstoneId: erasureTombstoneId(e!), at: '1997-10-02T09:00:00.000Z' });
      // Merge: f's purchases move to g and keep when they were received.
      for (const row of rows) if (row.customerId === f) row.customerId = g!;
      identity.merges.push({ absorbed: f!, survivor: g!, at: '1997-10-02T10:00:00.000Z' });
      rows.push(purchase(d!, '1997-10-02T23:30:00.000Z', '1997-10-02T23:31:00.000Z'));
    },
    n4: () => rows.push(purchase(a!, '1997-10-05T12:00:00.000Z', '1997-10-05T12:00:00.000Z')),
  };
  // n1 runs late (05:00) and so misses by receipt time the purchase d made at 00:30 that day: only its day
  // (after n1's asOf) brings it into n2.
  rows.push(purchase(d!, '1997-10-01T00:30:00.000Z', '1997-10-01T00:35:00.000Z'));
  const out: { runId: string; summarize: Record<string, { purchases: number; reused: number; baselineRunId: string | null }>; blobs: Record<string, unknown> }[] = [];
  for (const [runId, asOf, at] of [
    ['n1', '1997-09-30', '1997-10-01T05:00:00Z'],
    ['n2', '1997-10-01', '1997-10-02T02:00:00Z'],
    ['n3', '1997-10-02', '1997-10-03T02:00:00Z'],
    ['n4', '1997-10-09', '1997-10-10T02:00:00Z'],
  ] as const) {
    between[runId]?.();
    deps.clock.at = new Date(at);
    await startRun(deps, settings, { trigger: 'on_demand', asOf, runId });
    for (let message = deps.bus.take(queues.segmentShards.name); message; message = deps.bus.take(queues.segmentShards.name)) {
      await handleShardMessage(deps, ShardMessage.parse(message.body), 1);
    }
    const run = (await deps.runs.get(runId))!;
    expect(run.status).toBe('completed');
    const blobs = Object.fromEntries(
      [...deps.blobs.files].filter(([path]) => path.includes(`/${runId}/`) && !path.endsWith('summary.json')).map(([path, file]) => [path, JSON.parse(JSON.stringify(file.content.toString()))]),
    );
    out.push({ runId, summarize: run.summarize as never, blobs });
  }
  return { nights: out, customers: Object.fromEntries(deps.customers.docs), events: deps.bus.queues.get(queues.customerEvents.name), ids: { a, b, c, d, e, f, g } };
}

describe('pass 1 from the previous run’s summaries', () => {
  it('leaves the same summaries, statistics, snapshot, state, documents and events as reading every purchase', async () => {
    const full = await nights(false);
    const incremental = await nights(true);
    for (let i = 0; i < full.nights.length; i++) expect(incremental.nights[i]!.blobs, full.nights[i]!.runId).toEqual(full.nights[i]!.blobs);
    expect(incremental.customers).toEqual(full.customers);
    expect(incremental.events).toEqual(full.events);
    // The world moved: the survivor holds the absorbed customer's purchases, the erased customer is gone.
    const n3 = JSON.stringify(full.nights[2]!.blobs);
    expect(n3).not.toContain(`"${full.ids.f}"`);
    expect(n3).not.toContain(`"${full.ids.e}"`);
    expect(n3).toContain('NEW-1');
  });

  it('reads only the changed customers between full scans, and every purchase again after fullScanDays', async () => {
    const full = await nights(false);
    const incremental = await nights(true);
    const total = (n: (typeof full.nights)[number]) => Object.values(n.summarize).reduce((s, r) => s + r.purchases, 0);
    const reused = (n: (typeof full.nights)[number]) => Object.values(n.summarize).reduce((s, r) => s + r.reused, 0);
    const [n1, n2, n3, n4] = incremental.nights;
    expect(Object.values(n1!.summarize).map((r) => r.baselineRunId)).toEqual([null, null, null]);
    expect(total(n1!)).toBe(total(full.nights[0]!));
    for (const [night, base, fullNight] of [[n2!, 'n1', full.nights[1]!], [n3!, 'n2', full.nights[2]!]] as const) {
      expect(Object.values(night.summarize).map((r) => r.baselineRunId)).toEqual([base, base, base]);
      // The few changed customers' histories, not the 6,900 purchases of the sample.
      expect(total(night)).toBeGreaterThan(0);
      expect(total(night)).toBeLessThan(total(fullNight) / 20);
      expect(reused(night)).toBeGreaterThan(2000);
    }
    // n4's asOf is 9 days after n1's full scan: it reads everything again.
    expect(Object.values(n4!.summarize).map((r) => r.baselineRunId)).toEqual([null, null, null]);
    expect(total(n4!)).toBe(total(full.nights[3]!));
  });
});
