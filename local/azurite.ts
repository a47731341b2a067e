import { spawn, type ChildProcess } from 'node:child_process';
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';

/** Azurite's well-known development account (the same one `UseDevelopmentStorage=true` means). */
export const devAccountName = 'devstoreaccount1';
export const devAccountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export type AzuriteErrorCode = 'port-in-use' | 'not-loopback' | 'start-timeout' | 'exited';

/** A startup failure with a message meant for the person at the terminal, not a stack trace. */
export class AzuriteError extends Error {
  override readonly name = 'AzuriteError';
  constructor(
    readonly code: AzuriteErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface AzuriteOptions {
  /** 0 picks a free port (read back from Azurite's startup line). */
  blobPort: number;
  /** Loopback only: the development account key is public. Default 127.0.0.1. */
  host?: string;
  /** Folder for blob data and Azurite's metadata databases. Required unless inMemory. */
  location?: string;
  /** Keep everything in memory (nothing survives stop). */
  inMemory?: boolean;
  /** Default 30 s; Azurite needs ≈1.2 s on an idle 2-core machine, much more while tests run beside it. */
  startTimeoutMs?: number;
}

export interface Azurite {
  readonly connectionString: string;
  /** `http://127.0.0.1:<port>/devstoreaccount1` */
  readonly blobEndpoint: string;
  readonly blobPort: number;
  readonly pid: number;
  /** SIGTERM, then waits for the process to exit (SIGKILL after 10 s). Idempotent. */
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

/**
 * Loaded into the Azurite child before its own entry point. Azurite closes itself (saving its metadata) on
 * SIGTERM/SIGINT; this adds what a child of winback needs on top:
 * - when the parent dies without a chance to signal (SIGKILL, crash), the IPC channel drops and the child
 *   shuts down as on SIGTERM instead of living on as an orphan holding the port;
 * - Azurite installs its signal handlers only after startup; a signal arriving before that is handed on
 *   once they exist, rather than lost;
 * - once shutting down, the IPC channel is released so it cannot keep the process alive, and a deadline
 *   ends the process should Azurite's close ever hang;
 * - an answer to a request that may change something (anything but GET/HEAD/OPTIONS) waits until Azurite's
 *   metadata databases are saved. Azurite writes blob content to its extent files (with fdatasync) before it
 *   answers, but keeps the metadata — which containers and blobs exist, and where their bytes are — in
 *   LokiJS databases it saves only every 5 s, so a SIGKILL would lose every blob acknowledged in those seconds.
 *   Loki queues saves asked for while one runs into the next one, so concurrent answers share a save.
 */
const childGuard = `
import { createRequire } from 'node:module';
import http from 'node:http';
const loki = createRequire(process.argv[1])('lokijs');
// Azurite saves each of its databases once while starting, which is where they are found.
const databases = new Set();
const save = loki.prototype.saveDatabase;
loki.prototype.saveDatabase = function (...args) {
  if (this.persistenceMethod !== 'memory') databases.add(this);
  return save.apply(this, args);
};
const saveAll = () => Promise.all([...databases].map((db) => new Promise((resolve, reject) => db.saveDatabase((error) => (error ? reject(error) : resolve())))));
const readOnly = new Set(['GET', 'HEAD', 'OPTIONS']);
const end = http.ServerResponse.prototype.end;
http.ServerResponse.prototype.end = function (...args) {
  if (databases.size === 0 || this.savedBeforeEnd || readOnly.has(this.req?.method)) return end.apply(this, args);
  this.savedBeforeEnd = true;
  saveAll().then(
    () => end.apply(this, args),
    (error) => {
      console.error('azurite: saving its metadata failed: ' + error.message);
      if (!this.headersSent) this.statusCode = 500;
      end.call(this);
    },
  );
  return this;
};
let closing = false;
const azuriteHandles = (signal) => process.listenerCount(signal) > 1;
const begin = () => {
  closing = true;
  if (process.connected) process.disconnect();
  setTimeout(() => process.exit(0), 8000).unref();
};
const whenAzuriteReady = (forward) => {
  if (azuriteHandles('SIGTERM')) return forward();
  const poll = setInterval(() => {
    if (azuriteHandles('SIGTERM')) { clearInterval(poll); forward(); }
  }, 20);
};
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    if (closing) return;
    const handledNow = azuriteHandles(signal);
    begin();
    if (!handledNow) whenAzuriteReady(() => process.emit('SIGTERM'));
  });
}
process.on('disconnect', () => {
  if (closing) return;
  begin();
  whenAzuriteReady(() => process.emit('SIGTERM'));
});
`;

const listeningLine = /successfully listens on https?:\/\/[^\s:]+:(\d+)/;

export async function startAzurite(options: AzuriteOptions): Promise<Azurite> {
  const host = options.host ?? '127.0.0.1';
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    throw new AzuriteError('not-loopback', `Azurite listens on loopback only (its account key is public), not on ${JSON.stringify(host)}`);
  }
  if (!options.inMemory && options.location === undefined) {
    throw new Error('startAzurite needs a location unless inMemory is set');
  }
  if (options.blobPort !== 0 && !(await portIsFree(options.blobPort, host))) {
    throw portInUse(options.blobPort);
  }

  const main = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'blob', 'main.js');
  const args = [
    '--import',
    `data:text/javascript,${encodeURIComponent(childGuard)}`,
    main,
    '--blobHost',
    host,
    '--blobPort',
    String(options.blobPort),
    '--silent',
    '--disableTelemetry',
    // storage-blob 12.32 sends an API version Azurite 3.35 does not know yet.
    '--skipApiVersionCheck',
  ];
  if (options.inMemory) {
    args.push('--inMemoryPersistence');
  } else if (options.location !== undefined) {
    const location = path.resolve(options.location);
    await fsp.mkdir(location, { recursive: true });
    args.push('--location', location);
  }

  const env = { ...process.env };
  // With AZURITE_DB set, Azurite would store metadata in that SQL database instead of the location.
  delete env.AZURITE_DB;
  const child = spawn(process.execPath, args, {
    env,
    // Own process group: Ctrl-C in the terminal reaches only the host, which then stops Azurite in order.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output = new OutputTail();
  child.stdout?.setEncoding('utf8').on('data', (s: string) => output.add(s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => output.add(s));

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnParentExit = () => {
    child.kill('SIGTERM');
  };
  process.on('exit', killOnParentExit);

  let port: number;
  try {
    port = await waitUntilListening(child, output, options.blobPort, host, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    process.off('exit', killOnParentExit);
    child.kill('SIGKILL');
    await exited;
    throw error;
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      process.off('exit', killOnParentExit);
    })();
    return stopping;
  };

  const urlHost = host.includes(':') ? `[${host}]` : host;
  const blobEndpoint = `http://${urlHost}:${port}/${devAccountName}`;
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${devAccountName};AccountKey=${devAccountKey};BlobEndpoint=${blobEndpoint};`,
    blobEndpoint,
    blobPort: port,
    pid: child.pid ?? -1,
    stop,
  };
}

function portInUse(port: number): AzuriteError {
  return new AzuriteError('port-in-use', `port ${port} is already in use — is another winback running? use --blob-port`);
}

/** Resolves with the port once Azurite reports it listens and a connection succeeds. */
function waitUntilListening(
  child: ChildProcess,
  output: OutputTail,
  requestedPort: number,
  host: string,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, port?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      output.off(onOutput);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(port as number);
    };
    let reported = false;
    const onOutput = (text: string) => {
      const match = listeningLine.exec(text);
      if (!match || reported) return;
      reported = true;
      const port = Number(match[1]);
      canConnect(port, host).then(
        (ok) => finish(ok ? undefined : new AzuriteError('exited', `Azurite reported port ${port} but does not accept connections`), port),
        (error: Error) => finish(error),
      );
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      const text = output.text();
      if (/EADDRINUSE/.test(text)) return finish(portInUse(requestedPort));
      finish(new AzuriteError('exited', `Azurite exited during startup (${signal ?? `code ${code}`}): ${text.trim() || 'no output'}`));
    };
    const timer = setTimeout(() => {
      finish(
        new AzuriteError(
          'start-timeout',
          `Azurite did not start listening within ${Math.round(timeoutMs / 1000)} s: ${output.text().trim() || 'no output'}`,
        ),
      );
    }, timeoutMs);
    output.on(onOutput);
    child.once('exit', onExit);
    child.once('error', (error) => finish(error));
  });
}

function canConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(false);
      else reject(error);
    });
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** The last few KB of the child's output, for error messages; also lets startup watch for a line. */
class OutputTail {
  private buffer = '';
  private readonly listeners = new Set<(text: string) => void>();
  add(chunk: string): void {
    this.buffer = (this.buffer + chunk).slice(-4096);
    for (const listener of this.listeners) listener(this.buffer);
  }
  text(): string {
    return this.buffer;
  }
  on(listener: (text: string) => void): void {
    this.listeners.add(listener);
  }
  off(listener: (text: string) => void): void {
    this.listeners.delete(listener);
  }
}
