import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlobServiceClient } from '@azure/storage-blob';
import ts from 'typescript';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AzuriteError, devAccountKey, devAccountName, startAzurite, type Azurite } from '../../../local/azurite.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'winback-azurite-'));
  tempDirs.push(dir);
  return dir;
}

const running: Azurite[] = [];
async function start(options: Parameters<typeof startAzurite>[0]): Promise<Azurite> {
  const azurite = await startAzurite(options);
  running.push(azurite);
  return azurite;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.stop()));
});
afterAll(async () => {
  await Promise.all(tempDirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return condition();
}

describe('Azurite blob service', () => {
  it('uploads and downloads blobs through the real SDK, and keeps them across a restart', async () => {
    const location = await tempDir();
    const first = await start({ blobPort: 0, location });
    expect(first.blobEndpoint).toBe(`http://127.0.0.1:${first.blobPort}/devstoreaccount1`);
    expect(first.connectionString).toBe(
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
        'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
        `BlobEndpoint=http://127.0.0.1:${first.blobPort}/devstoreaccount1;`,
    );

    const service = BlobServiceClient.fromConnectionString(first.connectionString);
    const container = service.getContainerClient('exports');
    await container.create();
    const body = JSON.stringify({ segment: 'lapsed', customers: ['C-1', 'C-2'] });
    await container.getBlockBlobClient('runs/2026-11-01.json').upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
    const downloaded = await container.getBlobClient('runs/2026-11-01.json').downloadToBuffer();
    expect(downloaded.toString('utf8')).toBe(body);

    await first.stop();
    expect(isAlive(first.pid)).toBe(false);

    const second = await start({ blobPort: 0, location });
    const again = BlobServiceClient.fromConnectionString(second.connectionString).getContainerClient('exports');
    const names: string[] = [];
    for await (const blob of again.listBlobsFlat()) names.push(blob.name);
    expect(names).toEqual(['runs/2026-11-01.json']);
    const properties = await again.getBlobClient('runs/2026-11-01.json').getProperties();
    expect(properties.contentType).toBe('application/json');
    expect((await again.getBlobClient('runs/2026-11-01.json').downloadToBuffer()).toString('utf8')).toBe(body);
  });

  it('keeps every acknowledged blob and container when Azurite itself is killed with SIGKILL', async () => {
    const location = await tempDir();
    const first = await start({ blobPort: 0, location });
    const service = BlobServiceClient.fromConnectionString(first.connectionString);
    const container = service.getContainerClient('exports');
    await container.create();
    // Concurrent uploads, some overwritten, one deleted; the kill comes right after the last answer.
    const bodies = new Map(Array.from({ length: 12 }, (_, i) => [`runs/${i}.json`, JSON.stringify({ run: i })]));
    await Promise.all([...bodies].map(([name, body]) => container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body))));
    bodies.set('runs/3.json', JSON.stringify({ run: 3, again: true }));
    await container.getBlockBlobClient('runs/3.json').upload(bodies.get('runs/3.json')!, Buffer.byteLength(bodies.get('runs/3.json')!));
    await container.getBlobClient('runs/7.json').delete();
    bodies.delete('runs/7.json');
    await service.getContainerClient('second').create();
    process.kill(first.pid, 'SIGKILL');
    expect(await waitFor(() => !isAlive(first.pid), 10_000)).toBe(true);

    const second = await start({ blobPort: 0, location });
    const again = BlobServiceClient.fromConnectionString(second.connectionString);
    const containers: string[] = [];
    for await (const c of again.listContainers()) containers.push(c.name);
    expect(containers.sort()).toEqual(['exports', 'second']);
    const names: string[] = [];
    for await (const blob of again.getContainerClient('exports').listBlobsFlat()) names.push(blob.name);
    expect(names.sort()).toEqual([...bodies.keys()].sort());
    for (const [name, body] of bodies) {
      expect((await again.getContainerClient('exports').getBlobClient(name).downloadToBuffer()).toString('utf8'), name).toBe(body);
    }
  });

  it('keeps nothing with inMemory', async () => {
    const azurite = await start({ blobPort: 0, inMemory: true });
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    await service.getContainerClient('scratch').create();
    await azurite.stop();
    const next = await start({ blobPort: 0, inMemory: true });
    const containers: string[] = [];
    for await (const c of BlobServiceClient.fromConnectionString(next.connectionString).listContainers()) containers.push(c.name);
    expect(containers).toEqual([]);
  });

  it('reports a port clash as a clear error', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const attempt = startAzurite({ blobPort: port, inMemory: true });
      await expect(attempt).rejects.toBeInstanceOf(AzuriteError);
      await expect(attempt).rejects.toMatchObject({
        code: 'port-in-use',
        message: `port ${port} is already in use — is another winback running? use --blob-port`,
      });
    } finally {
      blocker.close();
    }
  });

  it('stops when the process that started it is killed without a chance to clean up', async () => {
    // A parent process that starts Azurite, prints the child's pid and port, then waits to be SIGKILLed.
    // It runs this module transpiled to plain JS (node 20 cannot load .ts), finding azurite via NODE_PATH.
    const work = await tempDir();
    const source = await fs.readFile(path.join(repoRoot, 'local/azurite.ts'), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    await fs.writeFile(path.join(work, 'azurite.mjs'), outputText);
    await fs.writeFile(
      path.join(work, 'parent.mjs'),
      [
        "import { startAzurite } from './azurite.mjs';",
        'const a = await startAzurite({ blobPort: 0, inMemory: true });',
        'console.log(JSON.stringify({ pid: a.pid, port: a.blobPort }));',
        'setInterval(() => {}, 1000);',
      ].join('\n'),
    );
    const parent = spawn(process.execPath, [path.join(work, 'parent.mjs')], {
      env: { ...process.env, NODE_PATH: path.join(repoRoot, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    parent.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      parent.once('exit', (code) => reject(new Error(`parent exited early (${code}): ${stderr}`)));
    });
    const { pid, port } = JSON.parse(line) as { pid: number; port: number };
    expect(isAlive(pid)).toBe(true);

    parent.kill('SIGKILL');
    expect(await waitFor(() => !isAlive(pid), 10_000)).toBe(true);
    // The port is free again for the next start.
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', resolve);
    });
    probe.close();
  });

  it('uses the development account Azurite itself knows', () => {
    const constants = createRequire(import.meta.url)('azurite/dist/src/blob/utils/constants.js') as Record<string, unknown>;
    expect(devAccountName).toBe(constants.EMULATOR_ACCOUNT_NAME);
    expect(devAccountKey).toBe(constants.EMULATOR_ACCOUNT_KEY_STR);
  });

  it('listens on loopback only', async () => {
    await expect(startAzurite({ blobPort: 0, host: '0.0.0.0', inMemory: true })).rejects.toMatchObject({ code: 'not-loopback' });
  });
});
