import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { decodeJournal, fsyncDirectory, JournalWriter } from '../journal.js';
import { LocalServiceBusError } from './types.js';

/*
 * On-disk layout of one transport directory:
 *   snapshot.json        the whole state as of generation g, replaced atomically (temp file, fsync, rename)
 *   journal-<g>.log      every change since that snapshot, one checksummed JSON record per line (../journal.ts)
 *   lock                 pid of the process using the directory
 * A change is appended to the journal before the operation returns, so it survives the process dying; a send
 * also waits for the journal's fdatasync (`durable`), so one that resolved survives the machine going down. A crash can only tear the journal's last line or leave a half-written temp snapshot; both are
 * detected on load and ignored, never mistaken for state. The snapshot names its generation, so a crash between
 * writing a new snapshot and starting its journal cannot replay old records onto newer state.
 */

const PropertyValue = z.union([z.string(), z.number(), z.boolean()]);

export const PersistedMessage = z.object({
  seq: z.number().int().positive(),
  messageId: z.string(),
  body: z.unknown(),
  subject: z.string().optional(),
  correlationId: z.string().optional(),
  applicationProperties: z.record(z.string(), PropertyValue),
  enqueuedMs: z.number(),
  scheduledMs: z.number().optional(),
  deliveryCount: z.number().int().nonnegative(),
  /** Delivered and neither settled nor released when the state was written: the lock is lost with the process. */
  inFlight: z.boolean().optional(),
  lastError: z.string().optional(),
});
export type PersistedMessage = z.infer<typeof PersistedMessage>;

export const PersistedDeadLetter = PersistedMessage.omit({ inFlight: true, lastError: true }).extend({
  reason: z.string(),
  description: z.string(),
  deadLetteredMs: z.number(),
});
export type PersistedDeadLetter = z.infer<typeof PersistedDeadLetter>;

export const PersistedQueue = z.object({
  lastSequence: z.number().int().nonnegative(),
  messages: z.array(PersistedMessage),
  deadLetters: z.array(PersistedDeadLetter),
  /** messageId → when it was first sent, for duplicate detection; only ids still inside their window. */
  dedupe: z.array(z.tuple([z.string(), z.number()])),
});
export type PersistedQueue = z.infer<typeof PersistedQueue>;

export const Snapshot = z.object({
  format: z.literal('winback-local-service-bus'),
  version: z.literal(1),
  generation: z.number().int().nonnegative(),
  savedAtMs: z.number(),
  queues: z.record(z.string(), PersistedQueue),
});
export type Snapshot = z.infer<typeof Snapshot>;

export const JournalRecord = z.discriminatedUnion('op', [
  z.object({ op: z.literal('send'), q: z.string(), m: PersistedMessage, dedupe: z.boolean() }),
  z.object({ op: z.literal('deliver'), q: z.string(), seq: z.number(), n: z.number().int() }),
  z.object({ op: z.literal('release'), q: z.string(), seq: z.number(), error: z.string().optional() }),
  z.object({ op: z.literal('complete'), q: z.string(), seq: z.number() }),
  z.object({ op: z.literal('cancel'), q: z.string(), seq: z.number() }),
  z.object({
    op: z.literal('deadletter'),
    q: z.string(),
    seq: z.number(),
    reason: z.string(),
    description: z.string(),
    at: z.number(),
  }),
]);
export type JournalRecord = z.infer<typeof JournalRecord>;

/** State as rebuilt from disk, keyed for replay. */
export interface LoadedQueue {
  lastSequence: number;
  messages: Map<number, PersistedMessage>;
  deadLetters: Map<number, PersistedDeadLetter>;
  dedupe: Map<string, number>;
}

export interface LoadReport {
  generation: number;
  replayedRecords: number;
  /** Records that failed their checksum or did not parse, including a torn last line. */
  skippedRecords: number;
}

const snapshotFile = 'snapshot.json';
const snapshotTemp = 'snapshot.json.tmp';
const lockFile = 'lock';
const journalName = (generation: number) => `journal-${generation}.log`;
const journalPattern = /^journal-(\d+)\.log$/;

/** Parses a journal's text; undecodable lines are counted, not thrown, so one bad record cannot block a start. */
export function decodeJournalText(text: string): { records: JournalRecord[]; skipped: number } {
  const { records, skipped } = decodeJournal(text, (value) => {
    const record = JournalRecord.safeParse(value);
    return record.success ? record.data : undefined;
  });
  return { records, skipped };
}

function emptyQueue(): LoadedQueue {
  return { lastSequence: 0, messages: new Map(), deadLetters: new Map(), dedupe: new Map() };
}

/**
 * Applies one journal record. Every record is safe against a state that lacks what it refers to, so a skipped
 * record costs at most that one change (a lost settlement means a redelivery, which at-least-once allows).
 */
export function applyRecord(queues: Map<string, LoadedQueue>, record: JournalRecord): void {
  let queue = queues.get(record.q);
  if (!queue) {
    queue = emptyQueue();
    queues.set(record.q, queue);
  }
  switch (record.op) {
    case 'send':
      queue.lastSequence = Math.max(queue.lastSequence, record.m.seq);
      queue.messages.set(record.m.seq, record.m);
      if (record.dedupe) queue.dedupe.set(record.m.messageId, record.m.enqueuedMs);
      return;
    case 'deliver': {
      const message = queue.messages.get(record.seq);
      if (message) {
        message.deliveryCount = record.n;
        message.inFlight = true;
      }
      return;
    }
    case 'release': {
      const message = queue.messages.get(record.seq);
      if (message) {
        message.inFlight = false;
        if (record.error !== undefined) message.lastError = record.error;
      }
      return;
    }
    case 'complete':
    case 'cancel':
      queue.messages.delete(record.seq);
      return;
    case 'deadletter': {
      const message = queue.messages.get(record.seq);
      if (!message) return;
      queue.messages.delete(record.seq);
      const { inFlight: _inFlight, lastError: _lastError, ...kept } = message;
      queue.deadLetters.set(record.seq, {
        ...kept,
        reason: record.reason,
        description: record.description,
        deadLetteredMs: record.at,
      });
      return;
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Owns one state directory: loads it, appends changes, writes snapshots. */
export class StateStore {
  private journal: JournalWriter | undefined;
  private lastSnapshotBytes = 0;
  private generation = 0;

  private constructor(readonly dir: string) {}

  /**
   * Takes the directory (refusing one that a live process holds), loads its state and returns it.
   * The caller must then `compact` so that the loaded state, with any repair, becomes a fresh generation.
   */
  static open(dir: string): { store: StateStore; queues: Map<string, LoadedQueue>; report: LoadReport } {
    mkdirSync(dir, { recursive: true });
    const store = new StateStore(dir);
    store.takeLock();
    try {
      const loaded = store.load();
      return { store, ...loaded };
    } catch (error) {
      store.releaseLock();
      throw error;
    }
  }

  private takeLock(): void {
    const file = path.join(this.dir, lockFile);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(file, String(process.pid), { flag: 'wx' });
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
        throw new LocalServiceBusError(
          'StateLocked',
          `the local Service Bus state in ${this.dir} is in use by process ${holder}; stop that instance first ` +
            `(if none is running, delete ${file})`,
        );
      }
      unlinkSync(file); // left behind by a process that died
    }
    throw new LocalServiceBusError('StateLocked', `could not take the lock on ${this.dir}`);
  }

  /** Releases the directory without writing anything (for a start that failed after `open`). */
  abandon(): void {
    this.journal?.close();
    this.journal = undefined;
    this.releaseLock();
  }

  private releaseLock(): void {
    try {
      unlinkSync(path.join(this.dir, lockFile));
    } catch {
      /* already gone */
    }
  }

  private load(): { queues: Map<string, LoadedQueue>; report: LoadReport } {
    const queues = new Map<string, LoadedQueue>();
    const snapshotPath = path.join(this.dir, snapshotFile);
    if (existsSync(snapshotPath)) {
      const text = readFileSync(snapshotPath, 'utf8');
      let snapshot: Snapshot;
      try {
        snapshot = Snapshot.parse(JSON.parse(text));
      } catch (error) {
        // Snapshots are only ever renamed into place complete, so this is damage from outside; refuse to guess.
        throw new LocalServiceBusError(
          'CorruptState',
          `${snapshotPath} is not a valid snapshot (${(error as Error).message.split('\n')[0]}); ` +
            'move it away to start with an empty local Service Bus',
        );
      }
      this.generation = snapshot.generation;
      this.lastSnapshotBytes = text.length;
      for (const [name, queue] of Object.entries(snapshot.queues)) {
        queues.set(name, {
          lastSequence: queue.lastSequence,
          messages: new Map(queue.messages.map((m) => [m.seq, m])),
          deadLetters: new Map(queue.deadLetters.map((m) => [m.seq, m])),
          dedupe: new Map(queue.dedupe),
        });
      }
    }
    const journalPath = path.join(this.dir, journalName(this.generation));
    let replayedRecords = 0;
    let skippedRecords = 0;
    if (existsSync(journalPath)) {
      const { records, skipped } = decodeJournalText(readFileSync(journalPath, 'utf8'));
      for (const record of records) applyRecord(queues, record);
      replayedRecords = records.length;
      skippedRecords = skipped;
      // Keep the damaged journal for inspection; the next snapshot supersedes it.
      if (skipped > 0) copyFileSync(journalPath, `${journalPath}.damaged-${Date.now()}`);
    }
    return { queues, report: { generation: this.generation, replayedRecords, skippedRecords } };
  }

  /** Appends one change; returns once the OS has it, so it survives the process (not the machine) dying. */
  append(record: JournalRecord): void {
    if (this.journal === undefined) throw new LocalServiceBusError('Closed', 'the state store is closed');
    this.journal.append(record);
  }

  /** Resolves once every change appended so far is on disk (one fdatasync for all changes made meanwhile). */
  durable(): Promise<void> {
    return this.journal?.durable() ?? Promise.resolve();
  }

  /** Worth rewriting the snapshot once the journal outgrows it, so replay on start stays short. */
  get wantsCompaction(): boolean {
    return (this.journal?.bytes ?? 0) > Math.max(1 << 20, 2 * this.lastSnapshotBytes);
  }

  /** Writes `queues` as the next generation's snapshot and starts its empty journal. */
  compact(queues: Record<string, PersistedQueue>, nowMs: number): void {
    const next = this.generation + 1;
    const snapshot: Snapshot = {
      format: 'winback-local-service-bus',
      version: 1,
      generation: next,
      savedAtMs: nowMs,
      queues,
    };
    const text = JSON.stringify(snapshot);
    const temp = path.join(this.dir, snapshotTemp);
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path.join(this.dir, snapshotFile));
    fsyncDirectory(this.dir);

    this.generation = next;
    const nextJournal = path.join(this.dir, journalName(next));
    if (this.journal) this.journal.rotate(nextJournal);
    else this.journal = new JournalWriter(nextJournal);
    this.lastSnapshotBytes = text.length;
    // Older journals are covered by the snapshot just written (one may survive a crash right here; load ignores it).
    for (const name of readdirSync(this.dir)) {
      const match = journalPattern.exec(name);
      if (match && Number(match[1]) !== next) unlinkSync(path.join(this.dir, name));
    }
  }

  /** Final snapshot, then release the directory. */
  close(queues: Record<string, PersistedQueue>, nowMs: number): void {
    this.compact(queues, nowMs);
    this.journal?.close();
    this.journal = undefined;
    this.releaseLock();
  }
}
