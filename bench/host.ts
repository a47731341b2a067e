/**
 * The local host for benchmarks: `node dist/local/start.js` (what `npm start` runs) on free ports and a
 * data directory of the caller's, with a small client for its API and local admin routes.
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
  /** Readiness details the host printed (endpoints of the embedded services). */
  ready: { url: string; functionKey: string; blobEndpoint: string; cosmosEndpoint: string };
  call(pathAndQuery: string, init?: { method?: string; json?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any }>;
  /** Waits until nothing the host started is still running (timers, deliveries). */
  idle(timeoutMs?: number): Promise<void>;
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

export async function startBenchHost(dataDir: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<BenchHost> {
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'dist/local/start.js'), '--port', '0', '--cosmos-port', '0', '--blob-port', '0', '--data-dir', dataDir, '--ready-json', '--quiet', ...extraArgs],
    {
      cwd: repoRoot,
      env: { ...process.env, WINBACK_FUNCTION_KEY: 'bench-key-123456', SEGMENTS_SCHEDULE: process.env['SEGMENTS_SCHEDULE'] ?? '0 0 2 * * *', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const ready = await new Promise<BenchHost['ready']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start in time:\n${output}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^WINBACK_READY (.+)$/m.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(JSON.parse(match[1]!) as BenchHost['ready']);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      // After start-up, the host's errors are worth seeing while a benchmark runs.
      if (process.env['BENCH_HOST_LOG'] === '1') process.stderr.write(chunk);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code}:\n${output}`));
    });
  });
  const key = ready.functionKey;
  const call: BenchHost['call'] = async (p, init = {}) => {
    const response = await fetch(ready.url + p, {
      method: init.method ?? 'GET',
      headers: { 'x-functions-key': key, 'content-type': 'application/json', ...init.headers },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });
    const body = (await response.json().catch(() => undefined)) as unknown;
    return { status: response.status, body };
  };
  return {
    url: ready.url,
    key,
    child,
    ready,
    call,
    async idle(timeoutMs = 300_000) {
      // One request waits at most a minute (fetch gives up on headers after 5), then asks again.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const r = await call('/admin/local/idle', { method: 'POST', json: { timeoutMs: Math.min(60_000, Math.max(1, deadline - Date.now())) } });
        if (r.status === 200) return;
        if (r.status !== 504 || Date.now() >= deadline) throw new Error(`host did not become idle: ${r.status} ${JSON.stringify(r.body)}`);
      }
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

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
