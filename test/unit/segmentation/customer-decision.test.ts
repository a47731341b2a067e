import { describe, expect, it } from 'vitest';
import {
  bandsOf,
  clvBand,
  decideCustomer,
  pAliveBand,
  movementKey,
  stateAfter,
  stateOf,
  type CustomerAnalytics,
  type CustomerState,
} from '../../../shared/segmentation/customer-update.js';
import { planShards } from '../../../shared/segmentation/plan.js';
import { statePath } from '../../../shared/segmentation/paths.js';
import type { SegmentationDeps } from '../../../shared/segmentation/ports.js';
import { loadBaseline, overlappingShards, stateFile } from '../../../shared/segmentation/state.js';

const run = { runId: 'r2', asOf: '2026-11-02' };
const policy = { staleAfterDays: 7 };

/** Scores with the fields the decision reads; everything else at fixed values. */
function scores(overrides: Partial<CustomerAnalytics> = {}): CustomerAnalytics {
  return {
    runId: 'r1',
    asOf: '2026-11-01',
    computedAt: '2026-11-02T02:10:00.000Z',
    segmentFrom: null,
    timeUnit: 'week',
    firstPurchaseDay: '2026-01-10',
    lastPurchaseDay: '2026-10-20',
    purchaseDays: 4,
    x: 3,
    txDays: 283,
    TDays: 295,
    daysSinceLastPurchase: 12,
    totalSpendMinor: 12_000,
    repeatAovMinor: 3_000,
    typicalIntervalDays: 90,
    couponUsageRate: 0.25,
    topCategory: 'shoes',
    currency: 'EUR',
    rfm: { recency: 4, frequency: 3, monetary: 4, code: '434' },
    pAlive: 0.8,
    expectedPurchases90d: 0.9,
    expectedAovMinor: 3_100,
    clv12mMinor: 7_400,
    churnRisk: { atRisk: false, lowPAlive: false, overdue: false, overdueAfterDays: 270 },
    ...overrides,
  };
}

const stored = (overrides: Partial<CustomerState> = {}): CustomerState => ({
  customerId: 'C-1',
  runId: 'r1',
  asOf: '2026-11-01',
  segmentFrom: 'new',
  segment: 'loyal',
  segmentSince: '2026-09-01',
  previousSegment: 'new',
  ...bandsOf(scores()),
  ...overrides,
});

const scored = (segment: string, overrides: Partial<CustomerAnalytics> = {}) => ({ segment, analytics: scores({ runId: 'r2', asOf: '2026-11-02', ...overrides }) });

describe('the per-customer decision (scores → stored record, event or none)', () => {
  it('a first assignment writes and is a change from null that starts segmentSince', () => {
    expect(decideCustomer(undefined, scored('new'), run, policy)).toEqual({
      kind: 'write',
      reason: 'first',
      from: null,
      to: 'new',
      changed: true,
      segmentSince: '2026-11-02',
      previousSegment: null,
      expectedRunId: null,
    });
    expect(movementKey(null, 'new')).toBe('none→new');
  });

  it('a segment change writes, sends an event, and keeps the old segment as previous', () => {
    expect(decideCustomer(stored(), scored('at_risk'), run, policy)).toMatchObject({
      kind: 'write',
      reason: 'segment',
      from: 'loyal',
      changed: true,
      segmentSince: '2026-11-02',
      previousSegment: 'loyal',
      expectedRunId: 'r1',
    });
  });

  it('the same segment with scores drifting inside their bands writes nothing and sends nothing', () => {
    const drift = scored('loyal', { pAlive: 0.81, clv12mMinor: 7_100, expectedPurchases90d: 0.88, daysSinceLastPurchase: 13 });
    expect(decideCustomer(stored(), drift, run, policy)).toEqual({ kind: 'unchanged', from: 'loyal', state: stored() });
  });

  it('a moved churn-risk band, CLV band or top category rewrites without an event, keeping segmentSince', () => {
    const cases: [Partial<CustomerAnalytics>, string][] = [
      [{ churnRisk: { atRisk: true, lowPAlive: false, overdue: true, overdueAfterDays: 270 } }, 'churn_band'],
      [{ pAlive: 0.45 }, 'churn_band'],
      [{ pAlive: 0.79 }, 'p_alive_band'],
      [{ clv12mMinor: 4_900 }, 'clv_band'],
      [{ topCategory: 'bags' }, 'top_category'],
    ];
    for (const [change, reason] of cases) {
      expect(decideCustomer(stored(), scored('loyal', change), run, policy)).toMatchObject({
        kind: 'write',
        reason,
        changed: false,
        segmentSince: '2026-09-01',
        previousSegment: 'new',
        expectedRunId: 'r1',
      });
    }
  });

  it('compares no P(alive) band with a state kept before there was one (no rewrite wave after an upgrade)', () => {
    expect(decideCustomer(stored({ pAliveBand: null }), scored('loyal', { pAlive: 0.55 }), run, policy).kind).toBe('unchanged');
    expect(decideCustomer(stored({ pAliveBand: null }), scored('loyal', { pAlive: 0.45 }), run, policy)).toMatchObject({ reason: 'churn_band' });
  });

  it('rewrites scores that reached the staleness, and not a day earlier', () => {
    expect(decideCustomer(stored({ asOf: '2026-10-27' }), scored('loyal'), run, policy).kind).toBe('unchanged');
    expect(decideCustomer(stored({ asOf: '2026-10-26' }), scored('loyal'), run, policy)).toMatchObject({ kind: 'write', reason: 'stale', changed: false });
    expect(decideCustomer(stored({ asOf: '2026-11-01' }), scored('loyal'), run, { staleAfterDays: 1 })).toMatchObject({ kind: 'write', reason: 'stale' });
  });

  it('skips customers this run already stamped (a redelivery) and recalls their movement', () => {
    expect(decideCustomer(stored({ runId: 'r2', asOf: '2026-11-02', segment: 'at_risk', segmentFrom: 'loyal' }), scored('at_risk'), run, policy)).toEqual({
      kind: 'already_done',
      from: 'loyal',
      to: 'at_risk',
      changed: true,
    });
  });

  it('never lets a backtest overwrite a customer scored as of a later day', () => {
    expect(decideCustomer(stored({ runId: 'r9', asOf: '2026-11-05' }), scored('lost'), run, policy)).toEqual({ kind: 'newer_exists' });
    expect(decideCustomer(stored({ runId: 'r9', asOf: '2026-11-02' }), scored('lost'), run, policy).kind).toBe('write');
  });
});

describe('stored state', () => {
  it('reads a document into the state the decision compares with, and a write back into the same shape', () => {
    const a = scores({ segmentFrom: 'new' });
    const doc = { analytics: a, segment: 'loyal', segmentSince: '2026-09-01', previousSegment: 'new' };
    expect(stateOf('C-1', doc)).toEqual(stored());
    expect(stateAfter('C-1', doc)).toEqual(stored());
    expect(stateOf('C-1', { email: 'x@example.com' } as never)).toBeUndefined();
  });

  it('keeps the segment of scores in an older shape and forces their rewrite (no false first assignment)', () => {
    const old = stateOf('C-1', { segment: 'loyal', analytics: { runId: 'r0', asOf: '2026-10-01' } });
    expect(old).toMatchObject({ segment: 'loyal', runId: 'r0' });
    expect(decideCustomer(old, scored('loyal'), run, { staleAfterDays: 365 })).toMatchObject({ kind: 'write', changed: false, from: 'loyal' });
  });

  it('puts P(alive) in tenths', () => {
    expect([0, 0.05, 0.1, 0.499, 0.5, 0.8, 0.99, 1, Number.NaN].map(pAliveBand)).toEqual([0, 0, 1, 4, 5, 8, 9, 9, 0]);
  });

  it('puts CLV on a 1-2-5 ladder', () => {
    expect([0, 0.4, 1, 99, 100, 199, 200, 499, 500, 999, 1_000, 7_400, 12_345].map(clvBand)).toEqual([
      0, 0, 1, 50, 100, 100, 200, 200, 500, 500, 1_000, 5_000, 10_000,
    ]);
  });

  it('state files round-trip, and a shard finds the previous run’s shards that cover its buckets', () => {
    const text = stateFile('r1', 0, [stored(), stored({ customerId: 'C-2', previousSegment: null, topCategory: null })]);
    expect(JSON.parse(text).customers[1]).toEqual(['C-2', 'r1', '2026-11-01', 'new', 'loyal', '2026-09-01', null, 'low', 5_000, null, 8]);
    const [first, second] = planShards(4);
    expect(overlappingShards(first!, 4)).toEqual([0]);
    expect(overlappingShards(second!, 16)).toEqual([4, 5, 6, 7]);
    expect(overlappingShards(planShards(3)[1]!, 2)).toEqual([0, 1]);
  });

  it('reads state files back, those of version 1 (before the P(alive) band) without the band, and none of a later version', async () => {
    const v1 = { version: 1, runId: 'r0', shard: 0, customers: [['C-1', 'r0', '2026-10-31', 'new', 'loyal', '2026-09-01', 'new', 'low', 5_000, 'shoes']] };
    const files = new Map([
      [statePath('r0', 0), JSON.stringify(v1)],
      [statePath('r1', 0), stateFile('r1', 0, [stored()])],
    ]);
    files.set(statePath('r3', 0), JSON.stringify({ ...v1, version: 3 }));
    const logged: string[] = [];
    const deps = { blobs: { get: async (p: string) => (files.has(p) ? Buffer.from(files.get(p)!) : undefined) }, log: (line: string) => logged.push(line) } as unknown as SegmentationDeps;
    const range = planShards(1)[0]!;
    expect((await loadBaseline(deps, { runId: 'r1', shards: 1 }, range, 1))?.get('C-1')).toEqual(stored());
    expect((await loadBaseline(deps, { runId: 'r0', shards: 1 }, range, 1))?.get('C-1')).toEqual(stored({ runId: 'r0', asOf: '2026-10-31', pAliveBand: null }));
    expect(await loadBaseline(deps, { runId: 'r9', shards: 1 }, range, 1)).toBeUndefined();
    // A file of a later version (a rollback after it ran): the shard reads the documents instead, and says so.
    expect(await loadBaseline(deps, { runId: 'r3', shards: 1 }, range, 1)).toBeUndefined();
    expect(logged).toEqual([expect.stringMatching(/state file segment-state\/r3\/.* version 3, which this version cannot read/)]);
  });
});
