/**
 * Every agreement check reports a disagreement: each case breaks an in-memory copy of the real code or Bicep
 * (never the files) and expects the check to name the problem.
 */
import { describe, expect, it } from 'vitest';
import {
  CodeSide,
  InfraSide,
  checkBlobLifecycle,
  checkContainers,
  checkEnvironmentReads,
  checkExemptions,
  checkIdentityOnly,
  checkParses,
  checkQueues,
  checkRoles,
  checkSettings,
  checkSettingsLoad,
  isoDurationSeconds,
} from './agreement.js';
import { loadCode, loadInfra } from './repo.js';

const code = loadCode();
const infra = loadInfra();

/** A copy of the infra with one exact, unique piece of text replaced (fails if the text is not there once). */
function editInfra(file: string, from: string, to: string): InfraSide {
  const text = infra.files[file];
  if (text === undefined) throw new Error(`no ${file}`);
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`${file} contains ${JSON.stringify(from)} ${count} times; the test needs it once`);
  return { files: { ...infra.files, [file]: text.replace(from, to) } };
}

function withCode(change: Partial<CodeSide>): CodeSide {
  return { ...code, ...change };
}

const cosmos = 'infra/app/cosmos.bicep';
const serviceBus = 'infra/app/servicebus.bicep';
const api = 'infra/app/api.bicep';
const main = 'infra/main.bicep';

describe('container checks report', () => {
  it('a container the code uses but Bicep lacks', () => {
    const changed = withCode({ containers: { ...code.containers, journeys: { name: 'journeys', partitionKey: '/customerId' } } });
    expect(checkContainers(changed, infra)).toEqual([expect.stringContaining('container journeys (shared/resources.ts) is not declared')]);
  });

  it('a different partition key', () => {
    const changed = withCode({ containers: { ...code.containers, purchases: { name: 'purchases', partitionKey: '/orderId' } } });
    expect(checkContainers(changed, infra)).toEqual([expect.stringMatching(/purchases: partition key \/orderId in code, "\/customerId" in Bicep/)]);
  });

  it('a TTL set on one side only, or different', () => {
    const inCode = withCode({ containers: { ...code.containers, offers: { name: 'offers', partitionKey: '/id', defaultTtl: 604800 } } });
    expect(checkContainers(inCode, infra)).toEqual([expect.stringContaining('offers: defaultTtl 604800 in code, (off) in Bicep')]);
    const inBicep = editInfra(cosmos, "name: 'offers'\n    partitionKey: '/id'\n    defaultTtl: null", "name: 'offers'\n    partitionKey: '/id'\n    defaultTtl: 86400");
    expect(checkContainers(code, inBicep)).toEqual([expect.stringContaining('offers: defaultTtl (off) in code, 86400 in Bicep')]);
    expect(checkContainers(inCode, inBicep)).toEqual([expect.stringContaining('defaultTtl 604800 in code, 86400 in Bicep')]);
    const idempotencyOff = editInfra(cosmos, "name: 'idempotency'\n    partitionKey: '/id'\n    // per-item TTL: retry-only keys (webhook deliveries, Idempotency-Key headers) expire, purchase keys stay\n    defaultTtl: -1", "name: 'idempotency'\n    partitionKey: '/id'\n    defaultTtl: null");
    expect(checkContainers(code, idempotencyOff)).toEqual([expect.stringContaining('idempotency: defaultTtl -1 in code, (off) in Bicep')]);
  });

  it('a container Bicep declares that the code does not know', () => {
    const extra = editInfra(cosmos, "  {\n    name: 'coupons'", "  {\n    name: 'legacy'\n    partitionKey: '/id'\n    defaultTtl: null\n    excludedPaths: []\n  }\n  {\n    name: 'coupons'");
    expect(checkContainers(code, extra)).toEqual([expect.stringContaining('container legacy is declared in Bicep but not in shared/resources.ts')]);
  });

  it('a container resource outside the mirrored list', () => {
    const outside = editInfra(
      cosmos,
      'resource appDataAccess',
      "resource stray 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = {\n  parent: database\n  name: 'stray'\n  properties: {}\n}\n\nresource appDataAccess",
    );
    expect(checkContainers(code, outside)).toEqual([expect.stringContaining('resource stray')]);
  });

  it('an entry missing a key the others have', () => {
    const partial = editInfra(cosmos, "name: 'offers'\n    partitionKey: '/id'\n    defaultTtl: null\n", "name: 'offers'\n    partitionKey: '/id'\n");
    expect(checkContainers(code, partial)).toEqual([expect.stringContaining('cosmosContainers entry "offers" has keys [excludedPaths, name, partitionKey]')]);
  });

  it('a loop that does not take the partition key from the entry', () => {
    const wired = editInfra(cosmos, 'paths: [c.partitionKey]', "paths: ['/id']");
    expect(checkContainers(code, wired)).toEqual([expect.stringContaining('partitionKey.paths should take the partition key')]);
  });
});

describe('queue checks report', () => {
  it('a queue the code uses but Bicep lacks, and one Bicep declares that the code does not', () => {
    const changed = withCode({
      queues: { ...code.queues, reminders: { name: 'reminders', maxDeliveryCount: 10, lockDurationSeconds: 60, duplicateDetection: false } },
    });
    expect(checkQueues(changed, infra)).toEqual([expect.stringContaining('queue reminders (shared/resources.ts) is not declared')]);
    const renamed = editInfra(serviceBus, "name: 'segment-shards'", "name: 'segment-shard'");
    expect(checkQueues(code, renamed)).toEqual([
      expect.stringContaining('queue segment-shards (shared/resources.ts) is not declared'),
      expect.stringContaining('queue segment-shard is declared in Bicep but not in shared/resources.ts'),
    ]);
  });

  it('a different maxDeliveryCount, lock duration or duplicate detection', () => {
    const count = editInfra(serviceBus, "maxDeliveryCount: 5\n", 'maxDeliveryCount: 7\n');
    expect(checkQueues(code, count)).toEqual([expect.stringContaining('segment-shards: maxDeliveryCount 5 in code, 7 in Bicep')]);
    const lock = editInfra(serviceBus, "lockDuration: 'PT5M'", "lockDuration: 'PT4M'");
    expect(checkQueues(code, lock)).toEqual([expect.stringContaining('segment-shards: lock duration 300s in code, "PT4M" in Bicep')]);
    const dedupe = editInfra(serviceBus, "maxDeliveryCount: 5\n    lockDuration: 'PT5M'\n    requiresDuplicateDetection: true", "maxDeliveryCount: 5\n    lockDuration: 'PT5M'\n    requiresDuplicateDetection: false");
    expect(checkQueues(code, dedupe)).toEqual([expect.stringContaining('segment-shards: duplicate detection true in code, false in Bicep')]);
  });

  it('a lock longer than Service Bus allows', () => {
    const changed = withCode({ queues: { ...code.queues, segmentShards: { ...code.queues['segmentShards']!, lockDurationSeconds: 600 } } });
    expect(checkQueues(changed, infra)).toEqual(
      expect.arrayContaining([expect.stringContaining('at most 5 minutes')]),
    );
  });

  it('dead-lettering on expiry switched off', () => {
    const off = editInfra(serviceBus, 'deadLetteringOnMessageExpiration: true', 'deadLetteringOnMessageExpiration: false');
    expect(checkQueues(code, off)).toEqual([expect.stringContaining('deadLetteringOnMessageExpiration must be true')]);
  });

  it('parses ISO 8601 durations the way Service Bus writes them', () => {
    expect(isoDurationSeconds('PT1M')).toBe(60);
    expect(isoDurationSeconds('PT5M')).toBe(300);
    expect(isoDurationSeconds('PT1H30M15S')).toBe(5415);
    expect(isoDurationSeconds('P1DT1S')).toBe(86401);
    expect(isoDurationSeconds('PT')).toBeNaN();
    expect(isoDurationSeconds('60')).toBeNaN();
  });
});

describe('setting checks report', () => {
  it('a setting the code reads that Bicep and the local example lack', () => {
    const changed = withCode({ settingNames: { ...code.settingNames, journeyWindow: 'JOURNEY_WINDOW_DAYS' } });
    expect(checkSettings(changed, infra)).toEqual([
      'setting JOURNEY_WINDOW_DAYS (shared/settings.ts) is not set in Bicep appSettings',
      'setting JOURNEY_WINDOW_DAYS is missing from local.settings.example.json',
    ]);
  });

  it('a setting dropped from Bicep', () => {
    const dropped = editInfra(api, '  COSMOS_DATABASE: cosmosDatabaseName\n', '');
    expect(checkSettings(code, dropped)).toEqual(['setting COSMOS_DATABASE (shared/settings.ts) is not set in Bicep appSettings']);
  });

  it('a connection string, a local-only or an unknown setting in Bicep', () => {
    const keyed = editInfra(api, "  COSMOS_DATABASE: cosmosDatabaseName\n", "  COSMOS_DATABASE: cosmosDatabaseName\n  CosmosDB: cosmosConnectionString\n  WINBACK_FUNCTION_KEY: 'k'\n  OLD_FLAG: 'x'\n");
    expect(checkSettings(code, keyed)).toEqual([
      expect.stringContaining('Bicep sets CosmosDB: carries the account key'),
      expect.stringContaining('Bicep sets WINBACK_FUNCTION_KEY, which is local only'),
      expect.stringContaining('Bicep sets OLD_FLAG, which neither the code'),
    ]);
  });

  it('a secret that is not a Key Vault reference, a credential that is not the managed identity', () => {
    const plain = editInfra(
      api,
      "SHOPIFY_WEBHOOK_SECRET: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${shopifySecretName})'",
      'SHOPIFY_WEBHOOK_SECRET: shopifySecret',
    );
    expect(checkSettings(code, plain)).toEqual(['SHOPIFY_WEBHOOK_SECRET must be a Key Vault reference, got expression shopifySecret']);
    const credential = editInfra(api, "CosmosDB__credential: 'managedidentity'", "CosmosDB__credential: 'connectionstring'");
    expect(checkSettings(code, credential)).toEqual([`CosmosDB__credential must be 'managedidentity', got "connectionstring"`]);
    const noCredential = editInfra(api, "  ServiceBusConnection__credential: 'managedidentity'\n", '');
    expect(checkSettings(code, noCredential)).toEqual(['ServiceBusConnection__credential is missing in Bicep appSettings']);
  });

  it('the local example missing a setting (or its connection string), or carrying one nothing reads', () => {
    const missing = withCode({ localSettingsExample: code.localSettingsExample.filter((n) => n !== 'SEGMENTS_SCHEDULE' && n !== 'CosmosDB' && n !== 'CosmosDB__accountEndpoint') });
    expect(checkSettings(missing, infra)).toEqual(
      expect.arrayContaining([
        'setting SEGMENTS_SCHEDULE is missing from local.settings.example.json',
        'setting CosmosDB__accountEndpoint is missing from local.settings.example.json (neither it nor CosmosDB is there)',
      ]),
    );
    const extra = withCode({ localSettingsExample: [...code.localSettingsExample, 'STALE_SETTING'] });
    expect(checkSettings(extra, infra)).toEqual(['local.settings.example.json has STALE_SETTING, which nothing reads']);
  });

  it('an identity-based setting whose connection is not classified', () => {
    const changed = withCode({ settingNames: { ...code.settingNames, searchEndpoint: 'Search__endpoint' } });
    expect(checkExemptions(changed)).toEqual([expect.stringContaining('Search__endpoint looks like an identity-based connection setting')]);
  });

  it('settings.ts rejecting what Bicep sets, or a default that differs', () => {
    const noEndpoint = editInfra(api, '  CosmosDB__accountEndpoint: cosmosEndpoint\n', '');
    expect(checkSettingsLoad(code, noEndpoint)).toEqual(
      expect.arrayContaining([expect.stringContaining('settings.ts rejects the Bicep app settings: Invalid configuration')]),
    );
    const schedule = editInfra(main, "param segmentsSchedule string = '0 0 2 * * *'", "param segmentsSchedule string = '0 30 3 * * *'");
    expect(checkSettingsLoad(code, schedule)).toEqual(['SEGMENTS_SCHEDULE: code default "0 0 2 * * *", main.bicep param segmentsSchedule default "0 30 3 * * *"']);
    const badZone = editInfra(main, "param retailerTimeZone string = 'UTC'", "param retailerTimeZone string = 'Mars/Olympus'");
    expect(checkSettingsLoad(code, badZone)).toEqual(
      expect.arrayContaining([expect.stringContaining('RETAILER_TIME_ZONE')]),
    );
  });
});

describe('environment read checks report', () => {
  it('variables read without being declared, in any spelling', () => {
    const sources = {
      'functions/new.ts': [
        "const a = process.env.NEW_FEATURE_FLAG;",
        "const b = process.env['ANOTHER_ONE'];",
        'const c = env["THIRD_ONE"];',
        'const d = settingNames.noSuchSetting;',
        "const ok = process.env.WEBSITE_INSTANCE_ID ?? process.env['WINBACK_FUNCTION_KEY'];",
      ].join('\n'),
    };
    expect(checkEnvironmentReads(withCode({ sources }), infra)).toEqual([
      expect.stringContaining('functions/new.ts reads NEW_FEATURE_FLAG'),
      expect.stringContaining('functions/new.ts reads ANOTHER_ONE'),
      expect.stringContaining('functions/new.ts reads THIRD_ONE'),
      'functions/new.ts uses settingNames.noSuchSetting, which does not exist',
    ]);
  });

  it('a host setting the code reads but Bicep does not set', () => {
    const sources = { 'shared/x.ts': 'const q = process.env.AzureWebJobsStorage__queueServiceUri;' };
    expect(checkEnvironmentReads(withCode({ sources }), infra)).toEqual([expect.stringContaining('reads AzureWebJobsStorage__queueServiceUri')]);
  });
});

describe('identity checks report', () => {
  it('local auth left on, shared keys allowed, keys fetched, wrong runtime', () => {
    expect(checkIdentityOnly(editInfra(cosmos, 'disableLocalAuth: true', 'disableLocalAuth: false'))).toEqual([
      'Microsoft.DocumentDB/databaseAccounts: properties.disableLocalAuth must be true, got false',
    ]);
    expect(checkIdentityOnly(editInfra(serviceBus, '    disableLocalAuth: true\n', ''))).toEqual([
      'Microsoft.ServiceBus/namespaces: properties.disableLocalAuth must be true, got undefined',
    ]);
    expect(checkIdentityOnly(editInfra('infra/app/storage.bicep', 'allowSharedKeyAccess: false', 'allowSharedKeyAccess: true'))).toEqual([
      'Microsoft.Storage/storageAccounts: properties.allowSharedKeyAccess must be false, got true',
    ]);
    expect(checkIdentityOnly(editInfra(main, '    disableLocalAuth: true\n', ''))).toEqual([
      expect.stringContaining('Application Insights appInsights: local auth must be disabled'),
    ]);
    const keys = editInfra(api, 'var appSettings = {', "var key = storage.listKeys().keys[0].value\nvar cs = 'Endpoint=sb://x/;SharedAccessKeyName=a;SharedAccessKey=b'\nvar appSettings = {");
    expect(checkIdentityOnly(keys)).toEqual([`${api} uses listKeys(`, `${api} uses SharedAccessKey`]);
    expect(checkIdentityOnly(editInfra(api, "version: '22'", "version: '20'"))).toEqual([expect.stringContaining('runtime must be node 22')]);
    expect(checkIdentityOnly(editInfra(main, "name: 'FC1'", "name: 'Y1'"))).toEqual([expect.stringContaining('Flex Consumption (FC1), got "Y1"')]);
  });

  it('a missing, extra or wrong role for the app identity', () => {
    const rbac = 'infra/app/rbac.bicep';
    const wrong = editInfra(
      rbac,
      "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)",
      "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)",
    );
    expect(checkRoles(wrong)).toEqual([
      'the app identity must be granted Key Vault Secrets User once, found 0',
      'the app identity is granted role b86a8fe4-44ce-4948-aee5-eccb2c155cd7, which is not on the list',
    ]);
    const cosmosRole = editInfra(cosmos, "var dataContributorRoleId = '00000000-0000-0000-0000-000000000002'", "var dataContributorRoleId = '00000000-0000-0000-0000-000000000001'");
    expect(checkRoles(cosmosRole)).toEqual([expect.stringContaining('Built-in Data Contributor')]);
  });
});

describe('blob lifecycle checks report', () => {
  const storage = 'infra/app/storage.bicep';
  const folders = code.snapshotFolders;

  it('a path the code writes outside every declared folder, and a blob writer whose paths are not sampled', () => {
    const stray = withCode({ blobPaths: [...code.blobPaths, { writer: 'shared/x.ts', path: 'scratch/x.json', container: 'snapshot' }] });
    expect(checkBlobLifecycle(stray, infra)).toEqual([expect.stringContaining('shared/x.ts writes scratch/x.json, outside every folder')]);
    const unsampled = withCode({ sources: { ...code.sources, 'shared/y.ts': 'await deps.blobs.put(`tmp/${id}`, body)' } });
    expect(checkBlobLifecycle(unsampled, infra)).toEqual([expect.stringContaining('shared/y.ts writes blobs, but test/unit/infra/repo.ts samples none')]);
  });

  it('an expiring folder without its rule, and a rule for a folder the code does not know', () => {
    const renamed = editInfra(storage, "prefixMatch: ['${snapshotContainerName}/segment-work/']", "prefixMatch: ['${snapshotContainerName}/segment-scratch/']");
    expect(checkBlobLifecycle(code, renamed)).toEqual([
      expect.stringContaining('expires segment-scratch/, which shared/resources.ts snapshotFolders does not declare'),
      'segment-work/ expires (snapshotFolders): snapshotRules needs exactly one rule for it, found 0',
    ]);
    const newFolder = withCode({ snapshotFolders: { ...folders, exports: { prefix: 'exports/', expires: true } } });
    expect(checkBlobLifecycle(newFolder, infra)).toEqual(['exports/ expires (snapshotFolders): snapshotRules needs exactly one rule for it, found 0']);
  });

  it('a kept folder that a rule expires', () => {
    const kept = withCode({ snapshotFolders: { ...folders, outbox: { prefix: 'outbox/', expires: false } } });
    expect(checkBlobLifecycle(kept, infra)).toEqual(['outbox/ is kept (snapshotFolders), but snapshotRules expires it']);
  });

  it('days that are not a parameter, or a state file rule that may delete yesterday\'s baseline', () => {
    const literal = editInfra(storage, 'daysAfterModificationGreaterThan: segmentStateRetentionDays', 'daysAfterModificationGreaterThan: 14');
    expect(checkBlobLifecycle(code, literal)).toEqual([expect.stringContaining('snapshotRules "expire-segment-state": the days should be a parameter')]);
    const short = editInfra(storage, '@minValue(2)\nparam segmentStateRetentionDays int = 14', '@minValue(1)\nparam segmentStateRetentionDays int = 1');
    expect(checkBlobLifecycle(code, short)).toEqual([
      'param segmentStateRetentionDays: default 1 days, but segment-state/ must be kept at least 2 (snapshotFolders)',
      'param segmentStateRetentionDays: needs @minValue(2) or more (segment-state/ must be kept at least 2 days), got 1',
    ]);
  });

  it('rules the lifecycle resource does not apply', () => {
    const unused = editInfra(storage, 'rules: concat(snapshotRules, printRules)', 'rules: printRules');
    expect(checkBlobLifecycle(code, unused)).toEqual([expect.stringContaining('properties.policy.rules does not use snapshotRules')]);
  });
});

describe('the reader check reports', () => {
  it('a file it cannot read', () => {
    const broken = editInfra(serviceBus, 'maxDeliveryCount: 5\n', 'maxDeliveryCount 5\n');
    expect(checkParses(broken)).toEqual([expect.stringMatching(/servicebus\.bicep: expected : after maxDeliveryCount \(line \d+/)]);
  });
});
