import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from the source (local/) as from the build (dist/local/). */
function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('no package.json above local/spawn');
    dir = parent;
  }
  return dir;
}
const repoRoot = findRepoRoot();

/** What `--ready-json` prints once the host listens. */
export interface ReadyLine {
  url: string;
  functionKey: string;
  cosmosEndpoint: string;
  blobEndpoint: string;
  dataDir: string;
}

export interface SpawnedHost {
  ready: ReadyLine;
  child: ChildProcess;
  /** Everything the host printed so far (stdout and stderr). */
  output(): string;
  /** Asks the host to stop (SIGINT by default) and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnHostOptions {
  /** Arguments after `dist/local/start.js`; `--ready-json` is always added. */
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/**
 * Starts the local host (`node dist/local/start.js`, what `npm start` runs) as a child process and resolves
 * once it printed its ready line. A separate process keeps the host's work off the caller's event loop.
 */
export function spawnLocalHost(options: SpawnHostOptions): Promise<SpawnedHost> {
  // A larger young generation: the host allocates many short-lived request and response objects, and with
  // V8's default semi-space it spent a tenth of its time in scavenges (measured: 4 % faster simulation days).
  const child = spawn(process.execPath, ['--max-semi-space-size=64', path.join(repoRoot, 'dist/local/start.js'), '--ready-json', ...options.args], {
    cwd: options.cwd ?? repoRoot,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = (signal: NodeJS.Signals = 'SIGINT') =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill(signal);
    });
  return new Promise<SpawnedHost>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the local host did not start in time:\n${output}`));
    }, options.timeoutMs ?? 60_000);
    let ready = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready ? null : /^WINBACK_READY (.+)$/m.exec(output);
      if (match) {
        ready = true;
        clearTimeout(timer);
        resolve({ ready: JSON.parse(match[1]!) as ReadyLine, child, output: () => output, stop });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      if (ready) return;
      clearTimeout(timer);
      reject(new Error(`the local host exited with ${code} before it was ready:\n${output}`));
    });
  });
}
