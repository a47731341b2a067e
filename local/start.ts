/**
 * `npm start`: the function app on this machine with nothing else to install. Cosmos DB (emulator), Blob
 * (Azurite) and a Service Bus stand-in run embedded; the same function registrations run as under Core Tools.
 */
import './install-core.js';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { VirtualClock, systemClock, type Clock } from '../shared/clock.js';
import { containers, queues } from '../shared/resources.js';
import { configureRuntime, runtime } from '../shared/runtime.js';
import { triggerExample } from '../shared/http/openapi.js';
import { SettingsError, settingNames } from '../shared/settings.js';
import { defaultPrintSchedule } from '../shared/channels/channel-settings.js';
import { channelAdapters, describeChannels } from '../shared/channels/registry.js';
import { AzuriteError, startAzurite } from './azurite.js';
import { applyLocalChannelDefaults } from './channels.js';
import { inProcessCosmosClientOptions } from './cosmos/client-options.js';
import { CosmosEmulatorError, ensureDatabase, startCosmosEmulator } from './cosmos/emulator.js';
import { RequestsByFunction } from './cosmos/request-counts.js';
import { currentFunction } from './invocation-scope.js';
import { installFunctionsCore, registry } from './functions-core.js';
import { LocalHost, PortInUseError } from './host.js';
import { LocalServiceBus } from './service-bus/transport.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const usage = `Usage: npm start -- [options]
  --port N             function host HTTP port (default 7071)
  --cosmos-port N      Cosmos DB emulator port (default 8081)
  --blob-port N        Azurite blob port (default 10000)
  --data-dir DIR       where local data lives (default .winback)
  --fresh              start with empty data
  --in-memory          keep Cosmos DB, Blob and Service Bus data in memory only (nothing survives a stop;
                       for simulations and throwaway runs — no journal, no fsync)
  --virtual-clock ISO  run on a virtual clock starting at ISO time (advance it via POST /admin/local/clock)
  --functions GLOB     load extra function modules (for tests), e.g. test/fixtures/functions/*.js
  --quiet              log less
  --ready-json         print one line "WINBACK_READY {json}" once listening (for scripts and tests)`;

export interface StartOptions {
  port: number;
  cosmosPort: number;
  blobPort: number;
  dataDir: string;
  fresh: boolean;
  inMemory: boolean;
  virtualClockStart?: Date;
  extraFunctions: string[];
  quiet: boolean;
  readyJson: boolean;
}

function parseOptions(argv: string[]): StartOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: process.env['PORT'] ?? '7071' },
      'cosmos-port': { type: 'string', default: '8081' },
      'blob-port': { type: 'string', default: '10000' },
      'data-dir': { type: 'string', default: '.winback' },
      fresh: { type: 'boolean', default: false },
      'in-memory': { type: 'boolean', default: false },
      'virtual-clock': { type: 'string' },
      functions: { type: 'string', multiple: true, default: [] },
      quiet: { type: 'boolean', default: false },
      'ready-json': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const port = (name: string, raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be a port number, got "${raw}"`);
    return n;
  };
  let virtualClockStart: Date | undefined;
  if (values['virtual-clock'] !== undefined) {
    virtualClockStart = new Date(values['virtual-clock']);
    if (Number.isNaN(virtualClockStart.getTime())) throw new UsageError('--virtual-clock needs an ISO time, e.g. 2026-11-01T00:00:00Z');
  }
  return {
    port: port('port', values.port),
    cosmosPort: port('cosmos-port', values['cosmos-port']),
    blobPort: port('blob-port', values['blob-port']),
    dataDir: path.resolve(values['data-dir']),
    fresh: values.fresh,
    inMemory: values['in-memory'],
    virtualClockStart,
    extraFunctions: values.functions,
    quiet: values.quiet,
    readyJson: values['ready-json'],
  };
}

class UsageError extends Error {}

/** Values from local.settings.json fill in what the environment leaves unset, as Core Tools does. */
function loadLocalSettings(): void {
  const file = path.join(projectRoot, 'local.settings.json');
  if (!existsSync(file)) return;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { Values?: Record<string, string> };
  for (const [key, value] of Object.entries(parsed.Values ?? {})) {
    if (process.env[key] === undefined && value !== '') process.env[key] = value;
  }
}

function expandGlob(pattern: string, base: string): string[] {
  const absolute = path.resolve(base, pattern);
  const dir = path.dirname(absolute);
  const filePattern = new RegExp(
    '^' + path.basename(absolute).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '.') + '$',
  );
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => filePattern.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

function acquireLock(dataDir: string): () => void {
  const lockFile = path.join(dataDir, 'host.lock');
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, 'utf8'));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch (error) {
      alive = (error as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (alive && pid !== process.pid) {
      throw new UsageError(`another winback host (pid ${pid}) is using ${dataDir}. Stop it, or use --data-dir for a second one.`);
    }
  }
  writeFileSync(lockFile, String(process.pid));
  return () => rmSync(lockFile, { force: true });
}

function functionKey(dataDir: string): { key: string; generated: boolean } {
  const configured = process.env['WINBACK_FUNCTION_KEY'];
  if (configured) return { key: configured, generated: false };
  const file = path.join(dataDir, 'function-key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), generated: true };
  const key = randomBytes(24).toString('base64url');
  writeFileSync(file, key, { mode: 0o600 });
  return { key, generated: true };
}

/**
 * Timers with their schedules resolved (`0 0 2 * * *`, not `%SEGMENTS_SCHEDULE%`) and queue functions with an
 * admin-API input that works: the example message the function documents (shared/http/openapi.ts
 * `documentTrigger`), or a note that the app itself feeds the queue.
 */
function describeTriggers(host: LocalHost): string[] {
  return host
    .functions()
    .filter((f) => f.trigger.type !== 'httpTrigger')
    .map((f) => {
      const runNow = `POST ${host.url}/admin/functions/${f.name}`;
      if (f.trigger.type === 'timerTrigger') {
        return `${f.name}: timer (schedule ${host.resolveSetting(String(f.trigger['schedule']))}, UTC) — run now: ${runNow} {"input": ""}`;
      }
      const queue = host.resolveSetting(String(f.trigger['queueName'] ?? ''));
      const example = triggerExample(f.name);
      if (example === undefined) return `${f.name}: ${f.trigger.type} (queue ${queue}) — fed by the app; run one message by hand: ${runNow} {"input": "<message JSON>"}`;
      return `${f.name}: ${f.trigger.type} (queue ${queue}) — run now: ${runNow} ${JSON.stringify({ input: JSON.stringify(example) })}`;
    });
}

export async function start(options: StartOptions) {
  const started = Date.now();
  const log = options.quiet ? () => undefined : (line: string) => console.log(line);
  mkdirSync(options.dataDir, { recursive: true });
  const releaseLock = acquireLock(options.dataDir);
  const cleanups: (() => Promise<void> | void)[] = [releaseLock];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        console.error(`while stopping: ${(error as Error).message}`);
      }
    }
  };
  try {
    loadLocalSettings();
    const virtualClock = options.virtualClockStart ? new VirtualClock(options.virtualClockStart) : undefined;
    const clock: Clock = virtualClock ?? systemClock;

    const requestsByFunction = new RequestsByFunction();
    const cosmos = await startCosmosEmulator({
      port: options.cosmosPort,
      ...(options.inMemory ? {} : { dataDir: path.join(options.dataDir, 'cosmos') }),
      fresh: options.fresh,
      requestLogContainers: Object.values(containers).map((c) => c.name),
      observeCall: (call) => requestsByFunction.add(currentFunction() ?? '(host)', { method: call.method, url: call.path, headers: call.headers }),
    });
    cleanups.push(() => cosmos.stop());
    if (cosmos.recovery.replayed > 0 || cosmos.recovery.torn > 0) {
      log(
        `Cosmos DB emulator: recovered ${cosmos.recovery.replayed} write(s) from its journal after an unclean stop` +
          (cosmos.recovery.torn > 0 ? `; dropped ${cosmos.recovery.torn} record(s) cut short by the crash (never acknowledged)` : ''),
      );
    }
    const databaseId = process.env[settingNames.cosmosDatabase] || 'winback';
    await ensureDatabase({ endpoint: cosmos.endpoint, key: cosmos.key, databaseId, containers });

    const blobDir = path.join(options.dataDir, 'azurite');
    if (options.fresh) rmSync(blobDir, { recursive: true, force: true });
    mkdirSync(blobDir, { recursive: true });
    const azurite = await startAzurite(options.inMemory ? { blobPort: options.blobPort, inMemory: true } : { blobPort: options.blobPort, location: blobDir });
    cleanups.push(() => azurite.stop());

    const busDir = path.join(options.dataDir, 'servicebus');
    if (options.fresh) rmSync(busDir, { recursive: true, force: true });
    const bus = new LocalServiceBus({ clock, ...(options.inMemory ? {} : { dir: busDir }), queues: Object.values(queues) });
    cleanups.push(() => bus.close());

    // The embedded services replace whatever connection local.settings.json names for them.
    process.env[settingNames.cosmosConnection] = `AccountEndpoint=${cosmos.endpoint};AccountKey=${cosmos.key};`;
    delete process.env[settingNames.cosmosEndpoint];
    process.env[settingNames.storageConnection] = azurite.connectionString;
    delete process.env[settingNames.storageBlobUri];
    delete process.env[settingNames.serviceBusConnection];
    delete process.env[settingNames.serviceBusNamespace];
    applyLocalChannelDefaults(options.dataDir, options.port);
    // The functions' SDK reaches the emulator without a socket (local/cosmos/in-process.ts).
    configureRuntime({ clock, bus, cosmosClientOptions: inProcessCosmosClientOptions(cosmos.endpoint, cosmos.httpClient) });
    const { settings } = runtime(); // validates every setting now, so a bad one stops startup with its name
    // Binding expressions such as %SEGMENTS_SCHEDULE% resolve from app settings; Bicep and
    // local.settings.example.json set them, and here their defaults stand in when the user set nothing.
    process.env[settingNames.segmentsSchedule] ??= settings.segmentsSchedule;
    process.env[settingNames.printSchedule] ??= settings.channels.mail?.schedule ?? defaultPrintSchedule;

    installFunctionsCore();
    const packageJson = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { main: string };
    const modules = [
      ...expandGlob(packageJson.main, projectRoot),
      ...options.extraFunctions.flatMap((pattern) => expandGlob(pattern, process.cwd())),
    ];
    for (const file of modules) await import(pathToFileURL(file).href);

    const key = functionKey(options.dataDir);
    const host = new LocalHost({
      registry,
      port: options.port,
      functionKey: key.key,
      clock,
      virtualClock,
      transport: bus,
      cosmosRequests: (by) => (by === 'function' ? requestsByFunction.read() : cosmos.requestCounts()),
      appSettings: process.env,
      log,
    });
    await host.start();
    cleanups.push(() => host.stop());

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`\nwinback local host ready in ${seconds}s — ${registry.functions.size} functions\n`);
    for (const line of host.describeEndpoints()) console.log(`  ${line}`);
    for (const line of describeTriggers(host)) console.log(`  ${line}`);
    console.log(`\n  Function key (x-functions-key or ?code=): ${key.key}${key.generated ? '  (generated; set WINBACK_FUNCTION_KEY to choose one)' : ''}`);
    console.log(`  Cosmos DB emulator: ${cosmos.endpoint}   Azurite blob: ${azurite.blobEndpoint}   Service Bus: local transport`);
    console.log(`  Clock: ${virtualClock ? `virtual, at ${clock.now().toISOString()}` : 'system'}`);
    console.log(`  Channels: ${describeChannels(channelAdapters({ settings, blobs: runtime().blobs })).join(' · ')}`);
    console.log(`  Data: ${options.inMemory ? 'in memory only (--in-memory): nothing is kept after a stop' : `${options.dataDir}${options.fresh ? ' (started fresh)' : ''}`}`);
    console.log(`  Press Ctrl-C to stop.\n`);
    if (options.readyJson) {
      console.log(
        `WINBACK_READY ${JSON.stringify({ url: host.url, functionKey: key.key, cosmosEndpoint: cosmos.endpoint, blobEndpoint: azurite.blobEndpoint, dataDir: options.dataDir })}`,
      );
    }
    return { host, stop, key: key.key, cosmos, azurite, bus };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function main() {
  let options: StartOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  let running: Awaited<ReturnType<typeof start>>;
  try {
    running = await start(options);
  } catch (error) {
    // Errors meant for the person at the terminal print their message alone; anything else is a bug: show its stack.
    const known = [SettingsError, UsageError, PortInUseError, CosmosEmulatorError, AzuriteError].some((type) => error instanceof type);
    console.error(`\nwinback could not start: ${(error as Error).message}`);
    if (!known || process.env['WINBACK_DEBUG']) console.error((error as Error).stack);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    running
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        console.error(error);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
