import { z } from 'zod';
import { readChannelSettings } from './channels/channel-settings.js';
import type { ChannelSettings } from './channels/config.js';

/**
 * Every app setting winback reads, validated in one place. In Azure they are app settings (Key Vault references
 * for secrets); under `func start` they come from local.settings.json; under `npm start` the local host fills
 * in the embedded services. A missing or malformed setting fails startup with a message that names it.
 *
 * Connections follow the Functions convention: either a connection string in `<CONN>`, or identity-based
 * `<CONN>__accountEndpoint` / `<CONN>__fullyQualifiedNamespace` / `<CONN>__blobServiceUri`
 * (+ optional `__clientId` for a user-assigned identity).
 */
export const settingNames = {
  cosmosConnection: 'CosmosDB',
  cosmosEndpoint: 'CosmosDB__accountEndpoint',
  cosmosClientId: 'CosmosDB__clientId',
  cosmosDatabase: 'COSMOS_DATABASE',
  serviceBusConnection: 'ServiceBusConnection',
  serviceBusNamespace: 'ServiceBusConnection__fullyQualifiedNamespace',
  serviceBusClientId: 'ServiceBusConnection__clientId',
  storageConnection: 'AzureWebJobsStorage',
  storageBlobUri: 'AzureWebJobsStorage__blobServiceUri',
  storageClientId: 'AzureWebJobsStorage__clientId',
  snapshotContainer: 'SNAPSHOT_CONTAINER',
  segmentsSchedule: 'SEGMENTS_SCHEDULE',
  retailerTimeZone: 'RETAILER_TIME_ZONE',
  segmentsTimeUnit: 'SEGMENTS_TIME_UNIT',
  segmentsShards: 'SEGMENTS_SHARDS',
  segmentsConfig: 'SEGMENTS_CONFIG',
  segmentsStaleAfterDays: 'SEGMENTS_STALE_AFTER_DAYS',
  segmentsFullScanDays: 'SEGMENTS_FULL_SCAN_DAYS',
  segmentsStallMinutes: 'SEGMENTS_STALL_MINUTES',
  segmentsWorkerThreads: 'SEGMENTS_WORKER_THREADS',
  shopifySecret: 'SHOPIFY_WEBHOOK_SECRET',
  shopwareSecret: 'SHOPWARE_WEBHOOK_SECRET',
  linkEmailMatching: 'LINK_EMAIL_MATCHING',
  // Delivery channels (shared/channels/channel-settings.ts): a channel without its provider uses the outbox.
  communicationConnection: 'CommunicationServices',
  communicationEndpoint: 'CommunicationServices__endpoint',
  communicationClientId: 'CommunicationServices__clientId',
  emailSender: 'EMAIL_SENDER',
  emailEngagementTracking: 'EMAIL_ENGAGEMENT_TRACKING',
  smsSender: 'SMS_SENDER',
  smsMaxSegments: 'SMS_MAX_SEGMENTS',
  notificationHubsConnection: 'NOTIFICATION_HUBS_CONNECTION',
  notificationHubName: 'NOTIFICATION_HUB_NAME',
  printContainer: 'PRINT_CONTAINER',
  printSchedule: 'PRINT_SCHEDULE',
  webhookUrl: 'WEBHOOK_URL',
  webhookSecret: 'WEBHOOK_SECRET',
  webhookTimeoutMs: 'WEBHOOK_TIMEOUT_MS',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  unsubscribeSecret: 'UNSUBSCRIBE_SECRET',
} as const;

/** Nightly at 02:00 UTC. */
export const defaultSegmentsSchedule = '0 0 2 * * *';

export type SettingName = (typeof settingNames)[keyof typeof settingNames];

export class SettingsError extends Error {
  constructor(readonly problems: { setting: string; message: string }[]) {
    super(
      'Invalid configuration:\n' + problems.map((p) => `  - ${p.setting}: ${p.message}`).join('\n'),
    );
    this.name = 'SettingsError';
  }
}

const nonEmpty = z.string().trim().min(1);
const httpsUrl = z.url({ protocol: /^https?$/ });

const connectionStringWith = (...keys: string[]) =>
  nonEmpty.refine(
    (value) => {
      const parts = parseConnectionString(value);
      return keys.every((key) => parts[key.toLowerCase()] !== undefined);
    },
    `a connection string with ${keys.join(' and ')}`,
  );

const isValidTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** Six-field NCRONTAB ({second} {minute} {hour} {day} {month} {day-of-week}), as the Functions timer takes. */
const ncrontab = nonEmpty.refine((v) => v.split(/\s+/).length === 6, 'an NCRONTAB expression with 6 fields');

export type CosmosConnection =
  | { kind: 'key'; endpoint: string; key: string }
  | { kind: 'identity'; endpoint: string; clientId?: string };

export type ServiceBusConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; fullyQualifiedNamespace: string; clientId?: string }
  | { kind: 'local' };

export type StorageConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; blobServiceUri: string; clientId?: string };

export interface Settings {
  cosmos: CosmosConnection;
  cosmosDatabase: string;
  serviceBus: ServiceBusConnection;
  storage: StorageConnection;
  snapshotContainer: string;
  segmentsSchedule: string;
  retailerTimeZone: string;
  /** Unit the segmentation models are fitted and reported in (α is per unit). */
  segmentsTimeUnit: 'day' | 'week';
  /** How many bucket-range shards a segmentation run fans out to. */
  segmentsShards: number;
  /** JSON overrides of the analytics configuration (segment rules, churn thresholds, CLV); validated at startup. */
  segmentsConfig?: string;
  /** A customer document whose scores are this many days old is rewritten even when nothing material changed. */
  segmentsStaleAfterDays: number;
  /** Pass 1 reads every purchase at least this often; in between it starts from the previous run's summaries. */
  segmentsFullScanDays: number;
  /** A run in progress with no shard reporting for this long is marked failed by the watchdog. */
  segmentsStallMinutes: number;
  /**
   * Worker threads a segmentation shard splits its CPU-bound work over; absent = the cores the instance has
   * (os.availableParallelism()); 0 or 1 = in-process.
   */
  segmentsWorkerThreads?: number;
  shopifySecret?: string;
  shopwareSecret?: string;
  /**
   * `verified`: a profile's verified e-mail becomes an `email` link, so guest orders and first orders of new
   * shop accounts with that address land on the profile; `off`: e-mail links only when set explicitly.
   */
  linkEmailMatching: 'verified' | 'off';
  /** Providers per delivery channel (absent = outbox), the public URL and the unsubscribe key. */
  channels: ChannelSettings;
}

export function parseConnectionString(value: string): Record<string, string> {
  const parts: Record<string, string> = {};
  for (const segment of value.split(';')) {
    const index = segment.indexOf('=');
    if (index <= 0) continue;
    parts[segment.slice(0, index).trim().toLowerCase()] = segment.slice(index + 1).trim();
  }
  return parts;
}

type Env = Record<string, string | undefined>;

/**
 * @param options.allowLocalServiceBus the local host passes true: with no namespace configured, messages go
 * through its in-process transport. In Azure a missing Service Bus setting is an error.
 */
export function loadSettings(env: Env = process.env, options: { allowLocalServiceBus?: boolean } = {}): Settings {
  const problems: { setting: string; message: string }[] = [];
  const read = <T>(name: string, schema: z.ZodType<T>, fallback?: T): T | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    problems.push({ setting: name, message: `expected ${parsed.error.issues[0]?.message ?? 'a valid value'}` });
    return undefined;
  };

  let cosmos: CosmosConnection | undefined;
  const cosmosString = read(settingNames.cosmosConnection, connectionStringWith('AccountEndpoint', 'AccountKey'));
  const cosmosEndpoint = read(settingNames.cosmosEndpoint, httpsUrl);
  if (cosmosString) {
    const parts = parseConnectionString(cosmosString);
    cosmos = { kind: 'key', endpoint: parts['accountendpoint']!, key: parts['accountkey']! };
  } else if (cosmosEndpoint) {
    cosmos = { kind: 'identity', endpoint: cosmosEndpoint, clientId: env[settingNames.cosmosClientId] || undefined };
  } else if (!problems.some((p) => p.setting.startsWith('CosmosDB'))) {
    problems.push({
      setting: settingNames.cosmosEndpoint,
      message: `missing: set ${settingNames.cosmosEndpoint} (managed identity) or ${settingNames.cosmosConnection} (connection string)`,
    });
  }

  let serviceBus: ServiceBusConnection | undefined;
  const sbString = read(settingNames.serviceBusConnection, connectionStringWith('Endpoint'));
  const sbNamespace = read(
    settingNames.serviceBusNamespace,
    nonEmpty.regex(/^[a-z0-9.-]+$/i, 'a host name such as <ns>.servicebus.windows.net'),
  );
  if (sbString) serviceBus = { kind: 'connectionString', connectionString: sbString };
  else if (sbNamespace)
    serviceBus = { kind: 'identity', fullyQualifiedNamespace: sbNamespace, clientId: env[settingNames.serviceBusClientId] || undefined };
  else if (options.allowLocalServiceBus) serviceBus = { kind: 'local' };
  else if (!problems.some((p) => p.setting.startsWith('ServiceBusConnection'))) {
    problems.push({
      setting: settingNames.serviceBusNamespace,
      message: `missing: set ${settingNames.serviceBusNamespace} (managed identity) or ${settingNames.serviceBusConnection}`,
    });
  }

  let storage: StorageConnection | undefined;
  const storageString = read(settingNames.storageConnection, nonEmpty);
  const blobUri = read(settingNames.storageBlobUri, httpsUrl);
  if (storageString) storage = { kind: 'connectionString', connectionString: storageString };
  else if (blobUri) storage = { kind: 'identity', blobServiceUri: blobUri, clientId: env[settingNames.storageClientId] || undefined };
  else if (!problems.some((p) => p.setting.startsWith('AzureWebJobsStorage'))) {
    problems.push({
      setting: settingNames.storageBlobUri,
      message: `missing: set ${settingNames.storageBlobUri} (managed identity) or ${settingNames.storageConnection}`,
    });
  }

  const cosmosDatabase = read(settingNames.cosmosDatabase, nonEmpty.regex(/^[A-Za-z0-9_-]{1,255}$/, 'a database id'), 'winback');
  const snapshotContainer = read(
    settingNames.snapshotContainer,
    nonEmpty.regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'a blob container name (3-63 lowercase letters, digits, "-")'),
    'winback-snapshots',
  );
  const segmentsSchedule = read(settingNames.segmentsSchedule, ncrontab, defaultSegmentsSchedule);
  const retailerTimeZone = read(settingNames.retailerTimeZone, nonEmpty.refine(isValidTimeZone, 'an IANA time zone such as Europe/Berlin'), 'UTC');
  const segmentsTimeUnit = read(settingNames.segmentsTimeUnit, z.enum(['day', 'week'], 'day or week'), 'week' as const);
  const segmentsShards = read(
    settingNames.segmentsShards,
    z.coerce.number('a whole number from 1 to 1024').int('a whole number from 1 to 1024').min(1, 'at least 1').max(1024, 'at most 1024 (the customer bucket count)'),
    16,
  );
  const segmentsConfig = read(
    settingNames.segmentsConfig,
    nonEmpty.refine((v) => {
      try {
        const parsed: unknown = JSON.parse(v);
        return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
      } catch {
        return false;
      }
    }, 'a JSON object (see docs/segmentation.md)'),
  );
  const segmentsStaleAfterDays = read(
    settingNames.segmentsStaleAfterDays,
    z.coerce.number('a whole number of days from 1 to 365').int('a whole number of days from 1 to 365').min(1, 'at least 1').max(365, 'at most 365'),
    28,
  );
  const segmentsFullScanDays = read(
    settingNames.segmentsFullScanDays,
    z.coerce.number('a whole number of days from 1 to 365').int('a whole number of days from 1 to 365').min(1, 'at least 1').max(365, 'at most 365'),
    7,
  );
  const segmentsStallMinutes = read(
    settingNames.segmentsStallMinutes,
    z.coerce.number('a whole number of minutes from 15 to 1440').int('a whole number of minutes from 15 to 1440').min(15, 'at least 15 (above the 10-minute function timeout)').max(1440, 'at most 1440'),
    30,
  );
  const segmentsWorkerThreads = read(
    settingNames.segmentsWorkerThreads,
    z.coerce.number('a whole number of threads from 0 to 64').int('a whole number of threads from 0 to 64').min(0, 'at least 0').max(64, 'at most 64'),
  );
  // An unresolved Key Vault reference arrives as its own text; used as a key it would let anyone who can
  // read app settings forge webhooks.
  const secret = z
    .string()
    .min(8, 'a secret of at least 8 characters')
    .refine((v) => !v.startsWith('@Microsoft.KeyVault('), 'a resolved secret; the Key Vault reference did not resolve (check the identity has Key Vault Secrets User)');
  const shopifySecret = read(settingNames.shopifySecret, secret);
  const shopwareSecret = read(settingNames.shopwareSecret, secret);
  const channels = readChannelSettings(settingNames, env, read, problems);

  const linkEmailMatching = read(settingNames.linkEmailMatching, z.enum(['verified', 'off'], 'verified or off'), 'verified' as const);

  if (problems.length > 0) throw new SettingsError(problems);
  return {
    cosmos: cosmos!,
    cosmosDatabase: cosmosDatabase!,
    serviceBus: serviceBus!,
    storage: storage!,
    snapshotContainer: snapshotContainer!,
    segmentsSchedule: segmentsSchedule!,
    retailerTimeZone: retailerTimeZone!,
    segmentsTimeUnit: segmentsTimeUnit!,
    segmentsShards: segmentsShards!,
    segmentsConfig,
    segmentsStaleAfterDays: segmentsStaleAfterDays!,
    segmentsFullScanDays: segmentsFullScanDays!,
    segmentsStallMinutes: segmentsStallMinutes!,
    ...(segmentsWorkerThreads !== undefined ? { segmentsWorkerThreads } : {}),
    shopifySecret,
    shopwareSecret,
    linkEmailMatching: linkEmailMatching!,
    channels,
  };
}
