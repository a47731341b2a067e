/**
 * The embedded Cosmos emulator's own thread: it owns the HTTPS server and the in-memory account, so the
 * emulator's request parsing, query evaluation and JSON work never block the function host's event loop.
 * Started by `startCosmosEmulator` (emulator.ts), which holds the data-folder lock and talks to it through
 * the messages in worker-protocol.ts.
 *
 * Durability: every mutation is appended to the journal (mutations.ts) as the server applies it, and no
 * answer leaves this thread before the journal is on disk (fdatasync, one for all answers waiting at that
 * moment). On start the last snapshot is restored and the journals written after it are replayed; once the
 * journal outgrows the snapshot, the state is compacted into a new snapshot and the old journals go.
 */
import fsp from 'node:fs/promises';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Server } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { JournalWriter } from '../journal.js';
import { applyMutation, journalFileName, journalsFrom, readJournals, recordMutations, type JournalFile, type ReadJournals } from './mutations.js';
import {
  captureSnapshot,
  countSnapshot,
  readSnapshot,
  restoreSnapshot,
  snapshotFileName,
  writeSnapshot,
  type AccountInternal,
  type StoredSnapshot,
} from './snapshot.js';
import { Batcher, serveInProcess, type HttpAnswer } from './in-process.js';
import { answerQueryPlan, installQuerySpeed, isQueryPlanRequest, partitionFromHeader, requestContext } from './query-speed.js';
import { classifyRequest, RequestCounter, type RequestHead } from './request-counts.js';
import type { Recovery, StartFailure, WorkerMessage, WorkerRequest, WorkerStart } from './worker-protocol.js';

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

const maxJournalBytes = 256 << 20;
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function start(): Promise<void> {
  const { dataDir } = options;
  const snapshotFile = dataDir === undefined ? undefined : path.join(dataDir, snapshotFileName);
  let stored: StoredSnapshot | undefined;
  let journals: JournalFile[] = [];
  let recovered: ReadJournals = { records: [], torn: 0 };
  if (dataDir !== undefined && snapshotFile !== undefined) {
    if (options.fresh) {
      await setAside(dataDir, snapshotFile);
    } else {
      try {
        stored = await readSnapshot(snapshotFile);
      } catch (error) {
        return fail({ kind: 'snapshot-read', message: message(error) });
      }
      journals = await journalsFrom(dataDir, stored?.generation ?? 0);
      try {
        recovered = await readJournals(journals);
      } catch (error) {
        return fail({ kind: 'journal-read', message: message(error) });
      }
    }
  }
  const snapshotGeneration = stored?.generation ?? 0;
  // New records go to a journal of their own: one a crash cut short is never appended to.
  let generation = journals.length > 0 ? journals[journals.length - 1]!.generation + 1 : snapshotGeneration;
  let lastSnapshotBytes = snapshotFile === undefined ? 0 : ((await fsp.stat(snapshotFile).catch(() => undefined))?.size ?? 0);
  // Replaying a journal as long as the snapshot costs about as much as loading the snapshot again; the cap
  // keeps a journal readable as one string however large the snapshot grows.
  const compactionThreshold = () => Math.min(Math.max(options.compactAfterBytes, lastSnapshotBytes), maxJournalBytes);

  installAccountHook();
  installQuerySpeed((require('@vercel/cosmosdb-server/lib/account/items.js') as { default: { prototype: object } }).default);
  recordMutations(undefined);
  const cosmosServer = require('@vercel/cosmosdb-server') as typeof import('@vercel/cosmosdb-server');
  const server: Server = cosmosServer.createHttpsServer({ keepAlive: true });
  // The SDK's keep-alive agent keeps idle sockets without a timeout of its own; a server closing them after
  // Node's default 5 s races a request sent on the same socket, which then fails with ECONNRESET (writes are
  // not retried). On loopback, idle sockets cost nothing: keep them until stop() closes every connection.
  server.keepAliveTimeout = 0;

  let journal: JournalWriter | undefined;
  // Every answer waits for the journal: also reads, which may show a write not yet on disk.
  const [serve] = server.listeners('request') as RequestListener[];
  if (!serve) throw new Error('@vercel/cosmosdb-server did not install its request handler; is its version still 1.0.1?');
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (journal) answerWhenDurable(res, journal);
    if (isQueryPlanRequest(req)) return answerQueryPlan(req, res);
    requestContext.run({ partitionKey: partitionFromHeader(req.headers['x-ms-documentdb-partitionkey']) }, () => serve.call(server, req, res));
  });

  let restored = { databases: 0, containers: 0, items: 0 };
  let startError: StartFailure | undefined;
  server.on('listening', () => {
    // Runs right after the library's own 'listening' handler created the account, and before any request
    // can be served, so clients never see a half-restored state.
    if (!createdAccount) return;
    try {
      if (stored) restoreSnapshot(createdAccount, stored.snapshot);
    } catch (error) {
      startError = { kind: 'snapshot-restore', message: message(error) };
      return;
    }
    let applied = 0;
    try {
      for (const record of recovered.records) {
        applyMutation(createdAccount, record);
        applied += 1;
      }
    } catch (error) {
      startError = { kind: 'journal-replay', message: `record ${applied + 1} of ${recovered.records.length}: ${message(error)}` };
      return;
    }
    restored = countSnapshot(captureSnapshot(createdAccount));
    if (dataDir !== undefined) {
      journal = new JournalWriter(path.join(dataDir, journalFileName(generation)));
      const writer = journal;
      recordMutations((record) => {
        writer.append(record);
        if (writer.bytes >= compactionThreshold()) setImmediate(compactInBackground);
      });
    }
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
  if (!account || startError !== undefined) {
    recordMutations(undefined);
    journal?.close();
    await closeServer(server);
    return fail(startError ?? { kind: 'internal', message: '@vercel/cosmosdb-server did not create its account as expected; is its version still 1.0.1?' });
  }
  // An unhandled 'error' after startup would end the emulator; a broken client connection is not worth that.
  server.on('error', (error) => console.error(`cosmos emulator: ${error.message}`));

  const requestLog = new RequestCounter(options.requestLog.containers, options.requestLog.buffer);
  server.on('request', (req: RequestHead) => {
    const { container, kind } = classifyRequest(req);
    requestLog.add(container, kind);
  });

  // Capture and journal switch happen in one synchronous step, so every record is either in the snapshot
  // (journals below `next`) or in the journal it starts (`next`). Until the snapshot is in place, a start
  // replays both journals onto the older snapshot.
  let compacting: Promise<void> | undefined;
  const compact = (): Promise<void> => {
    if (!journal || !dataDir || !snapshotFile) return Promise.resolve();
    const writer = journal;
    compacting ??= (async () => {
      try {
        const next = generation + 1;
        const captured = captureSnapshot(account);
        writer.rotate(path.join(dataDir, journalFileName(next)));
        generation = next;
        lastSnapshotBytes = await writeSnapshot(snapshotFile, captured, next);
        for (const old of await journalsFrom(dataDir, 0)) {
          if (old.generation < next) await fsp.rm(old.file, { force: true });
        }
      } finally {
        compacting = undefined;
      }
    })();
    return compacting;
  };
  const compactInBackground = () => {
    if (compacting || !journal || journal.bytes < compactionThreshold()) return;
    compact().catch((error: unknown) => console.error(`cosmos emulator: compacting the journal failed (it is kept and replayed on start): ${message(error)}`));
  };
  // A snapshot() asked for during a compaction must contain what was written before it was asked for.
  const snapshot = async (): Promise<void> => {
    await compacting?.catch(() => {});
    await compact();
  };
  // What a crash left in the journals becomes a snapshot now, so the next start need not replay it again.
  if (journals.length > 0) {
    compact().catch((error: unknown) => console.error(`cosmos emulator: compacting the recovered journal failed: ${message(error)}`));
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await closeServer(server);
      await compacting?.catch(() => {});
      if (journal && journal.records > 0 && !journal.failed) await compact();
      recordMutations(undefined);
      if (journal) {
        journal.close();
        // The journal a final compaction started holds nothing.
        if (journal.records === 0 && dataDir) await fsp.rm(path.join(dataDir, journalFileName(generation)), { force: true });
      }
    })();
    return stopping;
  };

  const answers = new Batcher<HttpAnswer>((batch) => send({ type: 'http-response', answers: batch }));
  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'http') {
      for (const call of request.calls) {
        // After stop() began, the server is closing: answer as a closed socket would, so nothing waits.
        if (stopping) answers.add({ id: call.id, status: 503, headers: { 'content-type': 'application/json' }, body: '{"code":"ServiceUnavailable","message":"the emulator is stopping"}' });
        else serveInProcess(server, call, (answer) => answers.add(answer));
      }
      return;
    }
    const work = request.type === 'snapshot' ? snapshot() : stop();
    work.then(
      () => send({ type: 'done', id: request.id }),
      (error: unknown) => send({ type: 'done', id: request.id, error: message(error) }),
    );
  });

  const recovery: Recovery = { replayed: recovered.records.length, torn: recovered.torn };
  send({ type: 'ready', port: (server.address() as AddressInfo).port, restored, recovery });
}

/**
 * Holds the answer until everything journaled so far is on disk. A journal that cannot be written makes
 * every answer an error from then on: memory is ahead of the disk, and nothing more may be acknowledged.
 */
function answerWhenDurable(res: ServerResponse, journal: JournalWriter): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    if (journal.isDurable) return end(...args);
    journal.durable().then(
      () => end(...args),
      (error: unknown) => {
        if (!res.headersSent) {
          res.statusCode = 500;
          res.setHeader('content-type', 'application/json');
        }
        end(
          JSON.stringify({
            code: 'InternalServerError',
            message: `the Cosmos emulator cannot write its journal (${message(error)}); changes are no longer saved — restart winback`,
          }),
        );
      },
    );
    return res;
  }) as ServerResponse['end'];
}

/** --fresh: the previous snapshot and its journals move aside (`.previous`), replacing older ones there. */
async function setAside(dataDir: string, snapshotFile: string): Promise<void> {
  const names = await fsp.readdir(dataDir);
  for (const name of names) {
    if (name.startsWith('cosmos-journal-') && name.endsWith('.previous')) await fsp.rm(path.join(dataDir, name), { force: true });
  }
  await fsp.rename(snapshotFile, `${snapshotFile}.previous`).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  for (const journal of await journalsFrom(dataDir, 0)) await fsp.rename(journal.file, `${journal.file}.previous`);
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
