import { app } from '@azure/functions';
import { CosmosClient, type CosmosClientOptions, type Container, type Database } from '@azure/cosmos';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { systemClock, type Clock } from './clock.js';
import type { MessageBus } from './messaging/bus.js';
import { ServiceBusMessageBus } from './messaging/service-bus.js';
import type { ContainerName } from './resources.js';
import { loadSettings, type Settings } from './settings.js';
import { AzureBlobStore, type BlobStore } from './storage/blobs.js';

/**
 * The composition root: settings, clock and the adapters every function uses, built once per process.
 * The local host installs its clock, its Service Bus stand-in and emulator client options before the first
 * function runs; in Azure everything comes from the app settings.
 */
export interface Runtime {
  settings: Settings;
  clock: Clock;
  database: Database;
  container(name: ContainerName): Container;
  bus: MessageBus;
  blobs: BlobStore;
}

export interface RuntimeOverrides {
  clock?: Clock;
  bus?: MessageBus;
  cosmosClientOptions?: Partial<CosmosClientOptions>;
  env?: Record<string, string | undefined>;
}

let overrides: RuntimeOverrides = {};
let current: Runtime | undefined;

export function configureRuntime(next: RuntimeOverrides): void {
  overrides = next;
  current = undefined;
}

export function runtime(): Runtime {
  current ??= buildRuntime();
  return current;
}

function buildRuntime(): Runtime {
  const settings = loadSettings(overrides.env ?? process.env, { allowLocalServiceBus: overrides.bus !== undefined });
  const cosmos = new CosmosClient({
    endpoint: settings.cosmos.endpoint,
    ...(settings.cosmos.kind === 'key'
      ? { key: settings.cosmos.key }
      : {
          aadCredentials: settings.cosmos.clientId
            ? new ManagedIdentityCredential({ clientId: settings.cosmos.clientId })
            : new DefaultAzureCredential(),
        }),
    ...overrides.cosmosClientOptions,
  });
  const database = cosmos.database(settings.cosmosDatabase);
  const containerCache = new Map<string, Container>();
  let bus = overrides.bus;
  if (!bus) {
    if (settings.serviceBus.kind === 'local') throw new Error('no Service Bus namespace configured and no local transport installed');
    bus = new ServiceBusMessageBus(settings.serviceBus);
  }
  return {
    settings,
    clock: overrides.clock ?? systemClock,
    database,
    container(name) {
      let container = containerCache.get(name);
      if (!container) {
        container = database.container(name);
        containerCache.set(name, container);
      }
      return container;
    },
    bus,
    blobs: new AzureBlobStore(settings.storage, settings.snapshotContainer),
  };
}


// Fail at startup, naming the bad setting, rather than on the first request.
app.hook.appStart(() => {
  runtime();
});
