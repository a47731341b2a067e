import { parseDay } from '../analytics/index.js';
import { mapWithConcurrency } from '../concurrency.js';
import { erasureTombstoneId } from '../customers/store.js';
import { customerBucket } from '../purchases/ingest.js';
import { summariesPath } from './paths.js';
import { occurredAfterDayFrom, occurredBefore, type ShardRange } from './plan.js';
import type { PurchaseRow, SegmentationDeps } from './ports.js';
import type { SegmentRun } from './run.js';
import { ShardWork } from './work.js';

/**
 * Pass 1 without reading every purchase: a shard starts from the summaries the previous completed run kept
 * for the same bucket range and summarises again only the customers whose purchases may differ — a purchase
 * received since shortly before that run started, a purchase on a day after its asOf, an erasure or a merge
 * since. The summaries of everyone else are the same by construction (a customer's summary depends only on
 * their own purchases up to asOf, and asOf moves T, which pass 2 computes from the first purchase day).
 */

/**
 * How long before the base run's creation a purchase counts as possibly missed by its scan: a request that
 * was still being written when the scan read the range. Function invocations end within minutes.
 */
export const receiptMarginMs = 60 * 60 * 1000;

export interface SummaryBase {
  run: SegmentRun;
  work: ShardWork;
  /** asOf of the last full scan the base descends from. */
  fullScanAsOf: string;
}

/** The previous completed run this shard can start from, or undefined: then pass 1 reads every purchase. */
export async function summaryBase(deps: SegmentationDeps, run: SegmentRun, shard: number): Promise<SummaryBase | undefined> {
  if (deps.identityChanges === undefined || (deps.fullScanDays ?? 1) <= 1) return undefined;
  const base = (await deps.runs.latestCompleted(2)).find((r) => r.runId !== run.runId);
  // A backtest, another shard layout or another calendar needs the purchases themselves.
  if (base === undefined || base.asOf > run.asOf || base.shards !== run.shards || base.timeZone !== run.timeZone) return undefined;
  const result = base.summarize[String(shard)];
  if (result === undefined) return undefined;
  const fullScanAsOf = result.fullScanAsOf ?? base.asOf;
  if (run.asOfDay - parseDay(fullScanAsOf)! >= deps.fullScanDays!) return undefined;
  // Work files expire with segment-work/ (Blob lifecycle): a base older than that is read from Cosmos again.
  const bytes = await deps.blobs.get(summariesPath(base.runId, shard));
  if (bytes === undefined) return undefined;
  const work = ShardWork.parse(JSON.parse(bytes.toString('utf8')));
  if (work.runId !== base.runId || work.shard !== shard) return undefined;
  return { run: base, work, fullScanAsOf };
}

/** The customers of the range whose summaries must be made again, and their purchase rows up to asOf. */
export async function changedCustomersRows(deps: SegmentationDeps, run: SegmentRun, base: SummaryBase, range: ShardRange): Promise<{ changed: Set<string>; rows: PurchaseRow[] }> {
  const since = new Date(Date.parse(base.run.createdAt) - receiptMarginMs).toISOString();
  const before = occurredBefore(run.asOf);
  const [ids, identity] = await Promise.all([
    deps.purchases.changedCustomers(range, { receivedSince: since, occurredFrom: occurredAfterDayFrom(base.run.asOf), occurredBefore: before }),
    deps.identityChanges!.since(since),
  ]);
  const changed = new Set(ids);
  const inRange = (id: string) => {
    const bucket = customerBucket(id);
    return bucket >= range.lo && bucket < range.hi;
  };
  for (const id of identity.mergedCustomers) if (inRange(id)) changed.add(id);
  if (identity.erasureTombstoneIds.length > 0) {
    const erased = new Set(identity.erasureTombstoneIds);
    for (const id of base.work.customers) if (erased.has(erasureTombstoneId(id))) changed.add(id);
  }
  const perCustomer = await mapWithConcurrency([...changed], deps.concurrency ?? 16, (id) => deps.purchases.forCustomer(id, before));
  return { changed, rows: perCustomer.flat() };
}
