import { systemClock, type Clock } from '../../shared/clock.js';
import type { MessageBus, OutboundMessage } from '../../shared/messaging/bus.js';
import { StateStore, type JournalRecord, type LoadReport, type PersistedQueue } from './persistence.js';
import { LocalQueue } from './queue.js';
import {
  defaultMaxMessageSizeBytes,
  defaultQueueSpec,
  LocalServiceBusError,
  type DeadLetteredMessage,
  type LocalQueueSpec,
  type MessageHandler,
  type QueueStats,
  type ReceivedMessage,
  type ServiceBusTriggerMetadata,
  type SettleResult,
  type SubscribeOptions,
  type Subscription,
} from './types.js';
import { acceptOutbound } from './validate.js';

export interface LocalServiceBusOptions {
  /** Time source; with a clock that has `onChange` (VirtualClock) scheduling follows it and no timers are used. */
  clock?: Clock;
  /** Directory for the persisted state; without one the transport keeps everything in memory. */
  dir?: string;
  /** Declared queues; any other queue name gets `defaultQueueSpec`. */
  queues?: readonly LocalQueueSpec[];
  maxMessageSizeBytes?: number;
  /** How long `close()` waits for running handlers before giving up on them (their messages are redelivered). */
  closeTimeoutMs?: number;
  /** Lost locks, damaged journal records and the like; defaults to console.warn. */
  onWarning?: (message: string) => void;
}

/** Result of `enqueue` for one message. */
export type EnqueueResult = { messageId: string; sequenceNumber: number } | { messageId: string; duplicate: true };

/** The Functions host defaults for the Service Bus extension. */
const defaultMaxConcurrentCalls = 16;
const defaultMaxAutoLockRenewalMs = 5 * 60 * 1000;
const maxTimerDelayMs = 2 ** 31 - 1;

interface ObservableClock extends Clock {
  onChange(listener: (now: Date) => void): () => void;
}

function isObservable(clock: Clock): clock is ObservableClock {
  return typeof (clock as Partial<ObservableClock>).onChange === 'function';
}

interface ActiveSubscription {
  queue: string;
  handler: MessageHandler;
  maxConcurrentCalls: number;
  maxAutoLockRenewalMs: number;
  active: boolean;
  running: Set<Promise<void>>;
}

export function triggerMetadata(message: ReceivedMessage): ServiceBusTriggerMetadata {
  const metadata: ServiceBusTriggerMetadata = {
    messageId: message.messageId,
    deliveryCount: message.deliveryCount,
    enqueuedTimeUtc: message.enqueuedTimeUtc.toISOString(),
    sequenceNumber: message.sequenceNumber,
    lockToken: message.lockToken,
    lockedUntilUtc: message.lockedUntil.toISOString(),
    contentType: 'application/json',
    applicationProperties: { ...message.applicationProperties },
    userProperties: { ...message.applicationProperties },
  };
  if (message.subject !== undefined) {
    metadata.subject = message.subject;
    metadata.label = message.subject;
  }
  if (message.correlationId !== undefined) metadata.correlationId = message.correlationId;
  return metadata;
}

/** Refuses queue settings that Azure would refuse when the queue is created, so local runs cannot depend on them. */
function checkSpec(spec: Required<LocalQueueSpec>): Required<LocalQueueSpec> {
  const fail = (what: string) => {
    throw new RangeError(`queue ${spec.name}: ${what}`);
  };
  if (!Number.isInteger(spec.maxDeliveryCount) || spec.maxDeliveryCount < 1) fail('maxDeliveryCount must be an integer ≥ 1');
  if (!(spec.lockDurationSeconds >= 5 && spec.lockDurationSeconds <= 300)) {
    fail('lockDurationSeconds must be between 5 and 300 (Service Bus allows 5 s to 5 min)');
  }
  const window = spec.duplicateDetectionWindowSeconds;
  if (spec.duplicateDetection && !(window >= 20 && window <= 7 * 86_400)) {
    fail('duplicateDetectionWindowSeconds must be between 20 and 604800 (Service Bus allows 20 s to 7 days)');
  }
  return spec;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/**
 * Stands in for Azure Service Bus when no namespace is configured: the app sends through the `MessageBus` port
 * and the local host dispatches to the `serviceBusQueue` handlers with peek-lock semantics (at-least-once,
 * lock duration, delivery count, dead-lettering, scheduled enqueue, duplicate detection), state kept on disk.
 */
export class LocalServiceBus implements MessageBus {
  readonly loadReport: LoadReport | undefined;
  private readonly clock: Clock;
  private readonly specs = new Map<string, Required<LocalQueueSpec>>();
  private readonly queues = new Map<string, LocalQueue>();
  private readonly subscriptions = new Map<string, ActiveSubscription[]>();
  private readonly store: StateStore | undefined;
  private readonly maxMessageSizeBytes: number;
  private readonly closeTimeoutMs: number;
  private readonly warn: (message: string) => void;
  private readonly stopListening: (() => void) | undefined;
  private readonly journal: (record: JournalRecord) => void;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | undefined;
  private pumpScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs: number | undefined;
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(options: LocalServiceBusOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxMessageSizeBytes = options.maxMessageSizeBytes ?? defaultMaxMessageSizeBytes;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 30_000;
    this.warn = options.onWarning ?? ((message) => console.warn(`[local service bus] ${message}`));
    for (const spec of options.queues ?? []) {
      this.specs.set(spec.name, checkSpec({ duplicateDetectionWindowSeconds: defaultQueueSpec.duplicateDetectionWindowSeconds, ...spec }));
    }

    if (options.dir !== undefined) {
      const { store, queues, report } = StateStore.open(options.dir);
      this.store = store;
      this.journal = (record) => store.append(record);
      this.loadReport = report;
      if (report.skippedRecords > 0) {
        this.warn(
          `ignored ${report.skippedRecords} damaged record(s) in the journal in ${options.dir} ` +
            `(a write cut short by a crash); ${report.replayedRecords} record(s) recovered`,
        );
      }
      try {
        const nowMs = this.nowMs();
        for (const [name, loaded] of queues) {
          this.queues.set(name, LocalQueue.restore(this.specFor(name), this.journal, loaded, nowMs));
        }
        // Start every run from a fresh generation, so repairs made while loading are on disk before anything new.
        store.compact(this.persisted(nowMs), nowMs);
      } catch (error) {
        store.abandon();
        throw error;
      }
    } else {
      this.journal = () => {};
    }

    this.stopListening = isObservable(this.clock) ? this.clock.onChange(() => this.schedulePump()) : undefined;
    this.armTimer();
  }

  specFor(queue: string): Required<LocalQueueSpec> {
    return this.specs.get(queue) ?? { name: queue, ...defaultQueueSpec };
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }

  private queue(name: string): LocalQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new LocalQueue(this.specFor(name), this.journal);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Brings every queue up to the clock's current time. */
  private sync(): number {
    const nowMs = this.nowMs();
    for (const queue of this.queues.values()) queue.advance(nowMs);
    this.afterChange(nowMs);
    return nowMs;
  }

  private afterChange(nowMs: number): void {
    if (this.store?.wantsCompaction && this.state !== 'closed') this.store.compact(this.persisted(nowMs), nowMs);
  }

  private persisted(nowMs: number): Record<string, PersistedQueue> {
    const result: Record<string, PersistedQueue> = {};
    for (const [name, queue] of this.queues) result[name] = queue.toPersisted(nowMs);
    return result;
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new LocalServiceBusError('Closed', 'the local Service Bus is closed');
  }

  async send(queue: string, messages: OutboundMessage | OutboundMessage[]): Promise<void> {
    await this.enqueue(queue, messages);
  }

  /**
   * `send`, reporting each message's sequence number (what `scheduleMessages` returns in the SDK) or that
   * duplicate detection dropped it. A batch is validated whole before any of it is stored, as Service Bus does.
   */
  async enqueue(queue: string, messages: OutboundMessage | OutboundMessage[]): Promise<EnqueueResult[]> {
    this.assertOpen();
    const batch = (Array.isArray(messages) ? messages : [messages]).map((message, index) =>
      acceptOutbound(message, index, this.maxMessageSizeBytes),
    );
    const nowMs = this.sync();
    const sequenceNumbers = this.queue(queue).accept(batch, nowMs);
    this.afterChange(nowMs);
    this.schedulePump();
    this.armTimer();
    // A sent message is acknowledged only once it is on disk.
    await this.store?.durable();
    return batch.map((message, index) => {
      const sequenceNumber = sequenceNumbers[index];
      return sequenceNumber === undefined
        ? { messageId: message.messageId, duplicate: true }
        : { messageId: message.messageId, sequenceNumber };
    });
  }

  /** Removes scheduled messages that are not yet visible; returns how many were cancelled. */
  async cancelScheduledMessages(queue: string, sequenceNumbers: readonly number[]): Promise<number> {
    this.assertOpen();
    const nowMs = this.sync();
    const target = this.queue(queue);
    const cancelled = sequenceNumbers.filter((seq) => target.cancelScheduled(seq)).length;
    this.afterChange(nowMs);
    await this.store?.durable();
    return cancelled;
  }

  /**
   * Delivers the queue's messages to `handler`, at most `maxConcurrentCalls` at a time, in sequence-number order:
   * completed when the handler resolves, abandoned (with its error kept) when it throws.
   */
  subscribe(queue: string, handler: MessageHandler, options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const maxConcurrentCalls = options.maxConcurrentCalls ?? defaultMaxConcurrentCalls;
    if (!Number.isInteger(maxConcurrentCalls) || maxConcurrentCalls < 1) {
      throw new RangeError(`maxConcurrentCalls must be a positive integer, got ${maxConcurrentCalls}`);
    }
    const subscription: ActiveSubscription = {
      queue,
      handler,
      maxConcurrentCalls,
      maxAutoLockRenewalMs: Math.max(0, options.maxAutoLockRenewalMs ?? defaultMaxAutoLockRenewalMs),
      active: true,
      running: new Set(),
    };
    this.queue(queue);
    const list = this.subscriptions.get(queue) ?? [];
    list.push(subscription);
    this.subscriptions.set(queue, list);
    this.schedulePump();
    return {
      queue,
      close: async () => {
        subscription.active = false;
        const remaining = (this.subscriptions.get(queue) ?? []).filter((s) => s !== subscription);
        if (remaining.length > 0) this.subscriptions.set(queue, remaining);
        else this.subscriptions.delete(queue);
        await Promise.allSettled([...subscription.running]);
        this.schedulePump();
      },
    };
  }

  /** Peek-lock receive for callers that settle messages themselves (the SDK's `receiveMessages`). */
  receive(queue: string, maxMessages = 1): ReceivedMessage[] {
    this.assertOpen();
    const nowMs = this.sync();
    const target = this.queue(queue);
    const received: ReceivedMessage[] = [];
    while (received.length < maxMessages) {
      const message = target.lockNext(nowMs, 0);
      if (!message) break;
      received.push(message);
    }
    this.afterChange(nowMs);
    this.armTimer();
    return received;
  }

  complete(message: ReceivedMessage): SettleResult {
    return this.settle(message, (queue) => queue.complete(message.lockToken));
  }

  /** Returns the message to the queue; `error` becomes the dead-letter description if it was the last delivery. */
  abandon(message: ReceivedMessage, error?: string): SettleResult {
    return this.settle(message, (queue, nowMs) => queue.abandon(message.lockToken, error, nowMs));
  }

  deadLetter(message: ReceivedMessage, reason: string, description = ''): SettleResult {
    return this.settle(message, (queue, nowMs) => queue.deadLetter(message.lockToken, reason, description, nowMs));
  }

  /** Extends the lock by the queue's lock duration; undefined when the lock is already lost. */
  renewLock(message: ReceivedMessage): Date | undefined {
    if (this.state === 'closed') return undefined;
    const nowMs = this.sync();
    const until = this.queues.get(message.queue)?.renewLock(message.lockToken, nowMs);
    this.armTimer();
    return until;
  }

  private settle(message: ReceivedMessage, action: (queue: LocalQueue, nowMs: number) => SettleResult): SettleResult {
    const queue = this.queues.get(message.queue);
    if (!queue || this.state === 'closed') return { ok: false, reason: 'lock-lost' };
    // A lock that lapsed while the caller worked is lost even if no timer has fired for it yet.
    const nowMs = this.sync();
    const result = action(queue, nowMs);
    this.afterChange(nowMs);
    this.schedulePump();
    this.armTimer();
    return result;
  }

  stats(queue: string): QueueStats {
    if (this.state !== 'closed') this.sync();
    return this.queues.get(queue)?.stats() ?? { active: 0, scheduled: 0, locked: 0, deadLettered: 0 };
  }

  peekDeadLetters(queue: string): DeadLetteredMessage[] {
    return this.queues.get(queue)?.peekDeadLetters() ?? [];
  }

  /**
   * Resolves once nothing is deliverable right now: every subscribed queue has no visible message and no handler
   * is running. Scheduled messages and queues nobody subscribes to do not count.
   */
  idle(): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.schedulePump();
    });
  }

  /** Alias of `idle()`. */
  drain(): Promise<void> {
    return this.idle();
  }

  private isIdle(): boolean {
    if (this.pumpScheduled || this.running > 0) return false;
    if (this.state !== 'open') return true;
    for (const [name, subscriptions] of this.subscriptions) {
      if (subscriptions.some((s) => s.active) && this.queues.get(name)?.hasReady()) return false;
    }
    return true;
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.state === 'closed') return;
    this.pumpScheduled = true;
    // Deferred so that a send, or a virtual clock moving, never runs a handler inside the caller's stack.
    queueMicrotask(() => this.pump());
  }

  private pump(): void {
    this.pumpScheduled = false;
    if (this.state === 'open') {
      const nowMs = this.sync();
      for (const [name, subscriptions] of this.subscriptions) {
        const queue = this.queue(name);
        let delivered = true;
        while (delivered) {
          delivered = false;
          for (const subscription of subscriptions) {
            if (!subscription.active || subscription.running.size >= subscription.maxConcurrentCalls) continue;
            const message = queue.lockNext(nowMs, subscription.maxAutoLockRenewalMs);
            if (!message) break;
            this.invoke(subscription, message);
            delivered = true;
          }
        }
      }
      this.afterChange(nowMs);
      this.armTimer();
    }
    this.checkIdle();
  }

  private invoke(subscription: ActiveSubscription, message: ReceivedMessage): void {
    this.running++;
    const run = (async () => {
      let failure: { error: unknown } | undefined;
      try {
        await subscription.handler(message, triggerMetadata(message));
      } catch (error) {
        failure = { error };
      }
      if (this.state === 'closed') return; // gave up waiting at close: the lock dies with the process
      const result = failure ? this.abandon(message, errorText(failure.error)) : this.complete(message);
      if (!result.ok) {
        this.warn(
          `${message.queue}: message ${message.messageId} (sequence ${message.sequenceNumber}) could not be ` +
            `${failure ? 'abandoned' : 'completed'}: its lock was lost before the handler finished; ` +
            'it is delivered again',
        );
      }
    })();
    subscription.running.add(run);
    void run.finally(() => {
      subscription.running.delete(run);
      this.running--;
      this.schedulePump();
      if (this.state !== 'open') this.checkIdle();
    });
  }

  /** With the system clock, one timer for the earliest scheduled message or lock expiry; never a poll. */
  private armTimer(): void {
    if (this.stopListening || this.state !== 'open') return;
    let next: number | undefined;
    for (const queue of this.queues.values()) {
      const wake = queue.nextWakeMs();
      if (wake !== undefined && (next === undefined || wake < next)) next = wake;
    }
    if (next === this.timerAtMs) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAtMs = next;
    if (next === undefined) return;
    const delay = Math.min(maxTimerDelayMs, Math.max(0, next - this.nowMs()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAtMs = undefined;
      this.schedulePump();
    }, delay);
    // The host's server keeps the process alive; a pending schedule alone should not.
    this.timer.unref();
  }

  /**
   * Stops dispatching, waits for running handlers (up to `closeTimeoutMs`) so their outcome is recorded, then
   * writes the final snapshot and releases the state directory.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.state = 'closing';
    this.stopListening?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const running = [...this.subscriptions.values()].flat().flatMap((s) => [...s.running]);
    for (const subscriptions of this.subscriptions.values()) for (const s of subscriptions) s.active = false;
    if (running.length > 0) {
      let timeout: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.allSettled(running).then(() => false),
        new Promise<boolean>((resolve) => {
          timeout = setTimeout(() => resolve(true), this.closeTimeoutMs);
        }),
      ]);
      clearTimeout(timeout);
      if (timedOut) {
        this.warn(
          `${this.running} handler(s) still running after ${this.closeTimeoutMs} ms; ` +
            'their messages count as delivered and are delivered again on the next start',
        );
      }
    }
    const nowMs = this.nowMs();
    for (const queue of this.queues.values()) queue.advance(nowMs);
    this.state = 'closed';
    this.store?.close(this.persisted(nowMs), nowMs);
    this.checkIdle();
  }
}

export * from './types.js';
