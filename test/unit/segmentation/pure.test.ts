import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultAnalyticsConfig } from '../../../shared/analytics/index.js';
import { csvField, renderCsv } from '../../../shared/segmentation/csv.js';
import {
  defaultAsOf,
  occurredBefore,
  planShards,
  scheduledRunId,
  segmentEventMessageId,
  shardMessageId,
} from '../../../shared/segmentation/plan.js';
import {
  newRun,
  passComplete,
  pendingShards,
  recordShard,
  runCurrency,
  scoreTotals,
  type ScoreResult,
  type SegmentRun,
  type SummarizeResult,
} from '../../../shared/segmentation/run.js';
import { shardWork, topCategory, workColumns } from '../../../shared/segmentation/work.js';

const now = new Date('2026-11-02T02:00:00Z');

describe('shard planning', () => {
  it('covers every bucket exactly once with contiguous ranges that differ by at most one bucket', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1024 }), (count) => {
        const ranges = planShards(count);
        expect(ranges).toHaveLength(count);
        expect(ranges[0]!.lo).toBe(0);
        expect(ranges.at(-1)!.hi).toBe(1024);
        ranges.forEach((r, i) => {
          expect(r.shard).toBe(i);
          if (i > 0) expect(r.lo).toBe(ranges[i - 1]!.hi);
        });
        const sizes = ranges.map((r) => r.hi - r.lo);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1);
      }),
    );
  });

  it('refuses shard counts the buckets cannot carry', () => {
    expect(() => planShards(0)).toThrow(RangeError);
    expect(() => planShards(1025)).toThrow(RangeError);
    expect(() => planShards(2.5)).toThrow(RangeError);
  });

  it('defaults asOf to yesterday in the retailer calendar', () => {
    // 02:00 UTC on 2 Nov is still 1 Nov 21:00 in New York: yesterday there is 31 Oct.
    expect(defaultAsOf(now, 'UTC')).toBe('2026-11-01');
    expect(defaultAsOf(now, 'America/New_York')).toBe('2026-10-31');
    expect(defaultAsOf(now, 'Pacific/Kiritimati')).toBe('2026-11-01');
  });

  it('bounds the purchase query generously and leaves the exact day cut to the summary', () => {
    expect(occurredBefore('1997-09-30')).toBe('1997-10-01T14:00:00.000Z');
    expect(() => occurredBefore('1997-02-30')).toThrow(RangeError);
  });

  it('names scheduled runs by day and inputs, and messages deterministically', () => {
    const a = scheduledRunId('2026-11-01', { timeUnit: 'week', shards: 16 });
    expect(a).toMatch(/^20261101-s[0-9a-f]{10}$/);
    expect(scheduledRunId('2026-11-01', { shards: 16, timeUnit: 'week' })).toBe(a);
    expect(scheduledRunId('2026-11-01', { timeUnit: 'day', shards: 16 })).not.toBe(a);
    expect(shardMessageId({ kind: 'score', runId: a, shard: 7 })).toBe(`${a}:score:7`);
  });

  it('keeps event message ids within the 128 characters Service Bus allows', () => {
    expect(segmentEventMessageId('C-42', 'r1')).toBe('C-42:r1');
    const long = 'x'.repeat(128);
    const id = segmentEventMessageId(long, '20261101-abcdef0123');
    expect(id.length).toBeLessThanOrEqual(128);
    expect(segmentEventMessageId(long, '20261101-abcdef0123')).toBe(id);
    expect(segmentEventMessageId(`${long}y`, '20261101-abcdef0123')).not.toBe(id);
  });
});

const summarizeResult = (customers: number, currencies = ['EUR']): SummarizeResult => ({
  customers,
  purchases: customers * 3,
  reused: 0,
  baselineRunId: null,
  skipped: 0,
  currencies,
  seconds: 0.1,
  deliveryCount: 1,
  finishedAt: now.toISOString(),
});

const scoreResult = (segments: Record<string, number>, movements: Record<string, number> = {}): ScoreResult => ({
  customers: Object.values(segments).reduce((s, c) => s + c, 0),
  segments,
  movements,
  events: Object.values(movements).reduce((s, c) => s + c, 0),
  written: 0,
  writeReasons: {},
  unchanged: 0,
  baseline: false,
  skippedNewer: 0,
  skippedErased: 0,
  part: 'p',
  seconds: 0.1,
  deliveryCount: 1,
  finishedAt: now.toISOString(),
});

function run(shards: number): SegmentRun {
  return newRun(
    { runId: 'r1', asOf: '2026-11-01', asOfDay: 20_393, timeZone: 'UTC', timeUnit: 'week', shards, trigger: 'schedule', config: defaultAnalyticsConfig },
    now,
  );
}

describe('completion detection', () => {
  it('exactly one shard completes a pass, whatever the order, and redeliveries never complete it again', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((n) =>
          fc.tuple(fc.constant(n), fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: n, maxLength: 4 * n })),
        ),
        ([n, extra]) => {
          // Every shard reports at least once, some several times (redeliveries), in a random order.
          const deliveries = [...extra, ...Array.from({ length: n }, (_, i) => i)];
          let current = run(n);
          let completions = 0;
          for (const shard of deliveries) {
            const outcome = recordShard(current, 'summarize', shard, summarizeResult(1), now);
            if (outcome.kind === 'recorded') {
              current = outcome.run;
              if (outcome.complete) completions++;
            } else expect(outcome.kind).toBe('already_recorded');
          }
          expect(completions).toBe(1);
          expect(passComplete(current, 'summarize')).toBe(true);
          expect(pendingShards(current, 'summarize')).toEqual([]);
        },
      ),
    );
  });

  it('keeps the first result of a shard and refuses results for a pass the run has left', () => {
    const first = recordShard(run(2), 'summarize', 1, summarizeResult(5), now);
    if (first.kind !== 'recorded') throw new Error('expected recorded');
    expect(first.complete).toBe(false);
    expect(pendingShards(first.run, 'summarize')).toEqual([0]);
    const again = recordShard(first.run, 'summarize', 1, summarizeResult(99), now);
    expect(again.kind).toBe('already_recorded');
    expect(again.run.summarize['1']!.customers).toBe(5);
    expect(recordShard(first.run, 'score', 0, scoreResult({ lost: 1 }), now).kind).toBe('wrong_status');
  });

  it('totals the shards: segments in rule order with zeros, movements by count', () => {
    const r: SegmentRun = {
      ...run(2),
      status: 'scoring',
      score: {
        '0': { ...scoreResult({ lost: 2, champions: 1 }, { 'none→lost': 2 }), written: 3, writeReasons: { first: 2, stale: 1 } },
        '1': { ...scoreResult({ lost: 1, loyal: 3 }, { 'none→lost': 1, 'at_risk→loyal': 3 }), written: 4, writeReasons: { first: 1, segment: 3 } },
      },
    };
    const totals = scoreTotals(r);
    expect(totals.customers).toBe(7);
    expect(Object.keys(totals.segments)).toEqual(defaultAnalyticsConfig.segments.map((s) => s.name));
    expect(totals.segments).toMatchObject({ lost: 3, champions: 1, loyal: 3, new: 0 });
    expect(Object.entries(totals.movements)).toEqual([
      ['at_risk→loyal', 3],
      ['none→lost', 3],
    ]);
    expect(totals.events).toBe(6);
    expect(totals.written).toBe(7);
    expect(Object.entries(totals.writeReasons)).toEqual([
      ['first', 3],
      ['segment', 3],
      ['stale', 1],
    ]);
  });

  it('names the run currency, or warns when shards saw several', () => {
    const one: SegmentRun = { ...run(2), summarize: { '0': summarizeResult(1, ['EUR']), '1': summarizeResult(1, []) } };
    expect(runCurrency(one)).toEqual({ currency: 'EUR' });
    const two: SegmentRun = { ...run(2), summarize: { '0': summarizeResult(1, ['EUR']), '1': summarizeResult(1, ['USD']) } };
    expect(runCurrency(two).currency).toBeNull();
    expect(runCurrency(two).warning).toContain('EUR, USD');
  });
});

describe('CSV rendering', () => {
  it('quotes fields with commas, quotes and line breaks (RFC 4180) and ends lines with CRLF', () => {
    expect(renderCsv(['a', 'b'], [['x,y', 'say "hi"'], ['line\nbreak', null]])).toBe('a,b\r\n"x,y","say ""hi"""\r\n"line\nbreak",\r\n');
  });

  it('renders numbers, booleans and missing values plainly', () => {
    expect([1.5, -2, true, false, null, undefined, Number.NaN].map(csvField)).toEqual(['1.5', '-2', 'true', 'false', '', '', '']);
  });

  it('defuses spreadsheet formulas but leaves numbers that look signed alone', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('+49 30')).toBe("'+49 30");
    expect(csvField('-12.5')).toBe('-12.5');
    expect(csvField('C-42')).toBe('C-42');
  });

  it('refuses a row that does not match the header', () => {
    expect(() => renderCsv(['a', 'b'], [['only one']])).toThrow(RangeError);
  });
});

describe('shard work files', () => {
  const summary = (customerId: string, affinity: Record<string, number>) => ({
    customerId,
    firstPurchaseDay: '2026-01-01',
    lastPurchaseDay: '2026-03-01',
    purchaseDays: 3,
    x: 2,
    tx: 59,
    T: 304,
    repeatAovMinor: 1250,
    totalSpendMinor: 4000,
    typicalIntervalDays: 29.5,
    categoryAffinity: affinity,
    couponUsageRate: 1 / 3,
    orders: 3,
  });

  it('sort customers by id and survive JSON with the columns the scorer reads', () => {
    const asOfDay = Date.UTC(2026, 9, 31) / 86_400_000;
    const work = shardWork('r1', 3, asOfDay, [summary('b', { tea: 1 }), summary('a', {})], ['EUR', 'EUR']);
    const back = JSON.parse(JSON.stringify(work)) as typeof work;
    expect(back.customers).toEqual(['a', 'b']);
    expect(back.topCategory).toEqual([null, 'tea']);
    expect(back.currencies).toEqual(['EUR']);
    const columns = workColumns(back);
    expect(columns.length).toBe(2);
    expect(columns.purchaseDays[1]).toBe(3);
    expect(columns.repeatSpendMinor[0]).toBe(2500);
    expect(columns.lastDay[0]! - columns.firstDay[0]!).toBe(59);
    expect(columns.medianGapDays[0]).toBe(29.5);
    expect(columns.couponOrders[0]).toBe(1);
  });

  it('takes the category with the largest share, ties alphabetically', () => {
    expect(topCategory({ wine: 0.2, cheese: 0.4, bread: 0.4 })).toBe('bread');
    expect(topCategory({})).toBeNull();
  });
});
