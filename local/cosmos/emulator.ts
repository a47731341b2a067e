import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CosmosClient, type IndexingPolicy, type UniqueKeyPolicy } from '@azure/cosmos';
import type { ContainerSpec } from '../../shared/resources.js';
import { emulatorKey, isLoopbackEndpoint, localCosmosClientOptions } from './client-options.js';
import { InProcessHttpClient, type HttpCall } from './in-process.js';
import { RequestCounter, type RequestCounts } from './request-counts.js';
import { snapshotFileName, type SnapshotCounts } from './snapshot.js';
import type { Recovery, StartFailure, WorkerMessage, WorkerRequest, WorkerStart } from './worker-protocol.js';

export type CosmosEmulatorErrorCode = 'port-in-use' | 'port-denied' | 'not-loopback' | 'data-in-use' | 'snapshot-unreadable' | 'journal-unreadable';

/** A startup failure with a message meant for the person at the terminal, not a stack trace. */
export class CosmosEmulatorError extends Error {
  override readonly name = 'CosmosEmulatorError';
  constructor(
    readonly code: CosmosEmulatorErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface CosmosEmulatorOptions {
  /** 0 picks a free port. */
  port: number;
  /** Loopback only: the emulator accepts any key and serves a self-signed certificate. Default 127.0.0.1. */
  host?: string;
  /**
   * Folder for the snapshot (`cosmos-snapshot.jsonl`), the journals written since (`cosmos-journal-<g>.log`)
   * and the lock (`cosmos.lock`); absent = memory only.
   */
  dataDir?: string;
  /** Start empty; the previous snapshot and journals are kept with the suffix `.previous`. */
  fresh?: boolean;
  /** Compact the journal into a new snapshot once it holds this many bytes, or the snapshot's size if that is more. Default 16 MiB. */
  compactAfterBytes?: number;
  /** Containers the request log counts by name (others count together as "(other)"). */
  requestLogContainers?: string[];
  /** Sees each request `httpClient` sends, on the caller's thread (the local host counts them by function). */
  observeCall?: (call: HttpCall) => void;
}

export interface CosmosEmulator {
  /** `https://127.0.0.1:<port>/` */
  readonly endpoint: string;
  readonly key: string;
  readonly port: number;
  /** Where the snapshot is written, when a dataDir was given. */
  readonly snapshotFile: string | undefined;
  /** What the start found: snapshot plus replayed journal (zeros when fresh or nothing existed). */
  readonly restored: SnapshotCounts;
  /** What the start replayed from the journals after the snapshot. */
  readonly recovery: Recovery;
  /** Requests served since start, by container and kind (the emulator's request log). */
  requestCounts(): RequestCounts;
  /**
   * A transport for the Cosmos SDK in this process (CosmosClientOptions.httpClient) that hands requests to
   * the emulator's thread as messages: the same requests and answers as over `endpoint`, without a socket.
   */
  readonly httpClient: InProcessHttpClient;
  /** Compacts the journal into a new snapshot now (no-op without dataDir). */
  snapshot(): Promise<void>;
  /** Closes the server and all connections, then compacts if anything changed. Idempotent. */
  stop(): Promise<void>;
}

const defaultCompactAfterBytes = 16 << 20;

/**
 * Starts the emulator on its own worker thread (emulator-worker.ts), which owns the server and the account,
 * so its request processing runs beside the caller's event loop instead of on it. This thread keeps the
 * data-folder lock.
 *
 * Persistence: every answer the emulator gives waits until the mutations made so far are in its journal on
 * disk, so whatever was acknowledged survives any end of the process — SIGKILL included — and the machine
 * losing power. The next start restores the snapshot and replays the journal; a lock left behind by a
 * process that no longer runs is taken over. `stop()` compacts, so a clean start has nothing to replay.
 */
export async function startCosmosEmulator(options: CosmosEmulatorOptions): Promise<CosmosEmulator> {
  const host = options.host ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  if (!isLoopbackEndpoint(`https://${urlHost}/`)) {
    throw new CosmosEmulatorError(
      'not-loopback',
      `the Cosmos emulator listens on loopback only (it accepts any key), not on ${JSON.stringify(host)}`,
    );
  }

  const dataDir = options.dataDir === undefined ? undefined : path.resolve(options.dataDir);
  const snapshotFile = dataDir === undefined ? undefined : path.join(dataDir, snapshotFileName);
  let releaseLock: () => void = () => {};
  if (dataDir !== undefined) {
    await fsp.mkdir(dataDir, { recursive: true });
    releaseLock = await acquireLock(dataDir);
  }

  const requestLog = new RequestCounter(options.requestLogContainers ?? []);
  const start: WorkerStart = {
    port: options.port,
    host,
    dataDir,
    fresh: options.fresh ?? false,
    compactAfterBytes: options.compactAfterBytes ?? defaultCompactAfterBytes,
    requestLog: { containers: [...requestLog.names.slice(0, -2)], buffer: requestLog.buffer! },
  };
  let starting: Worker | undefined;
  let ready: Extract<WorkerMessage, { type: 'ready' }>;
  try {
    const worker = new Worker(workerScript(), { workerData: start });
    starting = worker;
    ready = await new Promise((resolve, reject) => {
      const onMessage = (message: WorkerMessage) => {
        if (message.type === 'ready') {
          done();
          resolve(message);
        } else if (message.type === 'start-failed') {
          done();
          reject(startError(message.failure, options.port, host, snapshotFile, dataDir));
        }
      };
      const onError = (error: Error) => {
        done();
        reject(error);
      };
      const onExit = (code: number) => {
        done();
        reject(new Error(`the Cosmos emulator worker exited (code ${code}) before it was ready`));
      };
      const done = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
    });
  } catch (error) {
    await starting?.terminate();
    releaseLock();
    throw error;
  }
  const worker = starting;

  // Replies to snapshot/stop requests, by id; all fail at once if the worker dies.
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let gone: Error | undefined;
  const request = (type: 'snapshot' | 'stop'): Promise<void> => {
    if (gone) return Promise.reject(gone);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ type, id } satisfies WorkerRequest);
    });
  };
  const httpClient = new InProcessHttpClient((calls) => worker.postMessage(calls satisfies WorkerRequest), options.observeCall);
  worker.on('message', (message: WorkerMessage) => {
    if (message.type === 'http-response') return httpClient.answer(message);
    if (message.type !== 'done') return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error === undefined) waiter?.resolve();
    else waiter?.reject(new Error(message.error));
  });
  let stopping: Promise<void> | undefined;
  const lost = (why: string) => {
    if (gone) return;
    gone = new Error(stopping ? 'the Cosmos emulator was stopped' : `the Cosmos emulator stopped unexpectedly: ${why}`);
    for (const waiter of pending.values()) waiter.reject(gone);
    pending.clear();
    httpClient.close(gone);
  };
  worker.on('error', (error) => {
    if (stopping) return;
    console.error(`cosmos emulator: ${error.stack ?? error.message} — it stopped; what it acknowledged is in its journal`);
    lost(error.message);
  });
  worker.on('exit', (code) => lost(`its worker exited with code ${code}`));

  // Nothing to save on process.exit() without stop(): the journal already holds every write.
  const onExit = () => releaseLock();
  process.on('exit', onExit);

  // Once stopping, the snapshot stop() writes is the last state there will be.
  const snapshot = (): Promise<void> => (snapshotFile === undefined ? Promise.resolve() : (stopping ?? request('snapshot')));

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      try {
        if (!gone) await request('stop');
      } finally {
        process.off('exit', onExit);
        await worker.terminate();
        releaseLock();
      }
    })();
    return stopping;
  };

  return {
    endpoint: `https://${urlHost}:${ready.port}/`,
    key: emulatorKey,
    port: ready.port,
    snapshotFile,
    restored: ready.restored,
    recovery: ready.recovery,
    snapshot,
    stop,
    requestCounts: () => requestLog.read(),
    httpClient,
  };
}

/** The worker's own modules, relative to this folder. */
export const workerModules = ['emulator-worker', 'mutations', 'snapshot', 'worker-protocol', 'request-counts', 'query-speed', 'in-process', '../journal'];

/**
 * The worker runs compiled JavaScript, beside this module in dist/. Run from the TypeScript sources (vitest),
 * node cannot start a .ts worker, so the compiled one from `npm run build` is used — and must be current.
 */
function workerScript(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./emulator-worker.js', import.meta.url);
  const compiled = new URL('../../dist/local/cosmos/', import.meta.url);
  const stale = workerModules.filter((name) => {
    const source = fs.statSync(new URL(`./${name}.ts`, import.meta.url)).mtimeMs;
    const built = fs.statSync(new URL(`./${name}.js`, compiled), { throwIfNoEntry: false })?.mtimeMs;
    return built === undefined || built < source;
  });
  if (stale.length) {
    throw new Error(
      `the Cosmos emulator worker runs compiled: ${stale.map((name) => `${name}.js`).join(', ')} in ${fileURLToPath(compiled)} is missing or older than its source — run npm run build`,
    );
  }
  return new URL('./emulator-worker.js', compiled);
}

function startError(failure: StartFailure, port: number, host: string, snapshotFile: string | undefined, dataDir: string | undefined): Error {
  switch (failure.kind) {
    case 'listen': {
      const error = Object.assign(new Error(failure.message), { code: failure.errno }) as NodeJS.ErrnoException;
      return listenError(error, port, host);
    }
    case 'snapshot-read':
      return new CosmosEmulatorError(
        'snapshot-unreadable',
        `cannot read the Cosmos snapshot ${snapshotFile}: ${failure.message} — move it away or start with --fresh`,
      );
    case 'snapshot-restore':
      return new CosmosEmulatorError(
        'snapshot-unreadable',
        `cannot restore the Cosmos snapshot ${snapshotFile}: ${failure.message} — move it away or start with --fresh`,
      );
    case 'journal-read':
      return new CosmosEmulatorError(
        'journal-unreadable',
        `cannot read the Cosmos journal in ${dataDir}: ${failure.message} — move the cosmos-journal-*.log files away (losing what they hold) or start with --fresh`,
      );
    case 'journal-replay':
      return new CosmosEmulatorError(
        'journal-unreadable',
        `cannot replay the Cosmos journal in ${dataDir} onto its snapshot: ${failure.message} — move the cosmos-journal-*.log files away (losing what they hold) or start with --fresh`,
      );
    case 'internal':
      return new Error(failure.message);
  }
}

function listenError(error: NodeJS.ErrnoException, port: number, host: string): Error {
  switch (error.code) {
    case 'EADDRINUSE':
      return new CosmosEmulatorError(
        'port-in-use',
        `port ${port} is already in use — is another winback running? use --cosmos-port`,
      );
    case 'EACCES':
      return new CosmosEmulatorError('port-denied', `not allowed to listen on ${host}:${port} — use --cosmos-port`);
    default:
      return error;
  }
}

/**
 * One emulator per data folder: two would overwrite each other's snapshot and journal. A lock left by a process that
 * no longer runs is taken over.
 */
async function acquireLock(dataDir: string): Promise<() => void> {
  const lockFile = path.join(dataDir, 'cosmos.lock');
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      await fsp.writeFile(lockFile, String(process.pid), { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (fs.readFileSync(lockFile, 'utf8').trim() === String(process.pid)) fs.unlinkSync(lockFile);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await fsp.readFile(lockFile, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
      const who = holder === process.pid ? 'this process' : `process ${holder}`;
      throw new CosmosEmulatorError(
        'data-in-use',
        `the Cosmos data in ${dataDir} is in use by another winback (${who}) — stop it first or use another data folder (if none runs, delete ${lockFile})`,
      );
    }
    await fsp.rm(lockFile, { force: true });
  }
  throw new CosmosEmulatorError('data-in-use', `cannot lock ${lockFile}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface EnsureContainer extends ContainerSpec {
  indexingPolicy?: IndexingPolicy;
  uniqueKeyPolicy?: UniqueKeyPolicy;
}

export interface EnsureDatabaseOptions {
  endpoint: string;
  key: string;
  databaseId: string;
  /** e.g. `containers` from shared/resources.ts */
  containers: Readonly<Record<string, EnsureContainer>> | readonly EnsureContainer[];
}

export interface EnsureDatabaseResult {
  databaseCreated: boolean;
  containers: { name: string; created: boolean }[];
}

/**
 * Creates the database and containers the app needs on a local emulator, through the real SDK; existing
 * ones are left as they are. A container that exists with another partition key cannot be used (Cosmos
 * cannot change it in place), so that fails with a message instead of surfacing later as odd 400s.
 */
export async function ensureDatabase(options: EnsureDatabaseOptions): Promise<EnsureDatabaseResult> {
  const specs = Array.isArray(options.containers)
    ? (options.containers as readonly EnsureContainer[])
    : Object.values(options.containers as Readonly<Record<string, EnsureContainer>>);
  const client = new CosmosClient(localCosmosClientOptions(options.endpoint, options.key));
  try {
    const db = await client.databases.createIfNotExists({ id: options.databaseId });
    const result: EnsureDatabaseResult = { databaseCreated: db.statusCode === 201, containers: [] };
    for (const spec of specs) {
      const response = await db.database.containers.createIfNotExists({
        id: spec.name,
        partitionKey: { paths: [spec.partitionKey] },
        ...(spec.defaultTtl !== undefined ? { defaultTtl: spec.defaultTtl } : {}),
        ...(spec.indexingPolicy ? { indexingPolicy: spec.indexingPolicy } : {}),
        ...(spec.uniqueKeyPolicy ? { uniqueKeyPolicy: spec.uniqueKeyPolicy } : {}),
      });
      const existingPaths = response.resource?.partitionKey?.paths ?? [];
      if (existingPaths[0] !== spec.partitionKey) {
        throw new Error(
          `container ${spec.name} exists with partition key ${existingPaths.join(',') || '(none)'} but winback needs ${spec.partitionKey} — start with --fresh to recreate it`,
        );
      }
      result.containers.push({ name: spec.name, created: response.statusCode === 201 });
    }
    return result;
  } finally {
    client.dispose();
  }
}
