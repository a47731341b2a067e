import { describe, expect, it } from 'vitest';
import { channelAdapters, describeChannels } from '../../../shared/channels/registry.js';
import { SettingsError, loadSettings } from '../../../shared/settings.js';
import type { BlobStore } from '../../../shared/storage/blobs.js';

const base = {
  CosmosDB__accountEndpoint: 'https://acct.documents.azure.com:443/',
  ServiceBusConnection__fullyQualifiedNamespace: 'ns.servicebus.windows.net',
  AzureWebJobsStorage__blobServiceUri: 'https://acct.blob.core.windows.net',
};
const webhookSecret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
const all = {
  ...base,
  PUBLIC_BASE_URL: 'https://winback.example.com/',
  UNSUBSCRIBE_SECRET: 'x'.repeat(40),
  CommunicationServices__endpoint: 'https://acs-winback.europe.communication.azure.com',
  CommunicationServices__clientId: '00000000-0000-0000-0000-0000000000c1',
  EMAIL_SENDER: 'DoNotReply@abc.azurecomm.net',
  SMS_SENDER: 'WINBACK',
  NOTIFICATION_HUBS_CONNECTION: 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=winback-send;SharedAccessKey=abc=',
  NOTIFICATION_HUB_NAME: 'winback',
  PRINT_CONTAINER: 'print-letters',
  WEBHOOK_URL: 'https://crm.example.com/hooks/winback',
  WEBHOOK_SECRET: webhookSecret,
};

const problemsOf = (env: Record<string, string | undefined>) => {
  try {
    loadSettings(env);
    return [];
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    return error.problems.map((p) => `${p.setting}: ${p.message}`);
  }
};

const noBlobs: BlobStore = { put: async () => undefined, get: async () => undefined, list: async () => [] };

describe('channel settings', () => {
  it('without provider settings every channel is on the outbox', () => {
    const settings = loadSettings(base);
    // The SMS segment limit holds for templates whether or not an SMS provider is live.
    expect(settings.channels).toEqual({ smsMaxSegments: 2 });
    expect(describeChannels(channelAdapters({ settings, blobs: noBlobs }))).toEqual([
      'email: outbox (no provider configured)',
      'sms: outbox (no provider configured)',
      'push: outbox (no provider configured)',
      'mail: outbox (no provider configured)',
      'webhook: outbox (no provider configured)',
    ]);
  });

  it('with every provider configured each channel is live through its provider, ACS over the managed identity', () => {
    const settings = loadSettings(all);
    expect(settings.channels).toMatchObject({
      publicBaseUrl: 'https://winback.example.com',
      email: { connection: { kind: 'identity', endpoint: all.CommunicationServices__endpoint, clientId: all.CommunicationServices__clientId }, senderAddress: all.EMAIL_SENDER, engagementTracking: false },
      sms: { sender: 'WINBACK', maxSegments: 2 },
      push: { hubName: 'winback' },
      mail: { container: 'print-letters', schedule: '0 0 4 * * *' },
      webhook: { url: all.WEBHOOK_URL, secret: webhookSecret, timeoutMs: 10_000 },
    });
    expect(describeChannels(channelAdapters({ settings, blobs: noBlobs, printBlobs: noBlobs }))).toEqual([
      'email: live via acs-email',
      'sms: live via acs-sms',
      'push: live via notification-hubs',
      'mail: live via print-batch',
      'webhook: live via webhook',
    ]);
  });

  it('a half-configured channel fails startup naming what is missing, never a silent outbox', () => {
    expect(problemsOf({ ...base, EMAIL_SENDER: 'DoNotReply@abc.azurecomm.net' })).toEqual([
      expect.stringMatching(/^EMAIL_SENDER: needs Azure Communication Services: set CommunicationServices__endpoint/),
      expect.stringMatching(/^PUBLIC_BASE_URL: missing: e-mail/),
      expect.stringMatching(/^UNSUBSCRIBE_SECRET: missing: e-mail/),
    ]);
    expect(problemsOf({ ...base, WEBHOOK_URL: 'https://crm.example.com/h' })).toEqual([expect.stringMatching(/^WEBHOOK_SECRET: missing/)]);
    expect(problemsOf({ ...base, NOTIFICATION_HUB_NAME: 'winback' })).toEqual([expect.stringMatching(/^NOTIFICATION_HUBS_CONNECTION: missing/)]);
  });

  it('rejects malformed values with the setting named', () => {
    const problems = problemsOf({
      ...all,
      WEBHOOK_URL: 'http://crm.example.com/h',
      WEBHOOK_SECRET: 'not-a-whsec',
      SMS_SENDER: 'A-sender-id-that-is-too-long',
      SMS_MAX_SEGMENTS: '0',
      UNSUBSCRIBE_SECRET: '@Microsoft.KeyVault(VaultName=kv;SecretName=unsubscribe-secret)',
      NOTIFICATION_HUBS_CONNECTION: 'Endpoint=sb://ns.servicebus.windows.net/',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['NOTIFICATION_HUBS_CONNECTION', 'SMS_MAX_SEGMENTS', 'SMS_SENDER', 'UNSUBSCRIBE_SECRET', 'WEBHOOK_SECRET', 'WEBHOOK_URL']);
    expect(problems.find((p) => p.startsWith('UNSUBSCRIBE_SECRET'))).toContain('Key Vault reference did not resolve');
  });

  it('accepts an ACS connection string and plain http to a loopback stand-in', () => {
    const settings = loadSettings({
      ...base,
      PUBLIC_BASE_URL: 'http://localhost:7071',
      UNSUBSCRIBE_SECRET: 'y'.repeat(32),
      CommunicationServices: 'endpoint=http://127.0.0.1:4000/;accesskey=abc=',
      EMAIL_SENDER: 'a@b.example',
      EMAIL_ENGAGEMENT_TRACKING: 'true',
      SMS_SENDER: '+4915112345678',
      SMS_MAX_SEGMENTS: '3',
    });
    expect(settings.channels.email).toMatchObject({ connection: { kind: 'connectionString' }, engagementTracking: true });
    expect(settings.channels.sms).toMatchObject({ sender: '+4915112345678', maxSegments: 3 });
    expect(settings.channels.smsMaxSegments).toBe(3);
    expect(loadSettings({ ...base, SMS_MAX_SEGMENTS: '1' }).channels).toEqual({ smsMaxSegments: 1 });
  });
});

describe('unsubscribe links on every delivery to a person', () => {
  it('the registry adds the customer’s link for the channel when the delivery has none; a webhook gets none', async () => {
    const settings = loadSettings({ ...base, PUBLIC_BASE_URL: 'https://w.example', UNSUBSCRIBE_SECRET: 'z'.repeat(40) });
    const stored: { path: string; body: { unsubscribeUrl?: string } }[] = [];
    const blobs: BlobStore = { put: async (path, content) => void stored.push({ path, body: JSON.parse(String(content)) }), get: async () => undefined, list: async () => [] };
    const adapters = channelAdapters({ settings, blobs });
    const delivery = (channel: 'sms' | 'webhook') => ({ messageId: `m-${channel}`, customerId: 'c-7', channel, templateId: 't', to: {}, parts: { locale: 'de', text: 'x' }, variables: {} });
    await adapters.get('sms')!.send(delivery('sms'), new Date('2026-11-20T10:00:00Z'));
    await adapters.get('webhook')!.send(delivery('webhook'), new Date('2026-11-20T10:00:00Z'));
    expect(stored[0]!.body.unsubscribeUrl).toMatch(/^https:\/\/w\.example\/api\/unsubscribe\?token=v1\.Yy03\.sms\./);
    expect(stored[1]!.body.unsubscribeUrl).toBeUndefined();
  });
});
