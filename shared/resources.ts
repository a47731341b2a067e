/**
 * Every Azure resource name the code uses, in one place. infra/ declares exactly these (a test compares the
 * two), and the local host creates them on the embedded emulators.
 */
export const containers = {
  purchases: { name: 'purchases', partitionKey: '/customerId' },
  customers: { name: 'customers', partitionKey: '/id' },
  /** Idempotency records (purchase keys, Idempotency-Key headers, webhook ids): id = scope + key. */
  idempotency: { name: 'idempotency', partitionKey: '/id' },
} as const satisfies Record<string, ContainerSpec>;

export const queues = {
  /** segment.changed and purchase events that journeys react to. */
  customerEvents: { name: 'customer-events', maxDeliveryCount: 10, lockDurationSeconds: 60, duplicateDetection: true },
} as const satisfies Record<string, QueueSpec>;

export interface ContainerSpec {
  name: string;
  partitionKey: string;
  /** seconds; -1 = TTL on, items decide; absent = off */
  defaultTtl?: number;
}

export interface QueueSpec {
  name: string;
  maxDeliveryCount: number;
  lockDurationSeconds: number;
  duplicateDetection: boolean;
}

export type ContainerName = (typeof containers)[keyof typeof containers]['name'];
export type QueueName = (typeof queues)[keyof typeof queues]['name'];

/** App setting that names the Service Bus connection in trigger bindings (`connection`). */
export const serviceBusConnectionName = 'ServiceBusConnection';
