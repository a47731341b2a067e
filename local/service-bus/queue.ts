import { randomUUID } from 'node:crypto';
import { MinHeap } from './heap.js';
import type { JournalRecord, LoadedQueue, PersistedDeadLetter, PersistedMessage, PersistedQueue } from './persistence.js';
import type {
  ApplicationProperties,
  DeadLetteredMessage,
  LocalQueueSpec,
  MessageView,
  QueueStats,
  ReceivedMessage,
  SettleResult,
} from './types.js';

export const maxDeliveryCountExceeded = 'MaxDeliveryCountExceeded';

/** A message accepted by `send`, validated and with its body already a JSON value. */
export interface AcceptedMessage {
  messageId: string;
  body: unknown;
  subject?: string;
  correlationId?: string;
  applicationProperties: ApplicationProperties;
  scheduledMs?: number;
}

interface Lock {
  token: string;
  lockedAtMs: number;
  untilMs: number;
  /** Renewed on expiry while before this instant (auto lock renewal of a running invocation). */
  renewUntilMs: number;
}

interface StoredMessage {
  seq: number;
  messageId: string;
  body: unknown;
  subject?: string;
  correlationId?: string;
  applicationProperties: ApplicationProperties;
  enqueuedMs: number;
  scheduledMs?: number;
  deliveryCount: number;
  lastError?: string;
  state: 'scheduled' | 'ready' | 'locked';
  lock?: Lock;
}

type Journal = (record: JournalRecord) => void;

function byTimeThenSequence(a: { atMs: number; seq: number }, b: { atMs: number; seq: number }): boolean {
  return a.atMs === b.atMs ? a.seq < b.seq : a.atMs < b.atMs;
}

/**
 * One queue's state machine. It never reads a clock: every operation takes `nowMs`, and `advance(nowMs)` applies
 * what time alone changes (scheduled messages coming due, locks lapsing).
 */
export class LocalQueue {
  private lastSequence = 0;
  private readonly messages = new Map<number, StoredMessage>();
  private readonly deadLetters = new Map<number, PersistedDeadLetter>();
  /** messageId → first send time; Map order is send order, so expiry trims from the front. */
  private readonly dedupe = new Map<string, number>();
  /**
   * Visible messages in the order they became visible (enqueue time, then sequence number): for messages sent
   * for now that is sequence order; a scheduled message queues up at its scheduled time, so a virtual clock that
   * jumps over several schedules still delivers them in schedule order. An abandoned message keeps its place.
   */
  private readonly ready = new MinHeap<{ atMs: number; seq: number }>(byTimeThenSequence);
  private readonly due = new MinHeap<{ atMs: number; seq: number }>(byTimeThenSequence);
  private readonly locks = new MinHeap<{ untilMs: number; seq: number; token: string }>((a, b) => a.untilMs < b.untilMs);
  private readonly lockedByToken = new Map<string, number>();

  constructor(
    readonly spec: Required<LocalQueueSpec>,
    private readonly journal: Journal,
  ) {}

  /** Rebuilds from disk. A message that was in flight lost its lock with the process: that counts as a delivery. */
  static restore(spec: Required<LocalQueueSpec>, journal: Journal, loaded: LoadedQueue, nowMs: number): LocalQueue {
    const queue = new LocalQueue(spec, journal);
    queue.lastSequence = loaded.lastSequence;
    for (const [id, at] of [...loaded.dedupe].sort((a, b) => a[1] - b[1])) queue.dedupe.set(id, at);
    // Dead letters are listed in the order they arrived in the dead-letter queue.
    const deadLetters = [...loaded.deadLetters.values()].sort((a, b) => a.deadLetteredMs - b.deadLetteredMs || a.seq - b.seq);
    for (const dead of deadLetters) queue.deadLetters.set(dead.seq, dead);
    for (const persisted of [...loaded.messages.values()].sort((a, b) => a.seq - b.seq)) {
      const { inFlight, ...fields } = persisted;
      const message: StoredMessage = { ...fields, state: 'ready' };
      if (inFlight) {
        message.lastError ??= 'the lock was lost when the local host stopped during the delivery';
        if (message.deliveryCount >= spec.maxDeliveryCount) {
          queue.moveToDeadLetters(message, maxDeliveryCountExceeded, message.lastError, nowMs, false);
          continue;
        }
      }
      queue.index(message, nowMs);
    }
    return queue;
  }

  private index(message: StoredMessage, nowMs: number): void {
    this.messages.set(message.seq, message);
    if (message.scheduledMs !== undefined && message.scheduledMs > nowMs) {
      message.state = 'scheduled';
      this.due.push({ atMs: message.scheduledMs, seq: message.seq });
    } else {
      message.state = 'ready';
      this.ready.push({ atMs: message.enqueuedMs, seq: message.seq });
    }
  }

  /** Returns the sequence numbers given, or undefined where duplicate detection dropped the message. */
  accept(batch: AcceptedMessage[], nowMs: number): (number | undefined)[] {
    const windowMs = this.spec.duplicateDetectionWindowSeconds * 1000;
    if (this.spec.duplicateDetection) this.trimDedupe(nowMs);
    return batch.map((input) => {
      if (this.spec.duplicateDetection) {
        if (this.dedupe.has(input.messageId)) return undefined;
        if (windowMs > 0) this.dedupe.set(input.messageId, nowMs);
      }
      const seq = ++this.lastSequence;
      const message: StoredMessage = {
        seq,
        messageId: input.messageId,
        body: input.body,
        applicationProperties: input.applicationProperties,
        // A scheduled message counts as enqueued when it becomes visible, as in Service Bus.
        enqueuedMs: Math.max(nowMs, input.scheduledMs ?? nowMs),
        deliveryCount: 0,
        state: 'ready',
      };
      if (input.subject !== undefined) message.subject = input.subject;
      if (input.correlationId !== undefined) message.correlationId = input.correlationId;
      if (input.scheduledMs !== undefined) message.scheduledMs = input.scheduledMs;
      this.journal({ op: 'send', q: this.spec.name, m: toPersisted(message), dedupe: this.dedupe.has(input.messageId) });
      this.index(message, nowMs);
      return seq;
    });
  }

  private trimDedupe(nowMs: number): void {
    const windowMs = this.spec.duplicateDetectionWindowSeconds * 1000;
    for (const [id, at] of this.dedupe) {
      if (at + windowMs > nowMs) break;
      this.dedupe.delete(id);
    }
  }

  /** Applies the passage of time: due scheduled messages become ready, lapsed locks are renewed or lost. */
  advance(nowMs: number): void {
    for (let top = this.due.peek(); top && top.atMs <= nowMs; top = this.due.peek()) {
      this.due.pop();
      const message = this.messages.get(top.seq);
      if (message?.state !== 'scheduled') continue;
      message.state = 'ready';
      this.ready.push({ atMs: message.enqueuedMs, seq: message.seq });
    }
    for (let top = this.locks.peek(); top && top.untilMs <= nowMs; top = this.locks.peek()) {
      this.locks.pop();
      const message = this.messages.get(top.seq);
      const lock = message?.lock;
      if (!message || !lock || lock.token !== top.token || lock.untilMs !== top.untilMs) continue;
      if (nowMs < lock.renewUntilMs) {
        lock.untilMs = nowMs + this.spec.lockDurationSeconds * 1000;
        this.locks.push({ untilMs: lock.untilMs, seq: message.seq, token: lock.token });
        continue;
      }
      const error =
        `the lock expired at ${new Date(lock.untilMs).toISOString()} before the message was completed or ` +
        `abandoned (delivery ${message.deliveryCount})`;
      this.release(message, error, nowMs);
    }
  }

  /** The next instant at which `advance` may change something (possibly early, never late). */
  nextWakeMs(): number | undefined {
    const due = this.due.peek()?.atMs;
    const lock = this.locks.peek()?.untilMs;
    if (due === undefined) return lock;
    if (lock === undefined) return due;
    return Math.min(due, lock);
  }

  hasReady(): boolean {
    for (let top = this.ready.peek(); top !== undefined; top = this.ready.peek()) {
      if (this.messages.get(top.seq)?.state === 'ready') return true;
      this.ready.pop();
    }
    return false;
  }

  /** Locks the lowest-numbered deliverable message; `renewForMs` > 0 renews its lock for that long. */
  lockNext(nowMs: number, renewForMs: number): ReceivedMessage | undefined {
    if (!this.hasReady()) return undefined;
    const message = this.messages.get(this.ready.pop()!.seq)!;
    const lock: Lock = {
      token: randomUUID(),
      lockedAtMs: nowMs,
      untilMs: nowMs + this.spec.lockDurationSeconds * 1000,
      renewUntilMs: nowMs + renewForMs,
    };
    message.state = 'locked';
    message.lock = lock;
    message.deliveryCount++;
    this.lockedByToken.set(lock.token, message.seq);
    this.locks.push({ untilMs: lock.untilMs, seq: message.seq, token: lock.token });
    this.journal({ op: 'deliver', q: this.spec.name, seq: message.seq, n: message.deliveryCount });
    return this.received(message, lock);
  }

  private received(message: StoredMessage, lock: Lock): ReceivedMessage {
    return { ...this.view(message), lockToken: lock.token, lockedUntil: new Date(lock.untilMs) };
  }

  /** The outside view of a stored message, live or dead-lettered (both keep the same fields). */
  private view(message: StoredMessage | PersistedDeadLetter): MessageView {
    const view: MessageView = {
      queue: this.spec.name,
      messageId: message.messageId,
      // Each view gets its own copy: a handler that mutates the body must not change what a retry sees.
      body: structuredClone(message.body),
      applicationProperties: { ...message.applicationProperties },
      enqueuedTimeUtc: new Date(message.enqueuedMs),
      sequenceNumber: message.seq,
      deliveryCount: message.deliveryCount,
    };
    if (message.subject !== undefined) view.subject = message.subject;
    if (message.correlationId !== undefined) view.correlationId = message.correlationId;
    if (message.scheduledMs !== undefined) view.scheduledEnqueueTimeUtc = new Date(message.scheduledMs);
    return view;
  }

  private holder(lockToken: string): StoredMessage | undefined {
    const seq = this.lockedByToken.get(lockToken);
    if (seq === undefined) return undefined;
    const message = this.messages.get(seq);
    if (message?.state !== 'locked' || message.lock?.token !== lockToken) {
      this.lockedByToken.delete(lockToken);
      return undefined;
    }
    return message;
  }

  private unlock(message: StoredMessage): void {
    if (message.lock) this.lockedByToken.delete(message.lock.token);
    delete message.lock;
  }

  complete(lockToken: string): SettleResult {
    const message = this.holder(lockToken);
    if (!message) return { ok: false, reason: 'lock-lost' };
    this.unlock(message);
    this.messages.delete(message.seq);
    this.journal({ op: 'complete', q: this.spec.name, seq: message.seq });
    return { ok: true };
  }

  abandon(lockToken: string, error: string | undefined, nowMs: number): SettleResult {
    const message = this.holder(lockToken);
    if (!message) return { ok: false, reason: 'lock-lost' };
    this.release(message, error, nowMs);
    return { ok: true };
  }

  deadLetter(lockToken: string, reason: string, description: string, nowMs: number): SettleResult {
    const message = this.holder(lockToken);
    if (!message) return { ok: false, reason: 'lock-lost' };
    this.moveToDeadLetters(message, reason, description, nowMs, true);
    return { ok: true };
  }

  renewLock(lockToken: string, nowMs: number): Date | undefined {
    const message = this.holder(lockToken);
    if (!message?.lock || message.lock.untilMs <= nowMs) return undefined;
    message.lock.untilMs = nowMs + this.spec.lockDurationSeconds * 1000;
    this.locks.push({ untilMs: message.lock.untilMs, seq: message.seq, token: lockToken });
    return new Date(message.lock.untilMs);
  }

  /** A failed or lapsed delivery: back in line, or dead-lettered once the deliveries are used up. */
  private release(message: StoredMessage, error: string | undefined, nowMs: number): void {
    this.unlock(message);
    if (error !== undefined) message.lastError = error;
    if (message.deliveryCount >= this.spec.maxDeliveryCount) {
      const description =
        message.lastError ?? `the message was not completed in ${message.deliveryCount} delivery attempts`;
      this.moveToDeadLetters(message, maxDeliveryCountExceeded, description, nowMs, true);
      return;
    }
    message.state = 'ready';
    this.ready.push({ atMs: message.enqueuedMs, seq: message.seq });
    this.journal({ op: 'release', q: this.spec.name, seq: message.seq, ...(error !== undefined ? { error } : {}) });
  }

  private moveToDeadLetters(
    message: StoredMessage,
    reason: string,
    description: string,
    nowMs: number,
    journal: boolean,
  ): void {
    this.unlock(message);
    this.messages.delete(message.seq);
    const { inFlight: _inFlight, lastError: _lastError, ...kept } = toPersisted(message);
    this.deadLetters.set(message.seq, { ...kept, reason, description, deadLetteredMs: nowMs });
    if (journal) {
      this.journal({ op: 'deadletter', q: this.spec.name, seq: message.seq, reason, description, at: nowMs });
    }
  }

  cancelScheduled(seq: number): boolean {
    const message = this.messages.get(seq);
    if (message?.state !== 'scheduled') return false;
    this.messages.delete(seq);
    this.journal({ op: 'cancel', q: this.spec.name, seq });
    return true;
  }

  stats(): QueueStats {
    const stats: QueueStats = { active: 0, scheduled: 0, locked: 0, deadLettered: this.deadLetters.size };
    for (const message of this.messages.values()) {
      switch (message.state) {
        case 'ready':
          stats.active++;
          break;
        case 'scheduled':
          stats.scheduled++;
          break;
        case 'locked':
          stats.locked++;
          break;
      }
    }
    return stats;
  }

  peekDeadLetters(): DeadLetteredMessage[] {
    return [...this.deadLetters.values()].map((dead) => ({
      ...this.view(dead),
      deadLetterReason: dead.reason,
      deadLetterErrorDescription: dead.description,
      deadLetteredTimeUtc: new Date(dead.deadLetteredMs),
    }));
  }

  toPersisted(nowMs: number): PersistedQueue {
    this.trimDedupe(nowMs);
    return {
      lastSequence: this.lastSequence,
      messages: [...this.messages.values()].map(toPersisted),
      deadLetters: [...this.deadLetters.values()],
      dedupe: [...this.dedupe],
    };
  }
}

function toPersisted(message: StoredMessage): PersistedMessage {
  const persisted: PersistedMessage = {
    seq: message.seq,
    messageId: message.messageId,
    body: message.body,
    applicationProperties: message.applicationProperties,
    enqueuedMs: message.enqueuedMs,
    deliveryCount: message.deliveryCount,
  };
  if (message.subject !== undefined) persisted.subject = message.subject;
  if (message.correlationId !== undefined) persisted.correlationId = message.correlationId;
  if (message.scheduledMs !== undefined) persisted.scheduledMs = message.scheduledMs;
  if (message.state === 'locked') persisted.inFlight = true;
  if (message.lastError !== undefined) persisted.lastError = message.lastError;
  return persisted;
}
