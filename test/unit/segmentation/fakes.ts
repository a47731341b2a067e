import type { Clock } from '../../../shared/clock.js';
import type { MessageBus, OutboundMessage } from '../../../shared/messaging/bus.js';
import { customerBucket } from '../../../shared/purchases/ingest.js';
import type {
  CustomerSegmentationStore,
  PurchaseRow,
  PurchaseSource,
  RunCursor,
  RunRepository,
  SegmentationDeps,
  SegmentationWrite,
  WriteOutcome,
} from '../../../shared/segmentation/ports.js';
import { newestFirst, type SegmentRun } from '../../../shared/segmentation/run.js';
import type { StoredSegmentation } from '../../../shared/segmentation/customer-update.js';
import type { BlobStore } from '../../../shared/storage/blobs.js';

/** In-memory stand-ins with the semantics the orchestration relies on (ETags, 409 on create, duplicate detection). */
export class MemoryRuns implements RunRepository {
  readonly docs = new Map<string, { run: SegmentRun; etag: number }>();
  async create(run: SegmentRun) {
    const existing = this.docs.get(run.runId);
    if (existing) return { created: false as const, run: structuredClone(existing.run) };
    this.docs.set(run.runId, { run: structuredClone(run), etag: 1 });
    return { created: true as const };
  }
  async get(runId: string) {
    const doc = this.docs.get(runId);
    return doc ? structuredClone(doc.run) : undefined;
  }
  async update<T>(runId: string, change: (run: SegmentRun) => { next?: SegmentRun; value: T }): Promise<T> {
    const doc = this.docs.get(runId);
    if (!doc) throw new Error('no run');
    const { next, value } = change(structuredClone(doc.run));
    if (next) this.docs.set(runId, { run: structuredClone(next), etag: doc.etag + 1 });
    return value;
  }
  async list(limit: number, after?: RunCursor) {
    const all = [...this.docs.values()].map((d) => d.run).sort(newestFirst);
    const from = after ? all.filter((r) => newestFirst(r, { ...r, createdAt: after.createdAt, runId: after.runId }) > 0) : all;
    return { runs: from.slice(0, limit).map((r) => structuredClone(r)), more: from.length > limit };
  }
  async inProgress() {
    return [...this.docs.values()].map((d) => structuredClone(d.run)).filter((r) => r.status === 'summarizing' || r.status === 'scoring');
  }
  async latestCompleted(limit: number) {
    return [...this.docs.values()]
      .map((d) => d.run)
      .filter((r) => r.status === 'completed')
      .sort((a, b) => (a.completedAt! < b.completedAt! ? 1 : -1))
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }
}

/** A purchase row as the fake keeps it: with the time it was received (absent: long before any run). */
export type MemoryRow = PurchaseRow & { receivedAt?: string };

export class MemoryPurchases implements PurchaseSource {
  constructor(readonly rows: MemoryRow[]) {}
  async changedCustomers(range: { lo: number; hi: number }, since: { receivedSince: string; occurredFrom: string; occurredBefore: string }) {
    const ids = new Set<string>();
    for (const r of this.rows) {
      const b = customerBucket(r.customerId);
      if (b < range.lo || b >= range.hi || r.occurredAt >= since.occurredBefore) continue;
      if ((r.receivedAt ?? '') >= since.receivedSince || r.occurredAt >= since.occurredFrom) ids.add(r.customerId);
    }
    return [...ids];
  }
  async *scan(range: { lo: number; hi: number }, before: string): AsyncIterable<PurchaseRow[]> {
    const mine = this.rows.filter((r) => {
      const b = customerBucket(r.customerId);
      return b >= range.lo && b < range.hi && r.occurredAt < before;
    });
    for (let i = 0; i < mine.length; i += 500) yield mine.slice(i, i + 500);
  }
  async forCustomer(customerId: string, before: string) {
    return this.rows.filter((r) => r.customerId === customerId && r.occurredAt < before);
  }
}

export class MemoryCustomers implements CustomerSegmentationStore {
  readonly docs = new Map<string, { doc: Record<string, unknown>; etag: number }>();
  readonly erased = new Set<string>();
  /** Called before each write: a test can change the document underneath (a concurrent profile PUT). */
  beforeWrite?: (customerId: string) => void;
  /** Operations by kind, for the tests that count what a run costs. */
  readonly ops = { read: 0, write: 0 };
  async read(customerId: string) {
    this.ops.read++;
    const d = this.docs.get(customerId);
    return d ? { stored: structuredClone(d.doc) as StoredSegmentation, etag: String(d.etag) } : undefined;
  }
  async update(customerId: string, etag: string, write: SegmentationWrite): Promise<WriteOutcome> {
    this.ops.write++;
    this.beforeWrite?.(customerId);
    const d = this.docs.get(customerId);
    if (!d || String(d.etag) !== etag) return 'conflict';
    this.docs.set(customerId, { doc: { ...d.doc, ...structuredClone(write) }, etag: d.etag + 1 });
    return 'written';
  }
  async updateIfScoredBy(customerId: string, expectedRunId: string, write: SegmentationWrite): Promise<WriteOutcome> {
    this.ops.write++;
    this.beforeWrite?.(customerId);
    const d = this.docs.get(customerId);
    if (!d || (d.doc['analytics'] as { runId?: string } | undefined)?.runId !== expectedRunId) return 'conflict';
    this.docs.set(customerId, { doc: { ...d.doc, ...structuredClone(write) }, etag: d.etag + 1 });
    return 'written';
  }
  async createAnalyticsOnly(customerId: string, write: SegmentationWrite): Promise<WriteOutcome> {
    this.ops.write++;
    this.beforeWrite?.(customerId);
    if (this.docs.has(customerId)) return 'conflict';
    this.docs.set(customerId, { doc: { id: customerId, ...structuredClone(write) }, etag: 1 });
    return 'written';
  }
  async isErased(customerId: string) {
    this.ops.read++;
    return this.erased.has(customerId);
  }
}

export class MemoryBus implements MessageBus {
  readonly queues = new Map<string, OutboundMessage[]>();
  readonly seen = new Set<string>();
  sends = 0;
  async send(queue: string, messages: OutboundMessage | OutboundMessage[]) {
    for (const m of Array.isArray(messages) ? messages : [messages]) {
      this.sends++;
      const key = `${queue}\0${m.messageId}`;
      if (this.seen.has(key)) continue; // duplicate detection
      this.seen.add(key);
      const list = this.queues.get(queue) ?? [];
      list.push(structuredClone(m));
      this.queues.set(queue, list);
    }
  }
  take(queue: string): OutboundMessage | undefined {
    return this.queues.get(queue)?.shift();
  }
  count(queue: string) {
    return this.queues.get(queue)?.length ?? 0;
  }
  async close() {}
}

export class MemoryBlobs implements BlobStore {
  readonly files = new Map<string, { content: Buffer; contentType: string }>();
  async put(path: string, content: string | Buffer, contentType: string) {
    this.files.set(path, { content: Buffer.from(content), contentType });
  }
  async get(path: string) {
    return this.files.get(path)?.content;
  }
  async list(prefix: string) {
    return [...this.files.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

export function memoryDeps(rows: MemoryRow[], now: Date) {
  const clock: Clock & { at: Date } = { at: now, now: () => new Date(clock.at) };
  const deps = {
    runs: new MemoryRuns(),
    purchases: new MemoryPurchases(rows),
    customers: new MemoryCustomers(),
    bus: new MemoryBus(),
    blobs: new MemoryBlobs(),
    clock,
    log: (_line: string): void => undefined,
    allowTestFaults: true,
    writePolicy: { staleAfterDays: 7 },
  } satisfies SegmentationDeps;
  /** deadLettered: shard messages the test's drain dead-lettered (their last delivery threw). */
  return { ...deps, deadLettered: [] as string[] };
}
