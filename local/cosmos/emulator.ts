import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { Server } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CosmosClient, type IndexingPolicy, type UniqueKeyPolicy } from '@azure/cosmos';
import type { ContainerSpec } from '../../shared/resources.js';
import { emulatorKey, isLoopbackEndpoint, localCosmosClientOptions } from './client-options.js';
import {
  captureSnapshot,
  readSnapshot,
  restoreSnapshot,
  snapshotFileName,
  writeSnapshot,
  writeSnapshotSync,
  type AccountInternal,
  type SnapshotCounts,
} from './snapshot.js';

const require = createRequire(import.meta.url);

export type CosmosEmulatorErrorCode = 'port-in-use' | 'port-denied' | 'not-loopback' | 'data-in-use' | 'snapshot-unreadable';

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
  /** Folder for the snapshot (`cosmos-snapshot.jsonl`) and lock (`cosmos.lock`); absent = memory only. */
  dataDir?: string;
  /** Start empty; the previous snapshot is kept as `cosmos-snapshot.jsonl.previous`. */
  fresh?: boolean;
  /** Also snapshot every N ms while something changed, so a crash loses at most that much. */
  snapshotIntervalMs?: number;
}

export interface CosmosEmulator {
  /** `https://127.0.0.1:<port>/` */
  readonly endpoint: string;
  readonly key: string;
  readonly port: number;
  /** Where the snapshot is written, when a dataDir was given. */
  readonly snapshotFile: string | undefined;
  /** What was restored at start (zeros when fresh or no snapshot existed). */
  readonly restored: SnapshotCounts;
  /** Writes a snapshot now (no-op without dataDir). */
  snapshot(): Promise<void>;
  /** Closes the server and all connections, then snapshots if anything changed. Idempotent. */
  stop(): Promise<void>;
}

type AccountConstructor = new (...args: any[]) => AccountInternal;

/**
 * The server keeps its account (all databases, containers and items) in a closure. Substituting a subclass
 * for the account class lets us find it again by the port it was created for, so snapshots read the
 * in-memory state directly and restores put resources back with their `_rid`, `_etag` and `_ts`.
 */
const accountsByPort = new Map<number, AccountInternal>();
let accountHookInstalled = false;

function installAccountHook(): void {
  if (accountHookInstalled) return;
  const accountModule = require('@vercel/cosmosdb-server/lib/account/index.js') as { default: AccountConstructor };
  const Base = accountModule.default;
  if (typeof Base !== 'function') {
    throw new Error('@vercel/cosmosdb-server changed its internals (lib/account); snapshots cannot work with this version');
  }
  accountModule.default = class CapturedAccount extends Base {
    constructor(...args: any[]) {
      super(...args);
      const port = args[1];
      if (typeof port === 'number') accountsByPort.set(port, this);
    }
  };
  accountHookInstalled = true;
}

const cosmosServer = require('@vercel/cosmosdb-server') as typeof import('@vercel/cosmosdb-server');

export async function startCosmosEmulator(options: CosmosEmulatorOptions): Promise<CosmosEmulator> {
  const host = options.host ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  if (!isLoopbackEndpoint(`https://${urlHost}/`)) {
    throw new CosmosEmulatorError(
      'not-loopback',
      `the Cosmos emulator listens on loopback only (it accepts any key), not on ${JSON.stringify(host)}`,
    );
  }
  installAccountHook();

  const dataDir = options.dataDir === undefined ? undefined : path.resolve(options.dataDir);
  const snapshotFile = dataDir === undefined ? undefined : path.join(dataDir, snapshotFileName);
  let releaseLock: () => void = () => {};
  let toRestore: Awaited<ReturnType<typeof readSnapshot>>;
  if (dataDir !== undefined && snapshotFile !== undefined) {
    await fsp.mkdir(dataDir, { recursive: true });
    releaseLock = await acquireLock(dataDir);
    try {
      if (options.fresh) {
        await fsp.rename(snapshotFile, `${snapshotFile}.previous`).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
      } else {
        toRestore = await readSnapshot(snapshotFile).catch((error: unknown) => {
          throw new CosmosEmulatorError(
            'snapshot-unreadable',
            `cannot read the Cosmos snapshot ${snapshotFile}: ${error instanceof Error ? error.message : String(error)} — move it away or start with --fresh`,
          );
        });
      }
    } catch (error) {
      releaseLock();
      throw error;
    }
  }

  const server: Server = cosmosServer.createHttpsServer({ keepAlive: true });
  let account: AccountInternal | undefined;
  let restored: SnapshotCounts = { databases: 0, containers: 0, items: 0 };
  let restoreError: unknown;
  server.on('listening', () => {
    // Runs right after the library's own 'listening' handler created the account, and before any request
    // can be served, so clients never see a half-restored state.
    const port = (server.address() as AddressInfo).port;
    account = accountsByPort.get(port);
    accountsByPort.delete(port);
    if (account && toRestore) {
      try {
        restored = restoreSnapshot(account, toRestore);
      } catch (error) {
        restoreError = error;
      }
    }
    toRestore = undefined;
  });

  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        server.off('listening', onListening);
        reject(listenError(error, options.port, host));
      };
      const onListening = () => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(options.port, host);
    });
  } catch (error) {
    releaseLock();
    throw error;
  }
  if (!account || restoreError !== undefined) {
    await closeServer(server);
    releaseLock();
    if (restoreError !== undefined) {
      throw new CosmosEmulatorError(
        'snapshot-unreadable',
        `cannot restore the Cosmos snapshot ${snapshotFile}: ${restoreError instanceof Error ? restoreError.message : String(restoreError)} — move it away or start with --fresh`,
      );
    }
    throw new Error('@vercel/cosmosdb-server did not create its account as expected; is its version still 1.0.1?');
  }
  const liveAccount = account;
  // An unhandled 'error' after startup would crash the host; a broken client connection is not worth that.
  server.on('error', (error) => console.error(`cosmos emulator: ${error.message}`));

  // Only writes mark the state dirty; queries are POSTs too but carry the isquery header.
  let dirty = false;
  server.on('request', (req: { method?: string; headers: Record<string, string | string[] | undefined> }) => {
    if (req.method === 'GET' || req.method === 'HEAD') return;
    if (String(req.headers['x-ms-documentdb-isquery'] ?? '').toLowerCase() === 'true') return;
    if (req.headers['x-ms-cosmos-is-query-plan-request'] !== undefined) return;
    dirty = true;
  });

  let snapshotChain: Promise<void> = Promise.resolve();
  const snapshot = (): Promise<void> => {
    if (snapshotFile === undefined) return Promise.resolve();
    const run = async () => {
      // Items are never mutated in place by the server (writes replace the object), so capturing the
      // references synchronously is a consistent point-in-time view even while writes continue.
      dirty = false;
      const captured = captureSnapshot(liveAccount);
      try {
        await writeSnapshot(snapshotFile, captured);
      } catch (error) {
        dirty = true;
        throw error;
      }
    };
    snapshotChain = snapshotChain.then(run, run);
    return snapshotChain;
  };

  const timer =
    options.snapshotIntervalMs !== undefined && snapshotFile !== undefined
      ? setInterval(() => {
          if (dirty) snapshot().catch((error: unknown) => console.error(`cosmos emulator: snapshot failed: ${String(error)}`));
        }, options.snapshotIntervalMs)
      : undefined;
  timer?.unref();

  // A crash or process.exit() without stop() must not lose what was written since the last snapshot.
  const onExit = () => {
    if (dirty && snapshotFile !== undefined) {
      try {
        writeSnapshotSync(snapshotFile, captureSnapshot(liveAccount));
      } catch (error) {
        console.error(`cosmos emulator: final snapshot failed: ${String(error)}`);
      }
    }
    releaseLock();
  };
  process.on('exit', onExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (timer) clearInterval(timer);
      await closeServer(server);
      try {
        await snapshotChain.catch(() => {});
        if (dirty) await snapshot();
      } finally {
        process.off('exit', onExit);
        releaseLock();
      }
    })();
    return stopping;
  };

  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `https://${urlHost}:${port}/`,
    key: emulatorKey,
    port,
    snapshotFile,
    restored,
    snapshot,
    stop,
  };
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

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // Keep-alive connections from SDK clients would otherwise hold close() open indefinitely.
    server.closeAllConnections();
  });
}

/**
 * One emulator per data folder: two would overwrite each other's snapshot. A lock left by a process that
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
