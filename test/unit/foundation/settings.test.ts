import { describe, expect, it } from 'vitest';
import { SettingsError, loadSettings } from '../../../shared/settings.js';

const base = {
  CosmosDB__accountEndpoint: 'https://acct.documents.azure.com:443/',
  ServiceBusConnection__fullyQualifiedNamespace: 'ns.servicebus.windows.net',
  AzureWebJobsStorage__blobServiceUri: 'https://acct.blob.core.windows.net',
};

describe('settings', () => {
  it('reads identity-based connections and applies defaults', () => {
    const settings = loadSettings(base);
    expect(settings.cosmos).toEqual({ kind: 'identity', endpoint: base.CosmosDB__accountEndpoint, clientId: undefined });
    expect(settings.serviceBus).toMatchObject({ kind: 'identity', fullyQualifiedNamespace: 'ns.servicebus.windows.net' });
    expect(settings.segmentsSchedule).toBe('0 0 2 * * *');
    expect(settings.retailerTimeZone).toBe('UTC');
    expect(settings.cosmosDatabase).toBe('winback');
  });

  it('matches orders to verified e-mails unless LINK_EMAIL_MATCHING is off', () => {
    expect(loadSettings(base).linkEmailMatching).toBe('verified');
    expect(loadSettings({ ...base, LINK_EMAIL_MATCHING: 'off' }).linkEmailMatching).toBe('off');
    expect(() => loadSettings({ ...base, LINK_EMAIL_MATCHING: 'yes' })).toThrow(/LINK_EMAIL_MATCHING: expected verified or off/);
  });

  it('leaves the shard worker threads to the instance unless SEGMENTS_WORKER_THREADS says', () => {
    expect(loadSettings(base).segmentsWorkerThreads).toBeUndefined();
    expect(loadSettings({ ...base, SEGMENTS_WORKER_THREADS: '' }).segmentsWorkerThreads).toBeUndefined();
    expect(loadSettings({ ...base, SEGMENTS_WORKER_THREADS: '0' }).segmentsWorkerThreads).toBe(0);
    expect(loadSettings({ ...base, SEGMENTS_WORKER_THREADS: '4' }).segmentsWorkerThreads).toBe(4);
    expect(() => loadSettings({ ...base, SEGMENTS_WORKER_THREADS: 'all' })).toThrow(/SEGMENTS_WORKER_THREADS: expected a whole number of threads/);
    expect(() => loadSettings({ ...base, SEGMENTS_WORKER_THREADS: '2.5' })).toThrow(/SEGMENTS_WORKER_THREADS/);
    expect(() => loadSettings({ ...base, SEGMENTS_WORKER_THREADS: '65' })).toThrow(/SEGMENTS_WORKER_THREADS: expected at most 64/);
  });

  it('accepts connection strings instead', () => {
    const settings = loadSettings({
      CosmosDB: 'AccountEndpoint=https://localhost:8081/;AccountKey=abc==;',
      ServiceBusConnection: 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=x;SharedAccessKey=y',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    });
    expect(settings.cosmos).toEqual({ kind: 'key', endpoint: 'https://localhost:8081/', key: 'abc==' });
    expect(settings.serviceBus.kind).toBe('connectionString');
  });

  it('names every missing or malformed setting', () => {
    try {
      loadSettings({ ...base, CosmosDB__accountEndpoint: undefined, RETAILER_TIME_ZONE: 'Mars/Olympus', SEGMENTS_SCHEDULE: '0 2 * * *' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError);
      const names = (error as SettingsError).problems.map((p) => p.setting).sort();
      expect(names).toEqual(['CosmosDB__accountEndpoint', 'RETAILER_TIME_ZONE', 'SEGMENTS_SCHEDULE']);
      expect((error as Error).message).toContain('RETAILER_TIME_ZONE');
    }
  });

  it('allows the local Service Bus stand-in only when the local host asks for it', () => {
    const env = { ...base, ServiceBusConnection__fullyQualifiedNamespace: undefined };
    expect(() => loadSettings(env)).toThrow(/ServiceBusConnection__fullyQualifiedNamespace/);
    expect(loadSettings(env, { allowLocalServiceBus: true }).serviceBus).toEqual({ kind: 'local' });
  });
});

describe('webhook secrets', () => {
  it('refuses an unresolved Key Vault reference as a secret', () => {
    expect(() =>
      loadSettings({ ...base, SHOPIFY_WEBHOOK_SECRET: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/shopify/)' }),
    ).toThrow(/SHOPIFY_WEBHOOK_SECRET: expected a resolved secret/);
    expect(loadSettings({ ...base, SHOPIFY_WEBHOOK_SECRET: 'a-real-secret-value' }).shopifySecret).toBe('a-real-secret-value');
  });
});
