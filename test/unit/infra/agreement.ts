/**
 * Checks that the code (shared/resources.ts, shared/settings.ts, what functions/, shared/ and local/ read from
 * the environment, local.settings.example.json) and the Bicep under infra/ agree. Each check is a pure
 * function from a snapshot of both sides to a list of problems, so tests can run them on the repository
 * (expecting none) and on deliberately broken copies (expecting each problem to be reported).
 */
import {
  BicepObject,
  BicepValue,
  Declaration,
  Expr,
  get,
  isObject,
  readDeclarations,
  readParam,
  readVar,
  readVars,
  stripComments,
} from './bicep-reader.js';

import type { BlobFolderSpec, ContainerSpec, QueueSpec } from '../../../shared/resources.js';

export type { BlobFolderSpec, ContainerSpec, QueueSpec };

export interface CodeSide {
  containers: Record<string, ContainerSpec>;
  queues: Record<string, QueueSpec>;
  settingNames: Record<string, string>;
  /** keys of local.settings.example.json `Values` */
  localSettingsExample: string[];
  /** path → TypeScript source, for functions/, shared/, local/ */
  sources: Record<string, string>;
  /** shared/resources.ts snapshotFolders: the snapshot container's folders and whether they expire */
  snapshotFolders: Record<string, BlobFolderSpec>;
  /** a sample of every blob path the code writes, from its path builders, with the file that writes it */
  blobPaths: { writer: string; path: string; container: 'snapshot' | 'print' }[];
  /** settings.ts's result for an environment carrying only the given app settings; throws like loadSettings */
  loadSettings: (env: Record<string, string>) => SettingsView;
}

/** The part of shared/settings.ts `Settings` the checks look at. */
export interface SettingsView {
  cosmos: { kind: string };
  serviceBus: { kind: string };
  storage: { kind: string };
  cosmosDatabase: string;
  snapshotContainer: string;
  segmentsSchedule: string;
  retailerTimeZone: string;
}

export interface InfraSide {
  /** path (relative to the repository, e.g. `infra/app/api.bicep`) → Bicep source */
  files: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------------------
// What the settings are, and why some are not app settings in Azure. Edit these lists, with a reason, when
// the code starts reading a new variable that is deliberately not deployed.
// ---------------------------------------------------------------------------------------------------------

/** Connection-string forms. Only for emulators and `func start`; in Azure the identity forms replace them. */
export const connectionStringSettings: Record<string, string> = {
  CosmosDB: 'carries the account key; Azure uses CosmosDB__accountEndpoint with the managed identity',
  ServiceBusConnection: 'carries a SAS key; Azure uses ServiceBusConnection__fullyQualifiedNamespace',
  AzureWebJobsStorage: 'carries the account key (or Azurite); Azure uses AzureWebJobsStorage__blobServiceUri',
  CommunicationServices: 'carries the ACS access key (local stand-ins, func start); Azure uses CommunicationServices__endpoint',
};

/** Read only on a developer machine; never an Azure app setting. */
export const localOnlySettings: Record<string, string> = {
  WINBACK_FUNCTION_KEY: "the local host's function key; in Azure the Functions host manages keys",
  FUNCTIONS_WORKER_RUNTIME: 'Core Tools wants it; Flex Consumption sets the runtime in functionAppConfig and rejects it',
  PORT: 'port of the local host; in Azure the platform decides',
  WINBACK_DEBUG: 'makes the local host print stack traces',
  AZURITE_DB: "Azurite's own variable, cleared for the embedded Azurite so it keeps data in files",
};

/** Set in Bicep for the Functions host, its extensions or the SDKs; winback's code need not read them. */
export const hostSettings: Record<string, string> = {
  AzureWebJobsStorage__credential: 'host storage over the managed identity',
  AzureWebJobsStorage__queueServiceUri: 'host storage queues (blob triggers, Durable); not needed by winback',
  AzureWebJobsStorage__tableServiceUri: 'host storage tables (Durable); not needed by winback',
  CosmosDB__credential: 'Cosmos DB extension bindings over the managed identity',
  ServiceBusConnection__credential: 'Service Bus trigger over the managed identity',
  CommunicationServices__credential: 'the identity-based connection convention for ACS; the code reads __endpoint and __clientId',
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'telemetry destination (not a credential)',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Entra authentication for telemetry (local auth is disabled)',
};

/** Set by App Service / the Functions host itself; code may read them, nobody sets them. */
export const platformSettingPattern = /^(WEBSITE_[A-Z0-9_]+|AZURE_FUNCTIONS_ENVIRONMENT|FUNCTIONS_EXTENSION_VERSION)$/;

/** Secrets: in Azure only as Key Vault references. */
export const secretSettings = ['SHOPIFY_WEBHOOK_SECRET', 'SHOPWARE_WEBHOOK_SECRET', 'UNSUBSCRIBE_SECRET', 'NOTIFICATION_HUBS_CONNECTION', 'WEBHOOK_SECRET'];

/**
 * A setting of an optional feature: `<condition> ? <value> : ''` in Bicep. Off (empty) unless the deployment
 * switches the feature on; a secret's value is then the Key Vault reference.
 */
const optionalValue = /^(.+?)\s\?\s(.+)\s:\s''$/s;

/** Plain settings with a code default, and the main.bicep parameter that sets them. */
export const defaultedSettings: { setting: string; field: keyof SettingsView; param: string }[] = [
  { setting: 'COSMOS_DATABASE', field: 'cosmosDatabase', param: 'cosmosDatabaseName' },
  { setting: 'SNAPSHOT_CONTAINER', field: 'snapshotContainer', param: 'snapshotContainerName' },
  { setting: 'SEGMENTS_SCHEDULE', field: 'segmentsSchedule', param: 'segmentsSchedule' },
  { setting: 'RETAILER_TIME_ZONE', field: 'retailerTimeZone', param: 'retailerTimeZone' },
];

/** A connection setting `<CONN>__<property>` belongs to the connection-string setting `<CONN>`. */
function connectionOf(setting: string): string | undefined {
  const index = setting.indexOf('__');
  if (index <= 0) return undefined;
  const base = setting.slice(0, index);
  return Object.hasOwn(connectionStringSettings, base) ? base : undefined;
}

/** Settings winback's code reads that must be app settings in Azure. */
export function azureSettings(code: CodeSide): string[] {
  return Object.values(code.settingNames).filter(
    (name) => !Object.hasOwn(connectionStringSettings, name) && !Object.hasOwn(localOnlySettings, name),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Locating things in the Bicep
// ---------------------------------------------------------------------------------------------------------

function findVar(infra: InfraSide, name: string): { file: string; value: BicepValue } | undefined {
  const found = Object.entries(infra.files)
    .map(([file, text]) => ({ file, value: readVar(text, name) }))
    .filter((f): f is { file: string; value: BicepValue } => f.value !== undefined);
  if (found.length > 1) throw new Error(`var ${name} is declared in ${found.map((f) => f.file).join(', ')}`);
  return found[0];
}

function declarations(infra: InfraSide): (Declaration & { file: string })[] {
  return Object.entries(infra.files).flatMap(([file, text]) => readDeclarations(text).map((d) => ({ ...d, file })));
}

function resourcesOfType(infra: InfraSide, type: string): (Declaration & { file: string })[] {
  return declarations(infra).filter((d) => d.keyword === 'resource' && !d.existing && d.type.toLowerCase() === type.toLowerCase());
}

/** Source-like text of a value: expressions as written, literals as JSON, arrays as `[a, b]`. */
function render(value: BicepValue | undefined): string {
  if (value instanceof Expr) return value.text;
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`;
  return JSON.stringify(value);
}

function str(value: BicepValue | undefined): string {
  if (value instanceof Expr) return `expression ${value.text}`;
  return JSON.stringify(value);
}

/** ISO 8601 duration (PnDTnHnMnS, as Service Bus takes them) in seconds; NaN when malformed. */
export function isoDurationSeconds(duration: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (!m || duration === 'P' || duration.endsWith('T')) return Number.NaN;
  const [, d = '0', h = '0', min = '0', s = '0'] = m;
  return Number(d) * 86400 + Number(h) * 3600 + Number(min) * 60 + Number(s);
}

/**
 * The mirrored list `var <name> = [...]` and the looped resource that consumes it. Returns problems when the
 * list is missing, is not a literal array of objects, or when resources of `type` exist outside that loop
 * (which would declare something the list — and so the code — does not know).
 */
function mirroredList(
  infra: InfraSide,
  varName: string,
  type: string,
  problems: string[],
): { entries: BicepObject[]; resource?: Declaration } {
  const found = findVar(infra, varName);
  if (!found) {
    problems.push(`infra: no \`var ${varName} = [...]\` found in any .bicep file`);
    return { entries: [] };
  }
  if (!Array.isArray(found.value) || !found.value.every(isObject)) {
    problems.push(`${found.file}: var ${varName} must be a literal array of objects, got ${str(found.value)}`);
    return { entries: [] };
  }
  // Uniform entries: the loop body reads every key of every entry, which only type-checks if all have them.
  const keys = (o: BicepObject) => Object.keys(o).sort().join(', ');
  const first = found.value[0];
  for (const entry of found.value as BicepObject[]) {
    if (first !== undefined && keys(entry) !== keys(first as BicepObject)) {
      problems.push(`${found.file}: ${varName} entry ${str(entry['name'])} has keys [${keys(entry)}], expected [${keys(first as BicepObject)}]`);
    }
  }
  const resources = resourcesOfType(infra, type);
  const looped = resources.filter((r) => r.loop?.source === varName);
  for (const r of resources.filter((r) => r.loop?.source !== varName)) {
    problems.push(`${r.file}: resource ${r.symbol} (${type}) is declared outside the loop over ${varName}`);
  }
  if (looped.length !== 1) problems.push(`infra: expected exactly one ${type} resource looping over ${varName}, found ${looped.length}`);
  return { entries: found.value as BicepObject[], resource: looped[0] };
}

function expectLoopProperty(resource: Declaration | undefined, path: string[], pattern: RegExp, problems: string[], what: string) {
  if (!resource?.loop) return;
  const value = get(resource.body, ...path);
  const item = new RegExp(`\\b${resource.loop.item}\\.`, 'g');
  if (!pattern.test(render(value).replace(item, 'ITEM.'))) {
    problems.push(`resource ${resource.symbol}: ${path.join('.')} should take ${what} from the list entry, got ${str(value)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------------------

export function checkContainers(code: CodeSide, infra: InfraSide): string[] {
  const problems: string[] = [];
  const { entries, resource } = mirroredList(infra, 'cosmosContainers', 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers', problems);
  const declared = new Map<string, BicepObject>();
  for (const entry of entries) {
    const name = entry['name'];
    if (typeof name !== 'string') problems.push(`cosmosContainers: entry without a literal name: ${str(name)}`);
    else if (declared.has(name)) problems.push(`cosmosContainers: ${name} is declared twice`);
    else declared.set(name, entry);
  }
  for (const spec of Object.values(code.containers)) {
    const entry = declared.get(spec.name);
    if (!entry) {
      problems.push(`container ${spec.name} (shared/resources.ts) is not declared in Bicep cosmosContainers`);
      continue;
    }
    if (entry['partitionKey'] !== spec.partitionKey) {
      problems.push(`container ${spec.name}: partition key ${spec.partitionKey} in code, ${str(entry['partitionKey'])} in Bicep`);
    }
    const ttl = entry['defaultTtl'] ?? undefined;
    if (ttl !== spec.defaultTtl) {
      problems.push(`container ${spec.name}: defaultTtl ${spec.defaultTtl ?? '(off)'} in code, ${ttl === undefined ? '(off)' : str(ttl)} in Bicep`);
    }
  }
  const known = new Set(Object.values(code.containers).map((c) => c.name));
  for (const name of declared.keys()) {
    if (!known.has(name)) problems.push(`container ${name} is declared in Bicep but not in shared/resources.ts containers`);
  }
  expectLoopProperty(resource, ['name'], /^ITEM\.name$/, problems, 'the name');
  expectLoopProperty(resource, ['properties', 'resource', 'id'], /^ITEM\.name$/, problems, 'the id');
  expectLoopProperty(resource, ['properties', 'resource', 'partitionKey', 'paths'], /^\[ITEM\.partitionKey\]$/, problems, 'the partition key');
  expectLoopProperty(resource, ['properties', 'resource', 'defaultTtl'], /^ITEM\.\??defaultTtl$/, problems, 'defaultTtl');
  const indexing = resource ? get(resource.body, 'properties', 'resource', 'indexingPolicy') : undefined;
  if (resource && !isObject(indexing)) problems.push(`resource ${resource.symbol}: no indexingPolicy`);
  return problems;
}

export function checkQueues(code: CodeSide, infra: InfraSide): string[] {
  const problems: string[] = [];
  const { entries, resource } = mirroredList(infra, 'serviceBusQueues', 'Microsoft.ServiceBus/namespaces/queues', problems);
  const declared = new Map<string, BicepObject>();
  for (const entry of entries) {
    const name = entry['name'];
    if (typeof name !== 'string') problems.push(`serviceBusQueues: entry without a literal name: ${str(name)}`);
    else if (declared.has(name)) problems.push(`serviceBusQueues: ${name} is declared twice`);
    else declared.set(name, entry);
  }
  for (const spec of Object.values(code.queues)) {
    const entry = declared.get(spec.name);
    if (!entry) {
      problems.push(`queue ${spec.name} (shared/resources.ts) is not declared in Bicep serviceBusQueues`);
      continue;
    }
    if (entry['maxDeliveryCount'] !== spec.maxDeliveryCount) {
      problems.push(`queue ${spec.name}: maxDeliveryCount ${spec.maxDeliveryCount} in code, ${str(entry['maxDeliveryCount'])} in Bicep`);
    }
    const lock = entry['lockDuration'];
    const lockSeconds = typeof lock === 'string' ? isoDurationSeconds(lock) : Number.NaN;
    if (lockSeconds !== spec.lockDurationSeconds) {
      problems.push(`queue ${spec.name}: lock duration ${spec.lockDurationSeconds}s in code, ${str(lock)} in Bicep`);
    }
    if (spec.lockDurationSeconds > 300) problems.push(`queue ${spec.name}: Service Bus allows a lock of at most 5 minutes`);
    if (entry['requiresDuplicateDetection'] !== spec.duplicateDetection) {
      problems.push(`queue ${spec.name}: duplicate detection ${spec.duplicateDetection} in code, ${str(entry['requiresDuplicateDetection'])} in Bicep`);
    }
  }
  const known = new Set(Object.values(code.queues).map((q) => q.name));
  for (const name of declared.keys()) {
    if (!known.has(name)) problems.push(`queue ${name} is declared in Bicep but not in shared/resources.ts queues`);
  }
  expectLoopProperty(resource, ['name'], /^ITEM\.name$/, problems, 'the name');
  expectLoopProperty(resource, ['properties', 'maxDeliveryCount'], /^ITEM\.maxDeliveryCount$/, problems, 'maxDeliveryCount');
  expectLoopProperty(resource, ['properties', 'lockDuration'], /^ITEM\.lockDuration$/, problems, 'lockDuration');
  expectLoopProperty(resource, ['properties', 'requiresDuplicateDetection'], /^ITEM\.requiresDuplicateDetection$/, problems, 'requiresDuplicateDetection');
  expectLoopProperty(resource, ['properties', 'duplicateDetectionHistoryTimeWindow'], /^ITEM\.requiresDuplicateDetection \?/, problems, 'the window when detection is on');
  if (resource && get(resource.body, 'properties', 'deadLetteringOnMessageExpiration') !== true) {
    problems.push(`resource ${resource.symbol}: deadLetteringOnMessageExpiration must be true`);
  }
  return problems;
}

/** The app settings object the function app gets: `var appSettings = {...}`, used by a sites/config resource. */
export function bicepAppSettings(infra: InfraSide, problems: string[]): BicepObject {
  const found = findVar(infra, 'appSettings');
  if (!found || !isObject(found.value)) {
    problems.push('infra: no `var appSettings = { ... }` object literal found');
    return {};
  }
  const config = resourcesOfType(infra, 'Microsoft.Web/sites/config').filter((r) => r.file === found.file);
  const usesIt = config.some((r) => r.body['name'] === 'appsettings' && get(r.body, 'properties') instanceof Expr && (get(r.body, 'properties') as Expr).text === 'appSettings');
  if (!usesIt) problems.push(`${found.file}: no Microsoft.Web/sites/config 'appsettings' resource with properties: appSettings`);
  const inline = declarations(infra).filter((d) => d.type === 'Microsoft.Web/sites' && get(d.body, 'properties', 'siteConfig', 'appSettings') !== undefined);
  for (const d of inline) problems.push(`${d.file}: resource ${d.symbol} sets siteConfig.appSettings; keep every setting in var appSettings`);
  return found.value;
}

export function checkSettings(code: CodeSide, infra: InfraSide): string[] {
  const problems: string[] = [];
  const settings = bicepAppSettings(infra, problems);
  const required = azureSettings(code);
  const codeNames = new Set(Object.values(code.settingNames));

  for (const name of required) {
    if (!Object.hasOwn(settings, name)) problems.push(`setting ${name} (shared/settings.ts) is not set in Bicep appSettings`);
  }
  for (const [name, value] of Object.entries(settings)) {
    if (Object.hasOwn(connectionStringSettings, name)) {
      problems.push(`Bicep sets ${name}: ${connectionStringSettings[name]}`);
    } else if (Object.hasOwn(localOnlySettings, name)) {
      problems.push(`Bicep sets ${name}, which is local only: ${localOnlySettings[name]}`);
    } else if (!codeNames.has(name) && !Object.hasOwn(hostSettings, name)) {
      problems.push(`Bicep sets ${name}, which neither the code (settingNames) nor the host (hostSettings) reads`);
    }
    if (name.endsWith('__credential') && value !== 'managedidentity') {
      problems.push(`${name} must be 'managedidentity', got ${str(value)}`);
    }
    if (name.endsWith('__clientId') && !(value instanceof Expr)) {
      problems.push(`${name} must be the identity's client id (an expression), got ${str(value)}`);
    }
  }
  for (const name of secretSettings) {
    const value = settings[name];
    const optional = value instanceof Expr ? optionalValue.exec(value.text)?.[2] : undefined;
    const reference = optional !== undefined ? optional.replace(/^'|'$/g, '') : value;
    if (value !== undefined && !(typeof reference === 'string' && /^@Microsoft\.KeyVault\((SecretUri=|VaultName=)/.test(reference))) {
      problems.push(`${name} must be a Key Vault reference, got ${str(value)}`);
    }
  }
  // Each identity-based connection the code reads needs its __credential for the Functions extensions.
  for (const conn of Object.keys(connectionStringSettings)) {
    const used = Object.keys(settings).some((n) => n.startsWith(`${conn}__`) && !n.endsWith('__credential'));
    if (used && settings[`${conn}__credential`] === undefined) problems.push(`${conn}__credential is missing in Bicep appSettings`);
  }

  const local = new Set(code.localSettingsExample);
  for (const name of required) {
    const conn = connectionOf(name);
    if (!local.has(name) && !(conn !== undefined && local.has(conn))) {
      problems.push(
        `setting ${name} is missing from local.settings.example.json` + (conn ? ` (neither it nor ${conn} is there)` : ''),
      );
    }
  }
  for (const name of local) {
    if (!codeNames.has(name) && !Object.hasOwn(localOnlySettings, name) && !Object.hasOwn(hostSettings, name)) {
      problems.push(`local.settings.example.json has ${name}, which nothing reads`);
    }
  }
  return problems;
}

/** Every stale entry in the exemption lists is a problem too: they must describe what the code does today. */
export function checkExemptions(code: CodeSide): string[] {
  const problems: string[] = [];
  const codeNames = new Set(Object.values(code.settingNames));
  for (const name of Object.keys(connectionStringSettings)) {
    if (!codeNames.has(name)) problems.push(`connectionStringSettings lists ${name}, which settingNames does not have`);
  }
  for (const name of codeNames) {
    if (connectionOf(name) === undefined && name.includes('__')) {
      problems.push(`${name} looks like an identity-based connection setting; add ${name.split('__')[0]} to connectionStringSettings`);
    }
    const hasIdentityForm = [...codeNames].some((other) => other.startsWith(`${name}__`));
    if (hasIdentityForm && !Object.hasOwn(connectionStringSettings, name)) {
      problems.push(`${name} has identity-based forms (${name}__...) but is not listed in connectionStringSettings`);
    }
  }
  return problems;
}

const envReads: RegExp[] = [
  /\bprocess\.env\.([A-Za-z_][A-Za-z0-9_]*)/g,
  /\b(?:process\.)?env\[\s*['"`]([^'"`]+)['"`]\s*\]/g,
  /\benv\.([A-Z][A-Za-z0-9_]*)\b/g,
];

/** Names the code reads from the environment literally (not through settingNames). */
export function environmentReads(sources: Record<string, string>): { name: string; file: string }[] {
  const reads = new Map<string, { name: string; file: string }>();
  for (const [file, text] of Object.entries(sources)) {
    for (const re of envReads) for (const m of text.matchAll(re)) reads.set(`${file}\0${m[1]}`, { name: m[1]!, file });
  }
  return [...reads.values()];
}

export function checkEnvironmentReads(code: CodeSide, infra: InfraSide): string[] {
  const problems: string[] = [];
  const codeNames = new Set(Object.values(code.settingNames));
  const settingKeys = new Set(Object.keys(code.settingNames));
  const deployed = new Set(Object.keys(bicepAppSettings(infra, [])));
  for (const { name, file } of environmentReads(code.sources)) {
    const known =
      codeNames.has(name) ||
      Object.hasOwn(localOnlySettings, name) ||
      platformSettingPattern.test(name) ||
      (Object.hasOwn(hostSettings, name) && deployed.has(name));
    if (!known) {
      problems.push(`${file} reads ${name}: add it to settingNames (and Bicep), or to localOnlySettings with a reason`);
    }
  }
  for (const [file, text] of Object.entries(code.sources)) {
    for (const m of text.matchAll(/\bsettingNames\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
      if (!settingKeys.has(m[1]!)) problems.push(`${file} uses settingNames.${m[1]}, which does not exist`);
    }
  }
  return problems;
}

/** A value the Functions platform would put into the app setting, for feeding Bicep's settings to settings.ts. */
function sampleValue(name: string, value: BicepValue, infra: InfraSide): string | undefined {
  // Optional features deploy switched off by default.
  if (value instanceof Expr && optionalValue.test(value.text)) return '';
  if (secretSettings.includes(name)) return 'resolved-key-vault-secret-0123456789';
  if (typeof value === 'string' && !value.includes('${')) return value;
  if (name.endsWith('__accountEndpoint')) return 'https://cosno-example.documents.azure.com:443/';
  if (name.endsWith('__fullyQualifiedNamespace')) return 'sb-example.servicebus.windows.net';
  if (name.endsWith('ServiceUri')) return `https://stexample.${name.split('__')[1]!.replace('ServiceUri', '')}.core.windows.net/`;
  if (name.endsWith('__clientId')) return '00000000-0000-0000-0000-0000000000c1';
  if (name === 'PUBLIC_BASE_URL') return 'https://func-example.azurewebsites.net';
  const fromParam = paramSample(value, infra);
  if (fromParam !== undefined) return fromParam;
  const defaulted = defaultedSettings.find((d) => d.setting === name);
  if (defaulted) {
    const param = mainParam(infra, defaulted.param);
    if (typeof param === 'string') return param;
  }
  return undefined;
}

/**
 * A setting taken from a parameter of the file that declares appSettings (`param`, `string(param)`,
 * `param ? 'a' : 'b'`): its value when the parameter keeps its default.
 */
function paramSample(value: BicepValue, infra: InfraSide): string | undefined {
  if (!(value instanceof Expr)) return undefined;
  const file = findVar(infra, 'appSettings')?.file;
  const source = file === undefined ? undefined : infra.files[file];
  if (source === undefined) return undefined;
  const fallback = (param: string) => readParam(source, param).default;
  const bare = /^(?:string\()?([A-Za-z_]\w*)\)?$/.exec(value.text);
  if (bare) {
    const d = fallback(bare[1]!);
    return typeof d === 'string' || typeof d === 'number' || typeof d === 'boolean' ? String(d) : undefined;
  }
  const choice = /^([A-Za-z_]\w*) \? '([^']*)' : '([^']*)'$/.exec(value.text);
  if (choice) {
    const d = fallback(choice[1]!);
    return typeof d === 'boolean' ? (d ? choice[2] : choice[3]) : undefined;
  }
  return undefined;
}

function mainParam(infra: InfraSide, name: string): BicepValue | undefined {
  const main = infra.files['infra/main.bicep'];
  return main === undefined ? undefined : readParam(main, name).default;
}

/** What Azure gets is enough for settings.ts to start, on identity connections, with the same defaults. */
export function checkSettingsLoad(code: CodeSide, infra: InfraSide): string[] {
  const problems: string[] = [];
  const settings = bicepAppSettings(infra, problems);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    const sample = sampleValue(name, value, infra);
    if (sample !== undefined) env[name] = sample;
    else if (codeNames(code).has(name)) problems.push(`no sample value for ${name} (${str(value)}); extend sampleValue in agreement.ts`);
  }
  try {
    const loaded = code.loadSettings(env);
    for (const [what, kind] of [
      ['Cosmos DB', loaded.cosmos.kind],
      ['Service Bus', loaded.serviceBus.kind],
      ['host storage', loaded.storage.kind],
    ] as const) {
      if (kind !== 'identity') problems.push(`with the Bicep app settings, ${what} connects by ${kind}, not managed identity`);
    }
  } catch (error) {
    problems.push(`settings.ts rejects the Bicep app settings: ${(error as Error).message}`);
  }
  // Defaults: deploying with no parameter overrides behaves like running locally with the setting unset.
  const minimal = Object.fromEntries(Object.entries(env).filter(([name]) => !defaultedSettings.some((d) => d.setting === name)));
  let defaults: SettingsView | undefined;
  try {
    defaults = code.loadSettings(minimal);
  } catch (error) {
    problems.push(`settings.ts rejects the Bicep connection settings alone: ${(error as Error).message}`);
  }
  for (const { setting, field, param } of defaultedSettings) {
    const declared = mainParam(infra, param);
    if (declared === undefined) problems.push(`infra/main.bicep: param ${param} (for ${setting}) has no default`);
    else if (defaults && declared !== defaults[field]) {
      problems.push(`${setting}: code default ${JSON.stringify(defaults[field])}, main.bicep param ${param} default ${str(declared)}`);
    }
  }
  return problems;
}

function codeNames(code: CodeSide): Set<string> {
  return new Set(Object.values(code.settingNames));
}

// ---------------------------------------------------------------------------------------------------------
// Identity only
// ---------------------------------------------------------------------------------------------------------

const forbiddenText: [RegExp, string][] = [
  [/listKeys\s*\(/i, 'listKeys('],
  [/listConnectionStrings\s*\(/i, 'listConnectionStrings('],
  [/listAccountSas\s*\(|listServiceSas\s*\(/i, 'a SAS from listAccountSas/listServiceSas'],
  [/AccountKey=/i, 'AccountKey='],
  [/SharedAccessKey/i, 'SharedAccessKey'],
  [/primaryMasterKey|primaryKey\b|primaryConnectionString/i, 'a key property'],
  [/InstrumentationKey=/i, 'InstrumentationKey='],
];

function singleResource(infra: InfraSide, type: string, problems: string[]): Declaration | undefined {
  const found = resourcesOfType(infra, type);
  if (found.length !== 1) problems.push(`expected one ${type} resource, found ${found.length}`);
  return found[0];
}

export function checkIdentityOnly(infra: InfraSide): string[] {
  const problems: string[] = [];
  for (const [file, text] of Object.entries(infra.files)) {
    const withoutComments = stripComments(text);
    for (const [re, what] of forbiddenText) if (re.test(withoutComments)) problems.push(`${file} uses ${what}`);
  }
  const expectProperty = (type: string, path: string[], expected: BicepValue) => {
    const resource = singleResource(infra, type, problems);
    if (!resource) return;
    const actual = get(resource.body, ...path);
    if (actual !== expected) problems.push(`${type}: ${path.join('.')} must be ${JSON.stringify(expected)}, got ${str(actual)}`);
  };
  expectProperty('Microsoft.DocumentDB/databaseAccounts', ['properties', 'disableLocalAuth'], true);
  expectProperty('Microsoft.ServiceBus/namespaces', ['properties', 'disableLocalAuth'], true);
  expectProperty('Microsoft.Storage/storageAccounts', ['properties', 'allowSharedKeyAccess'], false);
  expectProperty('Microsoft.Storage/storageAccounts', ['properties', 'allowBlobPublicAccess'], false);
  expectProperty('Microsoft.KeyVault/vaults', ['properties', 'enableRbacAuthorization'], true);

  const insights = declarations(infra).filter((d) => d.type.startsWith('br/public:avm/res/insights/component:') || d.type === 'Microsoft.Insights/components');
  if (insights.filter((d) => !d.existing).length !== 1) problems.push(`expected one Application Insights component, found ${insights.length}`);
  for (const d of insights.filter((d) => !d.existing)) {
    const flag = d.keyword === 'module' ? get(d.body, 'params', 'disableLocalAuth') : get(d.body, 'properties', 'DisableLocalAuth');
    if (flag !== true) problems.push(`Application Insights ${d.symbol}: local auth must be disabled, got ${str(flag)}`);
  }

  const site = singleResource(infra, 'Microsoft.Web/sites', problems);
  if (site) {
    const runtime = get(site.body, 'properties', 'functionAppConfig', 'runtime');
    if (get(runtime, 'name') !== 'node' || get(runtime, 'version') !== '22') problems.push(`function app runtime must be node 22, got ${str(runtime)}`);
    if (get(site.body, 'identity', 'type') !== 'UserAssigned') problems.push('function app must run as the user-assigned identity');
    const auth = get(site.body, 'properties', 'functionAppConfig', 'deployment', 'storage', 'authentication', 'type');
    if (auth !== 'UserAssignedIdentity') problems.push(`deployment storage must authenticate with the identity, got ${str(auth)}`);
    if (!(get(site.body, 'properties', 'keyVaultReferenceIdentity') instanceof Expr)) {
      problems.push('function app must resolve Key Vault references with its user-assigned identity (keyVaultReferenceIdentity)');
    }
  }
  const plan = declarations(infra).find((d) => d.type.startsWith('br/public:avm/res/web/serverfarm:') || d.type === 'Microsoft.Web/serverfarms');
  const sku = plan?.keyword === 'module' ? get(plan.body, 'params', 'sku', 'name') : get(plan?.body, 'sku', 'name');
  if (sku !== 'FC1') problems.push(`App Service plan must be Flex Consumption (FC1), got ${str(sku)}`);
  return problems;
}

/** Built-in roles by id, and what the app's identity must hold (no more, no less). */
export const expectedAppRoles: Record<string, string> = {
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  '090c5cfd-751d-490a-894a-3ce6f1109419': 'Azure Service Bus Data Owner',
  '4633458b-17de-408a-b874-0445c86b69e6': 'Key Vault Secrets User',
  '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
  // Only when Communication Services are deployed (infra/app/communication.bicep): send e-mail and SMS.
  '09976791-48a7-449e-bb21-39d1a415f350': 'Communication and Email Service Owner',
};
export const cosmosDataContributor = '00000000-0000-0000-0000-000000000002';

export function checkRoles(infra: InfraSide): string[] {
  const problems: string[] = [];
  const assignments = resourcesOfType(infra, 'Microsoft.Authorization/roleAssignments');
  const granted = new Map<string, number>();
  for (const a of assignments) {
    const principal = get(a.body, 'properties', 'principalId');
    if (!(principal instanceof Expr) || principal.text !== 'appPrincipalId') continue;
    const roleRef = get(a.body, 'properties', 'roleDefinitionId');
    const text = roleRef instanceof Expr ? roleRef.text : String(roleRef);
    const fileVars = infra.files[a.file] ?? '';
    // roleDefinitionId is subscriptionResourceId('...roleDefinitions', roles.<key>) or a literal GUID.
    const key = /roles\.([A-Za-z0-9_]+)/.exec(text)?.[1];
    const roles = readVar(fileVars, 'roles');
    const id = key !== undefined ? get(roles, key) : /[0-9a-f-]{36}/.exec(text)?.[0];
    if (typeof id !== 'string') {
      problems.push(`${a.file}: cannot tell which role ${a.symbol} grants (${text})`);
      continue;
    }
    granted.set(id, (granted.get(id) ?? 0) + 1);
  }
  for (const [id, name] of Object.entries(expectedAppRoles)) {
    if (granted.get(id) !== 1) problems.push(`the app identity must be granted ${name} once, found ${granted.get(id) ?? 0}`);
  }
  for (const id of granted.keys()) {
    if (!Object.hasOwn(expectedAppRoles, id)) problems.push(`the app identity is granted role ${id}, which is not on the list`);
  }
  const sqlAssignments = resourcesOfType(infra, 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments').filter((a) => {
    const p = get(a.body, 'properties', 'principalId');
    return p instanceof Expr && p.text === 'appPrincipalId';
  });
  if (sqlAssignments.length !== 1) problems.push(`expected one Cosmos SQL role assignment for the app, found ${sqlAssignments.length}`);
  for (const a of sqlAssignments) {
    const file = infra.files[a.file] ?? '';
    const roleId = readVar(file, 'dataContributorRoleId');
    if (roleId !== cosmosDataContributor) problems.push(`Cosmos role for the app must be Built-in Data Contributor, got ${str(roleId)}`);
  }
  return problems;
}

/** Everything parses: a layout the reader does not understand fails here, not silently elsewhere. */
export function checkParses(infra: InfraSide): string[] {
  const problems: string[] = [];
  for (const [file, text] of Object.entries(infra.files)) {
    try {
      readDeclarations(text);
      readVars(text);
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/**
 * The snapshot container's lifecycle rules (`var snapshotRules` in infra/app/storage.bicep, consumed by the
 * managementPolicies resource) against shared/resources.ts `snapshotFolders`: every path the code writes lies
 * in a declared folder; every expiring folder has exactly one delete rule, whose days are a parameter with a
 * default and a @minValue no smaller than the folder's `minDays`; kept folders have none; no rule names a
 * folder the code does not know. Print files live in their own container, with their own rule.
 */
export function checkBlobLifecycle(code: CodeSide, infra: InfraSide): string[] {
  const problems: string[] = [];
  const folders = Object.values(code.snapshotFolders);
  for (const { writer, path, container } of code.blobPaths) {
    if (container === 'print') {
      if (!path.startsWith('print/')) problems.push(`${writer} writes ${path} in the print container outside print/, which no rule expires`);
      continue;
    }
    if (!folders.some((f) => path.startsWith(f.prefix))) {
      problems.push(`${writer} writes ${path}, outside every folder in shared/resources.ts snapshotFolders: declare its folder (and its lifecycle rule)`);
    }
  }
  const sampled = new Set(code.blobPaths.map((p) => p.writer));
  for (const [file, text] of Object.entries(code.sources)) {
    if (/\bblobs\.put\(/.test(text) && !sampled.has(file)) {
      problems.push(`${file} writes blobs, but test/unit/infra/repo.ts samples none of its paths: add them so that their folder is checked`);
    }
  }

  const found = findVar(infra, 'snapshotRules');
  if (!found || !Array.isArray(found.value) || !found.value.every(isObject)) {
    problems.push(`infra: no \`var snapshotRules = [...]\` literal array of lifecycle rules found`);
    return problems;
  }
  const source = infra.files[found.file] ?? '';
  const policy = resourcesOfType(infra, 'Microsoft.Storage/storageAccounts/managementPolicies');
  if (policy.length !== 1) problems.push(`infra: expected one managementPolicies resource, found ${policy.length}`);
  else if (!/\bsnapshotRules\b/.test(render(get(policy[0]!.body, 'properties', 'policy', 'rules')))) {
    problems.push(`resource ${policy[0]!.symbol}: properties.policy.rules does not use snapshotRules`);
  }
  const rulesByPrefix = new Map<string, BicepObject[]>();
  for (const rule of found.value as BicepObject[]) {
    const match = get(rule, 'definition', 'filters', 'prefixMatch');
    const prefixes = Array.isArray(match) ? match : [];
    if (prefixes.length !== 1 || typeof prefixes[0] !== 'string' || !prefixes[0].startsWith('${snapshotContainerName}/')) {
      problems.push(`snapshotRules ${str(rule['name'])}: prefixMatch must be one '\${snapshotContainerName}/<folder>/', got ${str(match)}`);
      continue;
    }
    const folder = prefixes[0].slice('${snapshotContainerName}/'.length);
    rulesByPrefix.set(folder, [...(rulesByPrefix.get(folder) ?? []), rule]);
    if (!folders.some((f) => f.prefix === folder)) problems.push(`snapshotRules ${str(rule['name'])} expires ${folder}, which shared/resources.ts snapshotFolders does not declare`);
  }
  for (const folder of folders) {
    const rules = rulesByPrefix.get(folder.prefix) ?? [];
    if (!folder.expires) {
      if (rules.length > 0) problems.push(`${folder.prefix} is kept (snapshotFolders), but snapshotRules expires it`);
      continue;
    }
    if (rules.length !== 1) {
      problems.push(`${folder.prefix} expires (snapshotFolders): snapshotRules needs exactly one rule for it, found ${rules.length}`);
      continue;
    }
    const rule = rules[0]!;
    if (rule['enabled'] !== true) problems.push(`snapshotRules ${str(rule['name'])}: not enabled`);
    const types = get(rule, 'definition', 'filters', 'blobTypes');
    if (render(types) !== '["blockBlob"]') problems.push(`snapshotRules ${str(rule['name'])}: blobTypes should be ['blockBlob'] (what the code writes), got ${str(types)}`);
    const days = get(rule, 'definition', 'actions', 'baseBlob', 'delete', 'daysAfterModificationGreaterThan');
    if (!(days instanceof Expr) || !/^[A-Za-z_]\w*$/.test(days.text)) {
      problems.push(`snapshotRules ${str(rule['name'])}: the days should be a parameter, got ${str(days)}`);
      continue;
    }
    const param = readParam(source, days.text);
    const minValue = new RegExp(`@minValue\\((\\d+)\\)\\s*\\n(?:@[^\\n]*\\n)*param ${days.text}\\b`).exec(stripComments(source));
    const atLeast = folder.minDays ?? 1;
    if (!param.declared || typeof param.default !== 'number') {
      problems.push(`${found.file}: param ${days.text} (days of ${folder.prefix}) needs a whole-number default`);
    } else if (param.default < atLeast) {
      problems.push(`param ${days.text}: default ${param.default} days, but ${folder.prefix} must be kept at least ${atLeast} (snapshotFolders)`);
    }
    if (!minValue || Number(minValue[1]) < atLeast) {
      problems.push(`param ${days.text}: needs @minValue(${atLeast}) or more (${folder.prefix} must be kept at least ${atLeast} days), got ${minValue ? minValue[1] : 'none'}`);
    }
  }
  return problems;
}
