import type { QueueSpec } from '../../shared/resources.js';

export type ApplicationProperties = Record<string, string | number | boolean>;

/** A queue's settings. Beyond the shared QueueSpec, the duplicate-detection window (Service Bus default: 10 min). */
export interface LocalQueueSpec extends QueueSpec {
  duplicateDetectionWindowSeconds?: number;
}

/** What Service Bus applies to a queue created with default settings; used for queues nobody declared. */
export const defaultQueueSpec = {
  maxDeliveryCount: 10,
  lockDurationSeconds: 60,
  duplicateDetection: true,
  duplicateDetectionWindowSeconds: 600,
} as const satisfies Omit<LocalQueueSpec, 'name'>;

/** Service Bus Standard tier limit for one message; the local transport refuses what Azure would refuse. */
export const defaultMaxMessageSizeBytes = 256 * 1024;

/** What every outside view of a message shows, whether delivered or dead-lettered. */
export interface MessageView {
  queue: string;
  messageId: string;
  body: unknown;
  subject?: string;
  correlationId?: string;
  applicationProperties: ApplicationProperties;
  enqueuedTimeUtc: Date;
  scheduledEnqueueTimeUtc?: Date;
  sequenceNumber: number;
  /** 1 on the first delivery, as the Functions trigger reports it. */
  deliveryCount: number;
}

/** A message as a receiver sees it while holding its lock. */
export interface ReceivedMessage extends MessageView {
  lockToken: string;
  lockedUntil: Date;
}

/**
 * The trigger metadata the Azure Functions Service Bus extension puts in `context.triggerMetadata` for a
 * single-message trigger (binding data keys, camel-cased by the Node worker; times as ISO strings).
 * A type alias, not an interface, so it is assignable to `TriggerMetadata` (`Record<string, unknown>`).
 */
export type ServiceBusTriggerMetadata = {
  messageId: string;
  deliveryCount: number;
  enqueuedTimeUtc: string;
  sequenceNumber: number;
  lockToken: string;
  lockedUntilUtc: string;
  /** Every local body is JSON, as the app's Azure adapter declares when it sends. */
  contentType: string;
  applicationProperties: ApplicationProperties;
  /** The extension exposes the application properties under their older name too. */
  userProperties: ApplicationProperties;
  subject?: string;
  /** Older name of `subject`, still present in the binding data. */
  label?: string;
  correlationId?: string;
};

export interface DeadLetteredMessage extends MessageView {
  deadLetterReason: string;
  deadLetterErrorDescription: string;
  deadLetteredTimeUtc: Date;
}

export interface QueueStats {
  /** Deliverable now. */
  active: number;
  /** Waiting for their scheduled enqueue time. */
  scheduled: number;
  /** Delivered and not yet settled. */
  locked: number;
  deadLettered: number;
}

export type MessageHandler = (message: ReceivedMessage, metadata: ServiceBusTriggerMetadata) => Promise<void>;

export interface SubscribeOptions {
  /** host.json `extensions.serviceBus.maxConcurrentCalls`; the Functions default is 16 per instance. */
  maxConcurrentCalls?: number;
  /**
   * host.json `extensions.serviceBus.maxAutoLockRenewalDuration` in milliseconds. The Functions host renews the
   * lock of a running invocation up to this long (default 5 min), so a slow handler is not redelivered while it
   * still runs; a hung one is, once renewal stops and the lock lapses. 0 turns renewal off.
   */
  maxAutoLockRenewalMs?: number;
}

export interface Subscription {
  readonly queue: string;
  /** Stops new deliveries to this handler and waits for its running invocations. */
  close(): Promise<void>;
}

/** Why a settlement did not happen: the lock was lost (expired, or the message was already settled). */
export type SettleResult = { ok: true } | { ok: false; reason: 'lock-lost' };

export type LocalServiceBusErrorCode = 'MessageSizeExceeded' | 'InvalidMessage' | 'Closed' | 'StateLocked' | 'CorruptState';

export class LocalServiceBusError extends Error {
  override readonly name = 'LocalServiceBusError';
  constructor(
    readonly code: LocalServiceBusErrorCode,
    message: string,
  ) {
    super(message);
  }
}
