/**
 * What the HTTP benchmarks share: the local host started as `npm start` starts it (free ports, a given data
 * directory), a bounded pool of concurrent clients, and the rounding and percentiles they report.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface BenchHost {
  url: string;
  key: string;
  child: ChildProcess;
  /** fetch with the function key and a JSON body; the answer's JSON (undefined when there is none). */
  call(pathAndQuery: string, init?: { method?: string; json?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: Record<string, unknown> | undefined }>;
  /** Waits until the host has finished everything it started (queue consumers, timers). */
  idle(): Promise<void>;
  /** SIGINT (as Ctrl-C), then waits for the process to exit. */
  stop(): Promise<void>;
  /**
   * CPU seconds the host process (all its threads, the Cosmos emulator's included; not Azurite) has used so
   * far, from /proc; undefined where there is none. On a machine shared with other work this says more about
   * a change than wall time does.
   */
  cpuSeconds(): number | undefined;
}

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on every common configuration. */
const clockTicksPerSecond = 100;

function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
  } catch {
    return undefined;
  }
}

export async function startBenchHost(dataDir: string, extraArgs: string[] = []): Promise<BenchHost> {
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'dist/local/start.js'), '--port', '0', '--cosmos-port', '0', '--blob-port', '0', '--data-dir', dataDir, '--ready-json', '--quiet', ...extraArgs],
    {
      cwd: repoRoot,
      env: { ...process.env, WINBACK_FUNCTION_KEY: 'bench-key-123456', SEGMENTS_SCHEDULE: process.env['SEGMENTS_SCHEDULE'] ?? '0 0 2 * * *' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const ready = await new Promise<{ url: string; functionKey: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start in time:\n${output}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^WINBACK_READY (.+)$/m.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(JSON.parse(match[1]!) as { url: string; functionKey: string });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code}:\n${output}`));
    });
  });
  const url = ready.url;
  const key = ready.functionKey;
  const call: BenchHost['call'] = async (pathAndQuery, init = {}) => {
    const response = await fetch(url + pathAndQuery, {
      method: init.method ?? 'GET',
      headers: { 'x-functions-key': key, 'content-type': 'application/json', ...init.headers },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    return { status: response.status, body };
  };
  return {
    url,
    key,
    child,
    call,
    async idle() {
      const r = await call('/admin/local/idle', { method: 'POST', json: { timeoutMs: 300_000 } });
      if (r.status !== 200) throw new Error(`host did not become idle: ${r.status} ${JSON.stringify(r.body)}`);
    },
    cpuSeconds: () => cpuSecondsOf(child.pid),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      }),
  };
}

export async function pool<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
