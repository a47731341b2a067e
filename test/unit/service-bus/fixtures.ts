import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { VirtualClock } from '../../../shared/clock.js';
import type { OutboundMessage } from '../../../shared/messaging/bus.js';
import {
  LocalServiceBus,
  type LocalQueueSpec,
  type LocalServiceBusOptions,
  type ReceivedMessage,
  type ServiceBusTriggerMetadata,
} from '../../../local/service-bus/transport.js';

export const t0 = new Date('2026-11-01T10:00:00.000Z');
export const seconds = (n: number) => n * 1000;
export const minutes = (n: number) => n * 60_000;

export const queueName = 'customer-events';

export function spec(overrides: Partial<LocalQueueSpec> = {}): LocalQueueSpec {
  return { name: queueName, maxDeliveryCount: 3, lockDurationSeconds: 30, duplicateDetection: true, ...overrides };
}

let counter = 0;
export function message(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  counter++;
  return { messageId: `m-${counter}`, body: { n: counter }, ...overrides };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'winback-sb-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Harness {
  bus: LocalServiceBus;
  clock: VirtualClock;
  warnings: string[];
}

/** A bus on a virtual clock at t0, closed after the test; warnings collected instead of printed. */
export function openBus(options: Partial<LocalServiceBusOptions> & { clock?: VirtualClock } = {}): Harness {
  const clock = options.clock ?? new VirtualClock(t0);
  const warnings: string[] = [];
  const bus = new LocalServiceBus({ queues: [spec()], ...options, clock, onWarning: (w) => warnings.push(w) });
  cleanups.push(() => bus.close());
  return { bus, clock, warnings };
}

export interface Delivery {
  messageId: string;
  deliveryCount: number;
  sequenceNumber: number;
  body: unknown;
  metadata: ServiceBusTriggerMetadata;
  message: ReceivedMessage;
}

/** A handler that records every delivery and fails while `fail` says so. */
export function recorder(fail: (d: Delivery) => string | undefined = () => undefined) {
  const deliveries: Delivery[] = [];
  const handler = async (m: ReceivedMessage, metadata: ServiceBusTriggerMetadata) => {
    const delivery: Delivery = {
      messageId: m.messageId,
      deliveryCount: m.deliveryCount,
      sequenceNumber: m.sequenceNumber,
      body: m.body,
      metadata,
      message: m,
    };
    deliveries.push(delivery);
    const error = fail(delivery);
    if (error !== undefined) throw new Error(error);
  };
  return { deliveries, handler };
}

/** A promise the test resolves by hand, to hold a handler mid-flight. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}
