/**
 * The embedded Cosmos emulator's own thread: it owns the HTTPS server and the in-memory account, so the
 * emulator's request parsing, query evaluation and JSON work never block the function host's event loop.
 * Started by `startCosmosEmulator` (emulator.ts), which holds the data-folder lock and talks to it through
 * the messages in worker-protocol.ts.
 */
import fsp from 'node:fs/promises';
import type { Server } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  captureSnapshot,
  readSnapshot,
  restoreSnapshot,
  writeSnapshot,
  writeSnapshotSync,
  type AccountInternal,
  type AccountSnapshot,
  type SnapshotCounts,
} from './snapshot.js';
import { classifyRequest, RequestCounter, type RequestHead } from './request-counts.js';
import type { StartFailure, WorkerMessage, WorkerRequest, WorkerStart } from './worker-protocol.js';

if (isMainThread || !parentPort) throw new Error('emulator-worker.js runs as a worker thread of startCosmosEmulator');
const port = parentPort;
const options = workerData as WorkerStart;
const send = (message: WorkerMessage) => port.postMessage(message);
const require = createRequire(import.meta.url);

type AccountConstructor = new (...args: any[]) => AccountInternal;

/**
 * The server keeps its account (all databases, containers and items) in a closure. Substituting a subclass
 * for the account class lets us find it again, so snapshots read the in-memory state directly and restores
 * put resources back with their `_rid`, `_etag` and `_ts`. This thread runs exactly one server.
 */
let createdAccount: AccountInternal | undefined;
function installAccountHook(): void {
  const accountModule = require('@vercel/cosmosdb-server/lib/account/index.js') as { default: AccountConstructor };
  const Base = accountModule.default;
  if (typeof Base !== 'function') {
    throw new Error('@vercel/cosmosdb-server changed its internals (lib/account); snapshots cannot work with this version');
  }
  accountModule.default = class CapturedAccount extends Base {
    constructor(...args: any[]) {
      super(...args);
      createdAccount = this;
    }
  };
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function start(): Promise<void> {
  const { snapshotFile } = options;
  let toRestore: AccountSnapshot | undefined;
  if (snapshotFile !== undefined) {
    if (options.fresh) {
      await fsp.rename(snapshotFile, `${snapshotFile}.previous`).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    } else {
      try {
        toRestore = await readSnapshot(snapshotFile);
      } catch (error) {
        return fail({ kind: 'snapshot-read', message: message(error) });
      }
    }
  }

  installAccountHook();
  const cosmosServer = require('@vercel/cosmosdb-server') as typeof import('@vercel/cosmosdb-server');
  const server: Server = cosmosServer.createHttpsServer({ keepAlive: true });
  // The SDK's keep-alive agent keeps idle sockets without a timeout of its own; a server closing them after
  // Node's default 5 s races a request sent on the same socket, which then fails with ECONNRESET (writes are
  // not retried). On loopback, idle sockets cost nothing: keep them until stop() closes every connection.
  server.keepAliveTimeout = 0;
  let restored: SnapshotCounts = { databases: 0, containers: 0, items: 0 };
  let restoreError: unknown;
  server.on('listening', () => {
    // Runs right after the library's own 'listening' handler created the account, and before any request
    // can be served, so clients never see a half-restored state.
    if (createdAccount && toRestore) {
      try {
        restored = restoreSnapshot(createdAccount, toRestore);
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
        reject(error);
      };
      const onListening = () => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(options.port, options.host);
    });
  } catch (error) {
    return fail({ kind: 'listen', errno: (error as NodeJS.ErrnoException).code, message: message(error) });
  }
  const account = createdAccount;
  if (!account || restoreError !== undefined) {
    await closeServer(server);
    return fail(
      restoreError !== undefined
        ? { kind: 'snapshot-restore', message: message(restoreError) }
        : { kind: 'internal', message: '@vercel/cosmosdb-server did not create its account as expected; is its version still 1.0.1?' },
    );
  }
  // An unhandled 'error' after startup would end the emulator; a broken client connection is not worth that.
  server.on('error', (error) => console.error(`cosmos emulator: ${error.message}`));

  // Only writes mark the state dirty; queries are POSTs too but carry the isquery header.
  let dirty = false;
  const requestLog = new RequestCounter(options.requestLog.containers, options.requestLog.buffer);
  server.on('request', (req: RequestHead) => {
    const { container, kind } = classifyRequest(req);
    requestLog.add(container, kind);
    if (req.method === 'GET' || req.method === 'HEAD') return;
    if (kind === 'query' || kind === 'queryPlan') return;
    dirty = true;
  });

  // Set once the final snapshot on process exit is written: nothing older may replace it after that.
  let finalWritten = false;
  // A snapshot captured but not yet renamed into place: the final one must not count on it finishing.
  let writing = false;
  let snapshotChain: Promise<void> = Promise.resolve();
  const snapshot = (): Promise<void> => {
    if (snapshotFile === undefined) return Promise.resolve();
    const run = async () => {
      if (finalWritten) return;
      // Items are never mutated in place by the server (writes replace the object), so capturing the
      // references synchronously is a consistent point-in-time view even while writes continue.
      dirty = false;
      writing = true;
      const captured = captureSnapshot(account);
      try {
        await writeSnapshot(snapshotFile, captured, () => !finalWritten);
      } catch (error) {
        dirty = true;
        throw error;
      } finally {
        writing = false;
      }
    };
    snapshotChain = snapshotChain.then(run, run);
    return snapshotChain;
  };

  const timer =
    options.snapshotIntervalMs !== undefined && snapshotFile !== undefined
      ? setInterval(() => {
          if (dirty) snapshot().catch((error: unknown) => console.error(`cosmos emulator: snapshot failed: ${message(error)}`));
        }, options.snapshotIntervalMs)
      : undefined;

  const exitSignal = new Int32Array(options.exitSignal);
  const finalSnapshot = () => {
    try {
      if ((dirty || writing) && snapshotFile !== undefined && !finalWritten) writeSnapshotSync(snapshotFile, captureSnapshot(account));
    } catch (error) {
      console.error(`cosmos emulator: final snapshot failed: ${message(error)}`);
    } finally {
      finalWritten = true;
      Atomics.store(exitSignal, 0, 1);
      Atomics.notify(exitSignal, 0);
    }
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (timer) clearInterval(timer);
      await closeServer(server);
      await snapshotChain.catch(() => {});
      if (dirty) await snapshot();
    })();
    return stopping;
  };

  port.on('message', (request: WorkerRequest) => {
    switch (request.type) {
      case 'exit-snapshot':
        finalSnapshot();
        return;
      case 'snapshot':
      case 'stop': {
        const work = request.type === 'snapshot' ? snapshot() : stop();
        work.then(
          () => send({ type: 'done', id: request.id }),
          (error: unknown) => send({ type: 'done', id: request.id, error: message(error) }),
        );
        return;
      }
    }
  });

  send({ type: 'ready', port: (server.address() as AddressInfo).port, restored });
}

function fail(failure: StartFailure): void {
  send({ type: 'start-failed', failure });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // Keep-alive connections from SDK clients would otherwise hold close() open indefinitely.
    server.closeAllConnections();
  });
}

start().catch((error: unknown) => fail({ kind: 'internal', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
