import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultAnalyticsConfig, defaultSegmentRules, fitModels, parseDay, partialStats, rfmCutPoints, type Models } from '../../../shared/analytics/index.js';
import { queues } from '../../../shared/resources.js';
import { inProcessCompute, mergeWork, scoreWork, sliceWork, summarizeRows, type ScoreTask, type ShardCompute, type SummarizeTask } from '../../../shared/segmentation/compute.js';
import { partitionByCustomer, PooledCompute } from '../../../shared/segmentation/compute-pool.js';
import { handleShardMessage } from '../../../shared/segmentation/dispatch.js';
import { ShardMessage } from '../../../shared/segmentation/plan.js';
import type { PurchaseRow } from '../../../shared/segmentation/ports.js';
import { shardCompute } from '../../../shared/segmentation/services.js';
import { startRun, type SegmentationSettings } from '../../../shared/segmentation/start.js';
import { workColumns } from '../../../shared/segmentation/work.js';
import { readSample } from '../analytics/cdnow.js';
import { memoryDeps } from './fakes.js';

// Worker threads run compiled JavaScript: the entry the deployment package ships (npm test builds first).
const entry = new URL('../../../dist/shared/segmentation/compute-worker.js', import.meta.url);
if (!existsSync(entry)) throw new Error(`${entry.pathname} is missing: run npm run build first`);

const now = new Date('1998-07-01T02:00:00Z');
const categories = ['jazz', 'rock', 'classical', 'pop'];

/** CDNOW with categories, a coupon, refunds and rows the summary must skip, so every column is exercised. */
const rows: unknown[] = readSample().map((row, i) => ({
  customerId: row.masterId,
  occurredAt: `${row.date}T${String(i % 24).padStart(2, '0')}:30:00.000Z`,
  totalMinor: Math.round(row.dollars * 100),
  type: i % 53 === 0 ? 'refund' : 'purchase',
  currency: 'USD',
  items: [{ category: categories[(i * 7) % 4], quantity: 1 + (i % 3), unitPriceMinor: Math.round((row.dollars * 100) / (1 + (i % 3))) }],
  ...(i % 11 === 0 ? { couponCodes: ['SAVE10'] } : {}),
}));
rows.push({ customerId: '00001', occurredAt: 'not a time', totalMinor: 100, type: 'purchase' }, { occurredAt: '1997-03-01T10:00:00Z', totalMinor: 5 });

// Thresholds far below production's, so that these small inputs are split over three threads.
const pooled = new PooledCompute({ threads: 3, entry, minRowsPerThread: 500, minCustomersPerThread: 100 });
afterAll(() => pooled.close());

const summarizeTask: SummarizeTask = { runId: 'r', shard: 0, asOf: '1997-09-30', asOfDay: parseDay('1997-09-30')!, timeZone: 'Europe/Berlin', rows };

function scoreTaskOf(): ScoreTask {
  const out = summarizeRows(summarizeTask);
  if (!out.ok) throw new Error(out.message);
  const stats = partialStats(workColumns(out.work));
  const fitted = fitModels(stats, { timeUnit: 'week' });
  if (!fitted.ok) throw new Error(fitted.message);
  const context = { runId: 'r', asOf: '1997-09-30', timeUnit: 'week' as const, currency: 'USD', computedAt: '1998-07-01T02:00:00.000Z' };
  return { work: out.work, models: fitted.models, cutPoints: rfmCutPoints(stats), config: { ...defaultAnalyticsConfig, timeUnit: 'week' }, context };
}

describe('shard compute on worker threads', () => {
  it('summarizes purchase rows exactly as in-process, skipped rows included', async () => {
    const inProcess = await inProcessCompute.summarize(summarizeTask);
    const onThreads = await pooled.summarize(summarizeTask);
    expect(inProcess.ok && inProcess.work.customers.length).toBeGreaterThan(2000);
    expect(inProcess.ok && inProcess.skipped).toBe(2);
    expect(onThreads).toEqual(inProcess);
  });

  it('scores customers exactly as in-process, with and without engagement from the documents', async () => {
    const task = scoreTaskOf();
    const inProcess = await inProcessCompute.score(task);
    expect(inProcess.length).toBeGreaterThan(2000);
    expect(await pooled.score(task)).toEqual(inProcess);
    const engagement = task.work.customers.map((_, i) => (i % 3 === 0 ? undefined : { engagementRate: (i % 10) / 10, couponRedemptionRate: null }));
    expect(await pooled.score({ ...task, engagement })).toEqual(await inProcessCompute.score({ ...task, engagement }));
  });

  it('splits and joins without losing or reordering anyone', () => {
    const parts = partitionByCustomer(rows, 3);
    expect(parts.map((p) => p.length).reduce((s, n) => s + n, 0)).toBe(rows.length);
    const owner = new Map<unknown, number>();
    parts.forEach((part, k) => part.forEach((row) => {
      const id = (row as { customerId?: string }).customerId;
      expect(owner.get(id) ?? k).toBe(k);
      owner.set(id, k);
    }));
    const out = summarizeRows(summarizeTask);
    if (!out.ok) throw new Error(out.message);
    const n = out.work.customers.length;
    expect(mergeWork([sliceWork(out.work, 0, 10), sliceWork(out.work, 10, n)])).toEqual(out.work);
  });

  it('fails a task whose worker throws, with the message, and keeps serving', async () => {
    const task = scoreTaskOf();
    await expect(pooled.score({ ...task, models: { ...task.models, bgnbd: undefined } as unknown as Models })).rejects.toThrow(/Cannot destructure|undefined/);
    expect(await pooled.score(task)).toEqual(scoreWork(task));
  });

  it('uses threads only when there is more than one', () => {
    expect(shardCompute(undefined, 1)).toBe(inProcessCompute);
    expect(shardCompute(0, 8)).toBe(inProcessCompute);
    expect(shardCompute(1, 8)).toBe(inProcessCompute);
    const many = shardCompute(undefined, 4);
    expect(many).toBeInstanceOf(PooledCompute);
    expect((many as PooledCompute).threads).toBe(4);
    void (many as PooledCompute).close();
  });
});

describe('a whole run, in-process and on worker threads', () => {
  const settings: SegmentationSettings = { timeZone: 'UTC', timeUnit: 'week', shards: 2, config: { ...defaultAnalyticsConfig, timeUnit: 'week' }, stallMinutes: 30 };
  const purchaseRows = rows.filter((r): r is PurchaseRow => typeof (r as PurchaseRow).customerId === 'string');

  /** Two nights (the second decides from the first's state files), FIFO delivery; everything the run leaves. */
  async function nights(compute: ShardCompute, config = settings.config) {
    const deps = { ...memoryDeps(purchaseRows, now), compute };
    for (const [asOf, runId] of [['1997-09-30', 'n1'], ['1997-10-31', 'n2']] as const) {
      deps.clock.at = new Date(`${asOf}T23:00:00Z`);
      await startRun(deps, { ...settings, config }, { trigger: 'on_demand', asOf, runId });
      for (let message = deps.bus.take(queues.segmentShards.name); message; message = deps.bus.take(queues.segmentShards.name)) {
        await handleShardMessage(deps, ShardMessage.parse(message.body), 1);
      }
    }
    // Wall-clock seconds are the one thing allowed to differ.
    const runs = [...deps.runs.docs.values()].map(({ run }) => JSON.parse(JSON.stringify(run, (k, v) => (k === 'seconds' || k === 'summarizeSeconds' || k === 'scoreSeconds' ? 0 : v))));
    const blobs = Object.fromEntries([...deps.blobs.files].map(([path, f]) => [path, path.endsWith('summary.json') ? JSON.parse(f.content.toString(), (k, v) => (k.endsWith('econds') ? 0 : v)) : f.content.toString()]));
    return { runs, blobs, customers: Object.fromEntries(deps.customers.docs), events: deps.bus.queues.get(queues.customerEvents.name) };
  }

  it('leaves the same runs, blobs, customer documents and events', async () => {
    const inProcess = await nights(inProcessCompute);
    expect(inProcess.runs.map((r) => r.status)).toEqual(['completed', 'completed']);
    expect(inProcess.runs[1].score['0'].baseline).toBe(true);
    expect(await nights(pooled)).toEqual(inProcess);
  });

  it('the same when segment rules read engagement from the documents (scored chunk by chunk)', async () => {
    const config = {
      ...settings.config,
      segments: [{ name: 'engaged', when: { field: 'engagementRate' as const, op: 'gte' as const, value: 0.5 } }, ...defaultSegmentRules],
    };
    const inProcess = await nights(inProcessCompute, config);
    expect(inProcess.runs.map((r) => r.status)).toEqual(['completed', 'completed']);
    const small = new PooledCompute({ threads: 2, entry, minRowsPerThread: 500, minCustomersPerThread: 20 });
    try {
      expect(await nights(small, config)).toEqual(inProcess);
    } finally {
      await small.close();
    }
  });
});
