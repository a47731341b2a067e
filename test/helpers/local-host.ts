import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnLocalHost, type SpawnedHost } from '../../local/spawn.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedKit = path.resolve(repoRoot, '../shared');

export interface RunningHost {
  url: string;
  functionKey: string;
  dataDir: string;
  output: () => string;
  /** fetch against the host with the function key unless `key: null`. */
  call(pathAndQuery: string, init?: RequestInit & { json?: unknown; key?: string | null }): Promise<Response>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  restart(extraArgs?: string[]): Promise<RunningHost>;
  cleanup(): void;
}

export interface StartHostOptions {
  args?: string[];
  dataDir?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Starts `node dist/local/start.js` (what `npm start` runs) on free ports and waits for its ready line. */
export async function startHost(options: StartHostOptions = {}): Promise<RunningHost> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'winback-test-'));
  const spawned = await spawnLocalHost({
    args: ['--port', '0', '--cosmos-port', '0', '--blob-port', '0', '--data-dir', dataDir, ...(options.args ?? [])],
    env: { ...process.env, WINBACK_FUNCTION_KEY: 'test-key-123456', ...options.env },
    cwd: repoRoot,
    timeoutMs: options.timeoutMs,
  });
  return running(spawned, dataDir, options);
}

function running(spawned: SpawnedHost, dataDir: string, options: StartHostOptions): RunningHost {
  const { ready, child, stop } = spawned;
  return {
    url: ready.url,
    functionKey: ready.functionKey,
    dataDir,
    output: spawned.output,
    async call(pathAndQuery, init = {}) {
      const { json, key, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (key !== null) headers.set('x-functions-key', key ?? ready.functionKey);
      if (json !== undefined) {
        headers.set('content-type', 'application/json');
        rest.body = JSON.stringify(json);
      }
      return fetch(`${ready.url}${pathAndQuery}`, { ...rest, headers });
    },
    stop,
    async restart(extraArgs = []) {
      await stop();
      return startHost({ ...options, dataDir, args: [...(options.args ?? []), ...extraArgs] });
    },
    cleanup() {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the host has finished everything it started (timers, deliveries). */
export async function waitIdle(host: RunningHost): Promise<void> {
  const response = await host.call('/admin/local/idle', { method: 'POST', json: { timeoutMs: 30_000 } });
  if (!response.ok) throw new Error(`idle: ${response.status} ${await response.text()}`);
}
