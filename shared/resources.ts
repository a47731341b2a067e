/**
 * Every Azure resource name the code uses, in one place. infra/ declares exactly these (a test compares the
 * two), and the local host creates them on the embedded emulators.
 */
export const containers = {
  purchases: { name: 'purchases', partitionKey: '/customerId' },
  customers: { name: 'customers', partitionKey: '/id' },
  /** Idempotency records (purchase keys, Idempotency-Key headers, webhook ids): id = scope + key. */
  idempotency: { name: 'idempotency', partitionKey: '/id', defaultTtl: -1 },
  /** Coupons keyed by their code: a duplicate code fails on create. */
  coupons: { name: 'coupons', partitionKey: '/code' },
  /** Offers and their budget counters (id = offerId, and `budget:<offerId>`). */
  offers: { name: 'offers', partitionKey: '/id' },
  /**
   * The identity index (shared/links): one document per (source, externalId) naming its customer, aliases of
   * merged customers (source `customer`), erasure tombstones of identities and merge records.
   */
  links: { name: 'links', partitionKey: '/id' },
  /** Segmentation runs, their shard progress and per-run statistics. */
  segmentRuns: { name: 'segment-runs', partitionKey: '/runId' },
  /**
   * KPI read model per journey: one outcome document per enrollment, counters per (version, arm, entry day,
   * segment, channel, currency, shard), a `journey` marker. One partition per journey so an outcome and its
   * counters change in one transactional batch.
   */
  kpis: { name: 'kpis', partitionKey: '/journeyId' },
  /** Journey definitions: the current one (id = journeyId) and every immutable version (`<journeyId>@<n>`). */
  journeyDefinitions: { name: 'journey-definitions', partitionKey: '/id' },
  /** Message templates (id = templateId). */
  templates: { name: 'templates', partitionKey: '/id' },
  /** Journey enrollments with their history, and one membership document per (customer, journey). */
  enrollments: { name: 'enrollments', partitionKey: '/customerId' },
  /** Outbound messages, the suppression list and the frequency-cap ledger of each customer. */
  messages: { name: 'messages', partitionKey: '/customerId' },
} as const satisfies Record<string, ContainerSpec>;

export const queues = {
  /** segment.changed and purchase events that journeys react to. */
  customerEvents: { name: 'customer-events', maxDeliveryCount: 10, lockDurationSeconds: 60, duplicateDetection: true },
  /** Requests to issue a coupon (from journeys); idempotent on requestId. */
  couponRequests: { name: 'coupon-requests', maxDeliveryCount: 10, lockDurationSeconds: 60, duplicateDetection: true },
  /** Fan-out of a segmentation run over customer shards. */
  segmentShards: { name: 'segment-shards', maxDeliveryCount: 5, lockDurationSeconds: 300, duplicateDetection: true },
  /** One message per API redemption (messageId = redemptionId): its purchase and its deferred budget delta. */
  redemptionEvents: { name: 'redemption-events', maxDeliveryCount: 10, lockDurationSeconds: 60, duplicateDetection: true },
  /** One message per journey step of an enrollment (messageId = enrollment + visit); waits are scheduled messages. */
  journeySteps: { name: 'journey-steps', maxDeliveryCount: 10, lockDurationSeconds: 60, duplicateDetection: true },
  /** Messages to send (messageId derived from enrollment + step), consumed by the dispatcher. */
  outboundMessages: { name: 'outbound-messages', maxDeliveryCount: 10, lockDurationSeconds: 60, duplicateDetection: true },
  /** KPI facts (enrolled, messaged, couponIssued, purchase …), messageId = eventId. */
  kpiEvents: { name: 'kpi-events', maxDeliveryCount: 10, lockDurationSeconds: 60, duplicateDetection: true },
  /** Provider reports (ACS delivery, engagement, inbound SMS) from Event Grid; messageId = event id. */
  deliveryEvents: { name: 'delivery-events', maxDeliveryCount: 10, lockDurationSeconds: 60, duplicateDetection: true },
} as const satisfies Record<string, QueueSpec>;

/**
 * Top-level folders the app writes in the snapshot container (SNAPSHOT_CONTAINER), and whether Blob lifecycle
 * rules (infra/app/storage.bicep, one days parameter each) delete them. The print container has its own rule.
 */
export const snapshotFolders = {
  /** Run snapshots (CSV parts, summary.json): the analyst's copy. */
  segmentSnapshots: { prefix: 'segments/', expires: true },
  /**
   * Shard work files (summaries, partial statistics): read only while a run is in progress or resumed. At
   * least 2 days: lifecycle rules run about once a day, and a run started late at night must find its own.
   */
  segmentWork: { prefix: 'segment-work/', expires: true, minDays: 2 },
  /**
   * Customer state files: the next run's baseline (a missing one only makes that run read every document).
   * At least 2 days, so that the next night still finds yesterday's files whenever the rule runs.
   */
  segmentState: { prefix: 'segment-state/', expires: true, minDays: 2 },
  /** Rendered messages of channels without a provider: they name people, so they go like printed letters do. */
  outbox: { prefix: 'outbox/', expires: true },
  /** Daily KPI exports: a few kilobytes a day, the history BI tools compare against; kept. */
  kpiExports: { prefix: 'kpis/', expires: false },
} as const satisfies Record<string, BlobFolderSpec>;

export interface BlobFolderSpec {
  /** Ends in "/". */
  prefix: string;
  expires: boolean;
  /** The least number of days the lifecycle rule may keep the folder (its Bicep parameter's @minValue). */
  minDays?: number;
}

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
