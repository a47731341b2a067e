import { z } from 'zod';
import type { RfHistogram } from './bgnbd.js';
import { spendBucket, type SpendHistogram } from './gammaGamma.js';
import { parseDay } from './days.js';
import { summaryColumnsFrom, type CustomerSummary, type SummaryColumns } from './summary.js';

/**
 * What one shard contributes to a run's global statistics. Everything in it is a count or a sum keyed by
 * exact integers, so partials merge by addition in any order and grouping (associative, commutative):
 * a fit or a quintile over the merged partial equals one over all customers at once. Plain arrays, sorted
 * by key, so it travels as JSON (Service Bus message, Blob) and merges in linear time.
 */
const int = z.number().int();
export const PartialStats = z.object({
  version: z.literal(1),
  /** Epoch day of asOf: partials of different analysis days must never merge. */
  asOfDay: int,
  customers: int.nonnegative(),
  /** BG/NBD sufficient statistic: customers per (x, t_x, T), times in whole days. */
  rf: z.object({ x: z.array(int), tx: z.array(int), T: z.array(int), count: z.array(int) }),
  /** Gamma-Gamma statistic: repeat buyers per (x, bucket of mean repeat spend), see gammaGamma.ts. */
  spend: z.object({
    x: z.array(int),
    bucket: z.array(int),
    count: z.array(int),
    sumLogM: z.array(z.number()),
    sumM: z.array(z.number()),
  }),
  /** Exact histograms for the RFM quintiles: days since the last purchase, purchase days. */
  recency: z.object({ value: z.array(int), count: z.array(int) }),
  frequency: z.object({ value: z.array(int), count: z.array(int) }),
  /** Net spend in monetary buckets (see monetaryBucket). */
  monetary: z.object({ bucket: z.array(int), count: z.array(int) }),
});
export type PartialStats = z.infer<typeof PartialStats>;

const exactMonetaryBelow = 1024;
export const monetaryBucketWidth = 1e-3;
const monetaryLogBase = Math.log1p(monetaryBucketWidth);

/**
 * Order-preserving bucket of a net spend in minor units: every value ≤ 0 shares bucket −1; 1..1023 are
 * exact; above, geometric buckets 0.1 % wide. A monetary quintile cut point is therefore exact below 1024
 * minor units and otherwise within 0.1 % (relative) of the exact quintile of the base; customers are
 * scored by bucket, so equal spends always get equal scores.
 */
export function monetaryBucket(minor: number): number {
  if (minor <= 0) return -1;
  if (minor < exactMonetaryBelow) return Math.floor(minor);
  return exactMonetaryBelow + Math.floor(Math.log(minor / exactMonetaryBelow) / monetaryLogBase);
}

/** Smallest spend (minor units) that falls in a bucket: how a cut point is shown to people. */
export function monetaryBucketFloor(bucket: number): number {
  if (bucket < 0) return 0;
  if (bucket < exactMonetaryBelow) return bucket;
  return Math.ceil(exactMonetaryBelow * Math.exp((bucket - exactMonetaryBelow) * monetaryLogBase));
}

// Composite keys: 17 bits of days (358 years) for t_x and T, the rest for x.
const dayBits = 131_072;

export function emptyStats(asOfDay: number): PartialStats {
  return {
    version: 1,
    asOfDay,
    customers: 0,
    rf: { x: [], tx: [], T: [], count: [] },
    spend: { x: [], bucket: [], count: [], sumLogM: [], sumM: [] },
    recency: { value: [], count: [] },
    frequency: { value: [], count: [] },
    monetary: { bucket: [], count: [] },
  };
}

/**
 * One shard's partial statistics from its customers' summaries: columns from `summarizeColumns`, or the
 * objects `summarize` returns together with the run's asOf day ('YYYY-MM-DD').
 */
export function partialStats(summaries: SummaryColumns): PartialStats;
export function partialStats(summaries: readonly CustomerSummary[], asOf: string): PartialStats;
export function partialStats(summaries: SummaryColumns | readonly CustomerSummary[], asOf?: string): PartialStats {
  if (!isColumns(summaries)) {
    const asOfDay = asOf === undefined ? undefined : parseDay(asOf);
    if (asOfDay === undefined) throw new RangeError(`partialStats needs the run's asOf day, got ${asOf}`);
    return statsOfColumns(summaryColumnsFrom(summaries, asOfDay));
  }
  return statsOfColumns(summaries);
}

function isColumns(s: SummaryColumns | readonly CustomerSummary[]): s is SummaryColumns {
  return !Array.isArray(s);
}

function statsOfColumns(s: SummaryColumns, packable = true): PartialStats {
  const n = s.length;
  // Up to 2M customers per partial the spend cells are grouped by sorting packed keys, beyond by a map.
  let packed = packable && n < 2_097_152;
  const rfKeys = new Float64Array(n);
  const recency = new Float64Array(n);
  const frequency = new Float64Array(n);
  const monetary = new Float64Array(n);
  const spendSlots = new Map<number, number>();
  const spendX: number[] = [];
  const spendBucketOf: number[] = [];
  const spendCount: number[] = [];
  const spendLog: number[] = [];
  const spendSum: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = s.purchaseDays[i]! - 1;
    const tx = s.lastDay[i]! - s.firstDay[i]!;
    const T = s.asOfDay - s.firstDay[i]!;
    if (T >= dayBits) throw new RangeError('customer history longer than 358 years');
    rfKeys[i] = (x * dayBits + tx) * dayBits + T;
    recency[i] = s.asOfDay - s.lastDay[i]!;
    frequency[i] = s.purchaseDays[i]!;
    monetary[i] = monetaryBucket(s.totalSpendMinor[i]!);
    if (x > 0 && !packed) {
      const m = s.repeatSpendMinor[i]! / x;
      if (m > 0) {
        const bucket = spendBucket(m);
        // Small integer keys (x < 16384, |bucket| < 32768: spends between e^-32 and e^32) stay V8 Smis,
        // which keeps the map fast; anything beyond still gets a unique, if slower, key.
        const key = x < 16_384 && Math.abs(bucket) < 32_768 ? x * 65_536 + bucket + 32_768 : -(x * 4_294_967_296 + bucket + 2_147_483_648);
        let slot = spendSlots.get(key);
        if (slot === undefined) {
          slot = spendX.length;
          spendSlots.set(key, slot);
          spendX.push(x);
          spendBucketOf.push(bucket);
          spendCount.push(0);
          spendLog.push(0);
          spendSum.push(0);
        }
        spendCount[slot]!++;
        spendLog[slot]! += Math.log(m);
        spendSum[slot]! += m;
      }
    }
  }
  if (packed) {
    // Sort (cell key, customer) pairs packed in one double, then accumulate runs: no hash map.
    const pairs = new Float64Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const x = s.purchaseDays[i]! - 1;
      if (x <= 0) continue;
      const m = s.repeatSpendMinor[i]! / x;
      if (!(m > 0)) continue;
      const bucket = spendBucket(m);
      if (x >= 16_384 || Math.abs(bucket) >= 32_768) {
        packed = false;
        break;
      }
      pairs[k++] = (x * 65_536 + bucket + 32_768) * 2_097_152 + i;
    }
    if (packed) {
      const sorted = pairs.subarray(0, k).sort();
      let previous = -1;
      for (let j = 0; j < k; j++) {
        const cell = Math.floor(sorted[j]! / 2_097_152);
        const i = sorted[j]! - cell * 2_097_152;
        const x = s.purchaseDays[i]! - 1;
        const m = s.repeatSpendMinor[i]! / x;
        if (cell !== previous) {
          spendX.push(x);
          spendBucketOf.push(cell - x * 65_536 - 32_768);
          spendCount.push(0);
          spendLog.push(0);
          spendSum.push(0);
          previous = cell;
        }
        const slot = spendX.length - 1;
        spendCount[slot]!++;
        spendLog[slot]! += Math.log(m);
        spendSum[slot]! += m;
      }
    } else {
      return statsOfColumns(s, false);
    }
  }
  const rf = runLength(rfKeys);
  const stats = emptyStats(s.asOfDay);
  stats.customers = n;
  for (let k = 0; k < rf.keys.length; k++) {
    const key = rf.keys[k]!;
    const T = key % dayBits;
    const rest = (key - T) / dayBits;
    const tx = rest % dayBits;
    stats.rf.x.push((rest - tx) / dayBits);
    stats.rf.tx.push(tx);
    stats.rf.T.push(T);
    stats.rf.count.push(rf.counts[k]!);
  }
  const spendOrder = spendX.map((_, i) => i).sort((a, b) => spendX[a]! - spendX[b]! || spendBucketOf[a]! - spendBucketOf[b]!);
  for (const i of spendOrder) {
    stats.spend.x.push(spendX[i]!);
    stats.spend.bucket.push(spendBucketOf[i]!);
    stats.spend.count.push(spendCount[i]!);
    stats.spend.sumLogM.push(spendLog[i]!);
    stats.spend.sumM.push(spendSum[i]!);
  }
  const r = countIntegers(recency);
  stats.recency = { value: r.keys, count: r.counts };
  const f = countIntegers(frequency);
  stats.frequency = { value: f.keys, count: f.counts };
  const m = countIntegers(monetary);
  stats.monetary = { bucket: m.keys, count: m.counts };
  return stats;
}

/** Histogram of small integers (days, purchase days, monetary buckets) by counting; sorting is the fallback. */
function countIntegers(values: Float64Array): { keys: number[]; counts: number[] } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (values.length === 0 || max - min > 4 * values.length + 65_536) return runLength(values);
  const counts = new Float64Array(max - min + 1);
  for (let i = 0; i < values.length; i++) counts[values[i]! - min]!++;
  const out: { keys: number[]; counts: number[] } = { keys: [], counts: [] };
  for (let k = 0; k < counts.length; k++) {
    if (counts[k]! > 0) {
      out.keys.push(k + min);
      out.counts.push(counts[k]!);
    }
  }
  return out;
}

function runLength(values: Float64Array): { keys: number[]; counts: number[] } {
  values.sort();
  const keys: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (keys.length > 0 && keys[keys.length - 1] === v) counts[counts.length - 1]!++;
    else {
      keys.push(v);
      counts.push(1);
    }
  }
  return { keys, counts };
}

/** Adds two partials of the same analysis day. Linear merge of the sorted key lists. */
export function mergeStats(a: PartialStats, b: PartialStats): PartialStats {
  if (a.asOfDay !== b.asOfDay) {
    throw new RangeError(`cannot merge statistics of different analysis days (${a.asOfDay} vs ${b.asOfDay})`);
  }
  const out = emptyStats(a.asOfDay);
  out.customers = a.customers + b.customers;

  mergeSorted(
    a.rf.x.length,
    b.rf.x.length,
    (i, j) => a.rf.x[i]! - b.rf.x[j]! || a.rf.tx[i]! - b.rf.tx[j]! || a.rf.T[i]! - b.rf.T[j]!,
    (i) => pushRf(out, a, i, a.rf.count[i]!),
    (j) => pushRf(out, b, j, b.rf.count[j]!),
    (i, j) => pushRf(out, a, i, a.rf.count[i]! + b.rf.count[j]!),
  );
  mergeSorted(
    a.spend.x.length,
    b.spend.x.length,
    (i, j) => a.spend.x[i]! - b.spend.x[j]! || a.spend.bucket[i]! - b.spend.bucket[j]!,
    (i) => pushSpend(out, a, i, a.spend.count[i]!, a.spend.sumLogM[i]!, a.spend.sumM[i]!),
    (j) => pushSpend(out, b, j, b.spend.count[j]!, b.spend.sumLogM[j]!, b.spend.sumM[j]!),
    (i, j) =>
      pushSpend(
        out,
        a,
        i,
        a.spend.count[i]! + b.spend.count[j]!,
        a.spend.sumLogM[i]! + b.spend.sumLogM[j]!,
        a.spend.sumM[i]! + b.spend.sumM[j]!,
      ),
  );
  out.recency = mergeHistogram(a.recency.value, a.recency.count, b.recency.value, b.recency.count);
  out.frequency = mergeHistogram(a.frequency.value, a.frequency.count, b.frequency.value, b.frequency.count);
  const m = mergeHistogram(a.monetary.bucket, a.monetary.count, b.monetary.bucket, b.monetary.count);
  out.monetary = { bucket: m.value, count: m.count };
  return out;
}

function pushRf(out: PartialStats, from: PartialStats, i: number, count: number): void {
  out.rf.x.push(from.rf.x[i]!);
  out.rf.tx.push(from.rf.tx[i]!);
  out.rf.T.push(from.rf.T[i]!);
  out.rf.count.push(count);
}

function pushSpend(out: PartialStats, from: PartialStats, i: number, count: number, sumLogM: number, sumM: number): void {
  out.spend.x.push(from.spend.x[i]!);
  out.spend.bucket.push(from.spend.bucket[i]!);
  out.spend.count.push(count);
  out.spend.sumLogM.push(sumLogM);
  out.spend.sumM.push(sumM);
}

function mergeHistogram(
  av: number[],
  ac: number[],
  bv: number[],
  bc: number[],
): { value: number[]; count: number[] } {
  const value: number[] = [];
  const count: number[] = [];
  mergeSorted(
    av.length,
    bv.length,
    (i, j) => av[i]! - bv[j]!,
    (i) => (value.push(av[i]!), count.push(ac[i]!)),
    (j) => (value.push(bv[j]!), count.push(bc[j]!)),
    (i, j) => (value.push(av[i]!), count.push(ac[i]! + bc[j]!)),
  );
  return { value, count };
}

function mergeSorted(
  na: number,
  nb: number,
  compare: (i: number, j: number) => number,
  takeA: (i: number) => void,
  takeB: (j: number) => void,
  takeBoth: (i: number, j: number) => void,
): void {
  let i = 0;
  let j = 0;
  while (i < na && j < nb) {
    const c = compare(i, j);
    if (c < 0) takeA(i++);
    else if (c > 0) takeB(j++);
    else takeBoth(i++, j++);
  }
  while (i < na) takeA(i++);
  while (j < nb) takeB(j++);
}

export function rfHistogram(stats: PartialStats): RfHistogram {
  return {
    length: stats.rf.x.length,
    x: Int32Array.from(stats.rf.x),
    tx: Int32Array.from(stats.rf.tx),
    T: Int32Array.from(stats.rf.T),
    count: Float64Array.from(stats.rf.count),
  };
}

export function spendHistogram(stats: PartialStats): SpendHistogram {
  return {
    length: stats.spend.x.length,
    x: Int32Array.from(stats.spend.x),
    bucket: Int32Array.from(stats.spend.bucket),
    count: Float64Array.from(stats.spend.count),
    sumLogM: Float64Array.from(stats.spend.sumLogM),
    sumM: Float64Array.from(stats.spend.sumM),
  };
}

/**
 * Quintile cut points of the base. A customer's score on a metric is 1 + the number of cut points the
 * customer is strictly better than, so equal values always share a score (deterministic, order-free);
 * when one value holds more than a fifth of the base (e.g. one purchase day) some scores stay unused.
 */
export const RfmCutPoints = z.object({
  customers: int,
  /** Days since the last purchase; better = fewer days, so a score counts cut points with days < value. */
  recencyDays: z.array(int).length(4),
  frequency: z.array(int).length(4),
  monetaryBucket: z.array(int).length(4),
  /** Lower edge of each monetary cut bucket in minor units (for display). */
  monetaryMinor: z.array(z.number()).length(4),
});
export type RfmCutPoints = z.infer<typeof RfmCutPoints>;

export function rfmCutPoints(stats: PartialStats): RfmCutPoints {
  const recencyDesc = {
    value: [...stats.recency.value].reverse(),
    count: [...stats.recency.count].reverse(),
  };
  const monetaryBuckets = quintiles(stats.monetary.bucket, stats.monetary.count);
  return {
    customers: stats.customers,
    recencyDays: quintiles(recencyDesc.value, recencyDesc.count),
    frequency: quintiles(stats.frequency.value, stats.frequency.count),
    monetaryBucket: monetaryBuckets,
    monetaryMinor: monetaryBuckets.map(monetaryBucketFloor),
  };
}

/** k-th quintile (k = 1..4): the first value (in histogram order) whose cumulative count reaches k/5. */
function quintiles(values: number[], counts: number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  const out: number[] = [];
  let cumulative = 0;
  let i = 0;
  for (let k = 1; k <= 4; k++) {
    const target = (k * total) / 5;
    while (i < values.length && cumulative + counts[i]! < target) cumulative += counts[i++]!;
    out.push(values[Math.min(i, values.length - 1)] ?? 0);
  }
  return out;
}

export function recencyScore(daysSinceLast: number, cuts: RfmCutPoints): number {
  let s = 1;
  for (const c of cuts.recencyDays) if (daysSinceLast < c) s++;
  return s;
}

export function frequencyScore(purchaseDays: number, cuts: RfmCutPoints): number {
  let s = 1;
  for (const c of cuts.frequency) if (purchaseDays > c) s++;
  return s;
}

export function monetaryScore(totalSpendMinor: number, cuts: RfmCutPoints): number {
  const b = monetaryBucket(totalSpendMinor);
  let s = 1;
  for (const c of cuts.monetaryBucket) if (b > c) s++;
  return s;
}
