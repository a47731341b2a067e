import type { Clock } from '../clock.js';
import type { MessageBus } from '../messaging/bus.js';
import type { BlobStore } from '../storage/blobs.js';
import type { ShardCompute } from './compute.js';
import type { CustomerAnalytics, StoredSegmentation, WritePolicy } from './customer-update.js';
import type { SegmentRun } from './run.js';

/** The run documents in `segment-runs`; every change goes through `update`, guarded by the ETag. */
export interface RunRepository {
  /** Creates the run; when the id exists already, returns the stored run instead. */
  create(run: SegmentRun): Promise<{ created: true } | { created: false; run: SegmentRun }>;
  get(runId: string): Promise<SegmentRun | undefined>;
  /**
   * Read-modify-write under the ETag, retried on conflicts: `change` sees the current run and returns the
   * next version (or undefined to write nothing) and a value handed back to the caller.
   */
  update<T>(runId: string, change: (run: SegmentRun) => { next?: SegmentRun; value: T }): Promise<T>;
  /** Completed runs, newest completion first. */
  latestCompleted(limit: number): Promise<SegmentRun[]>;
  /** Runs newest first (by creation, then run id), `limit` at most, strictly after `after` in that order. */
  list(limit: number, after?: RunCursor): Promise<{ runs: SegmentRun[]; more: boolean }>;
  /** Runs still summarizing or scoring (what the watchdog looks at). */
  inProgress(): Promise<SegmentRun[]>;
}

/** Where a page of runs ended: the last run's creation time and id. */
export interface RunCursor {
  createdAt: string;
  runId: string;
}

/** The purchases of one bucket range, only the fields the summary reads. */
export interface PurchaseSource {
  scan(range: { lo: number; hi: number }, occurredBefore: string): AsyncIterable<PurchaseRow[]>;
  /** One customer's purchases (a single-partition query). */
  forCustomer(customerId: string, occurredBefore: string): Promise<PurchaseRow[]>;
  /**
   * Customers of the range with a purchase before `occurredBefore` that was received at or after
   * `receivedSince` or occurred at or after `occurredFrom`: whose summaries an earlier run cannot have had.
   */
  changedCustomers(range: { lo: number; hi: number }, since: { receivedSince: string; occurredFrom: string; occurredBefore: string }): Promise<string[]>;
}

/** What removes or moves purchases without a new purchase document: erasures and merges. */
export interface IdentityChanges {
  /** Erasure tombstone ids written at or after `since`, and both customers of merges started, running or finished since. */
  since(since: string): Promise<{ erasureTombstoneIds: string[]; mergedCustomers: string[] }>;
}

export interface PurchaseRow {
  customerId: string;
  occurredAt: string;
  totalMinor: number;
  type: 'purchase' | 'refund';
  currency?: string;
  items?: { category?: string; quantity: number; unitPriceMinor: number }[];
  couponCodes?: string[];
}

export interface SegmentationWrite {
  analytics: CustomerAnalytics;
  segment: string;
  segmentSince: string;
  previousSegment: string | null;
}

export type WriteOutcome = 'written' | 'conflict';

/** Customer documents as segmentation sees them. */
export interface CustomerSegmentationStore {
  read(customerId: string): Promise<{ stored: StoredSegmentation; etag: string } | undefined>;
  /** Sets the segmentation fields, leaving the profile alone; 'conflict' when the ETag no longer matches. */
  update(customerId: string, etag: string, write: SegmentationWrite): Promise<WriteOutcome>;
  /**
   * Sets the segmentation fields without a read, provided the document still carries the scores of
   * `expectedRunId` (a conditional patch); 'conflict' when it does not or the document is gone.
   */
  updateIfScoredBy(customerId: string, expectedRunId: string, write: SegmentationWrite): Promise<WriteOutcome>;
  /** A document holding only the segmentation fields, for customers with purchases and no profile. */
  createAnalyticsOnly(customerId: string, write: SegmentationWrite): Promise<WriteOutcome>;
  /** Erased customers stay erased: their late purchases must not bring a document back. */
  isErased(customerId: string): Promise<boolean>;
}

export interface SegmentationDeps {
  runs: RunRepository;
  purchases: PurchaseSource;
  customers: CustomerSegmentationStore;
  bus: MessageBus;
  /** Snapshots (`segments/<runId>/`), shard work files (`segment-work/<runId>/`), customer state (`segment-state/<runId>/`). */
  blobs: BlobStore;
  clock: Clock;
  log: (line: string) => void;
  /** Only the local host sets this: runs may then carry test faults. */
  allowTestFaults: boolean;
  /** Where the CPU-bound part of a shard runs (worker threads when the instance has cores); default in-process. */
  compute?: ShardCompute;
  /** Parallel customer reads/writes within a shard. */
  concurrency?: number;
  /** When stored scores are rewritten although nothing material changed. */
  writePolicy: WritePolicy;
  /**
   * With both set (and fullScanDays above 1), pass 1 starts from the previous completed run's summaries and
   * reads only the customers whose purchases changed since; every purchase is read at least every
   * `fullScanDays` days. Without them every run reads every purchase.
   */
  identityChanges?: IdentityChanges;
  fullScanDays?: number;
}
