import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CosmosClient, type Container, type ItemDefinition } from '@azure/cosmos';
import ts from 'typescript';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { containers as appContainers } from '../../../shared/resources.js';
import { isLoopbackEndpoint, localCosmosClientOptions } from '../../../local/cosmos/client-options.js';
import {
  CosmosEmulatorError,
  ensureDatabase,
  startCosmosEmulator,
  type CosmosEmulator,
  type EnsureContainer,
} from '../../../local/cosmos/emulator.js';
import { compileWorkerIfStale } from './compiled-worker.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const databaseId = 'winback';

// A container exercising every part of a definition a snapshot must keep.
const members: EnsureContainer = {
  name: 'members',
  partitionKey: '/tenant',
  defaultTtl: 3600,
  indexingPolicy: {
    compositeIndexes: [
      [
        { path: '/tier', order: 'ascending' },
        { path: '/points', order: 'descending' },
      ],
    ],
  },
  uniqueKeyPolicy: { uniqueKeys: [{ paths: ['/email'] }] },
};

interface Member extends ItemDefinition {
  id: string;
  tenant: string;
  email: string;
  tier: string;
  points: number;
}

const member = (id: string, overrides: Partial<Member> = {}): Member => ({
  id,
  tenant: 't1',
  email: `${id}@example.com`,
  tier: 'gold',
  points: 100,
  ...overrides,
});

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'winback-cosmos-'));
  tempDirs.push(dir);
  return dir;
}

const running: CosmosEmulator[] = [];
async function start(options: Parameters<typeof startCosmosEmulator>[0]): Promise<CosmosEmulator> {
  const emulator = await startCosmosEmulator(options);
  running.push(emulator);
  return emulator;
}

const clients: CosmosClient[] = [];
function client(emulator: CosmosEmulator): CosmosClient {
  const c = new CosmosClient(localCosmosClientOptions(emulator.endpoint, emulator.key));
  clients.push(c);
  return c;
}

function membersOf(emulator: CosmosEmulator): Container {
  return client(emulator).database(databaseId).container(members.name);
}

beforeAll(compileWorkerIfStale);

afterEach(async () => {
  for (const c of clients.splice(0)) c.dispose();
  await Promise.all(running.splice(0).map((e) => e.stop()));
});

afterAll(async () => {
  await Promise.all(tempDirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

describe('embedded Cosmos emulator', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await tempDir();
  });

  it('creates the app database and containers once, through the SDK', async () => {
    const emulator = await start({ port: 0, dataDir });
    expect(emulator.endpoint).toBe(`https://127.0.0.1:${emulator.port}/`);

    const first = await ensureDatabase({ ...emulator, databaseId, containers: appContainers });
    expect(first.databaseCreated).toBe(true);
    expect(first.containers).toEqual(Object.values(appContainers).map((c) => ({ name: c.name, created: true })));

    const again = await ensureDatabase({ ...emulator, databaseId, containers: appContainers });
    expect(again.databaseCreated).toBe(false);
    expect(again.containers.every((c) => !c.created)).toBe(true);

    const db = client(emulator).database(databaseId);
    for (const spec of Object.values(appContainers)) {
      const { resource } = await db.container(spec.name).read();
      expect(resource?.partitionKey?.paths).toEqual([spec.partitionKey]);
    }
  });

  it('refuses a container that exists with another partition key', async () => {
    const emulator = await start({ port: 0 });
    await ensureDatabase({ ...emulator, databaseId, containers: [{ name: 'purchases', partitionKey: '/id' }] });
    await expect(
      ensureDatabase({ ...emulator, databaseId, containers: [{ name: 'purchases', partitionKey: '/customerId' }] }),
    ).rejects.toThrow(/purchases exists with partition key \/id but winback needs \/customerId/);
  });

  it('round-trips items through the real SDK: create, read, replace, upsert, query, delete', async () => {
    const emulator = await start({ port: 0 });
    await ensureDatabase({ ...emulator, databaseId, containers: [members] });
    const container = membersOf(emulator);

    const created = await container.items.create(member('m1'));
    expect(created.statusCode).toBe(201);
    await expect(container.items.create(member('m1', { email: 'other@example.com' }))).rejects.toMatchObject({ code: 409 });

    const read = await container.item('m1', 't1').read<Member>();
    expect(read.resource).toMatchObject(member('m1'));

    await container.item('m1', 't1').replace(member('m1', { points: 150 }));
    await container.items.upsert(member('m2', { tier: 'silver', points: 20 }));
    const { resources } = await container.items
      .query<Pick<Member, 'id' | 'points'>>({
        query: 'SELECT c.id, c.points FROM c WHERE c.tenant = @t ORDER BY c.id',
        parameters: [{ name: '@t', value: 't1' }],
      })
      .fetchAll();
    expect(resources).toEqual([
      { id: 'm1', points: 150 },
      { id: 'm2', points: 20 },
    ]);

    await container.item('m2', 't1').delete();
    const gone = await container.item('m2', 't1').read();
    expect(gone.statusCode).toBe(404);
  });

  it('rejects a replace with a stale ETag (412) and accepts the current one', async () => {
    const emulator = await start({ port: 0 });
    await ensureDatabase({ ...emulator, databaseId, containers: [members] });
    const container = membersOf(emulator);
    const { etag: first } = await container.items.create(member('m1'));
    const { etag: second } = await container.item('m1', 't1').replace(member('m1', { points: 1 }), {
      accessCondition: { type: 'IfMatch', condition: first },
    });
    expect(second).not.toBe(first);

    await expect(
      container.item('m1', 't1').replace(member('m1', { points: 2 }), { accessCondition: { type: 'IfMatch', condition: first } }),
    ).rejects.toMatchObject({ code: 412 });
    const { resource } = await container.item('m1', 't1').read<Member>();
    expect(resource?.points).toBe(1);
  });

  it('keeps items and container definitions across stop and start', async () => {
    const before = await start({ port: 0, dataDir });
    await ensureDatabase({ ...before, databaseId, containers: [members, appContainers.purchases] });
    const container = membersOf(before);
    await container.items.create(member('m1'));
    await container.items.create(member('m2', { tier: 'gold', points: 300 }));
    await container.items.create(member('m3', { tenant: 't2', tier: 'silver' }));
    await container.item('m1', 't1').replace(member('m1', { points: 200 }));
    await container.item('m3', 't2').delete();
    const { resources: saved } = await container.items.query<Member & { _etag: string; _ts: number; _rid: string }>('SELECT * FROM c').fetchAll();
    await before.stop();

    const after = await start({ port: 0, dataDir });
    expect(after.restored).toEqual({ databases: 1, containers: 2, items: 2 });
    const restored = membersOf(after);
    const { resources: loaded } = await restored.items.query('SELECT * FROM c').fetchAll();
    // Same ids, bodies, _etag, _ts and _rid, in the same order.
    expect(loaded).toEqual(saved);

    const { resource: definition } = await restored.read();
    expect(definition?.partitionKey?.paths).toEqual(['/tenant']);
    expect(definition?.defaultTtl).toBe(3600);
    expect(definition?.uniqueKeyPolicy?.uniqueKeys).toEqual([{ paths: ['/email'] }]);
    expect(definition?.indexingPolicy?.compositeIndexes).toEqual(members.indexingPolicy?.compositeIndexes);
    const { resource: purchases } = await client(after).database(databaseId).container('purchases').read();
    expect(purchases?.partitionKey?.paths).toEqual(['/customerId']);

    // The definitions still act: the unique key, and a two-field ORDER BY served by the composite index.
    await expect(restored.items.create(member('m9', { email: 'm1@example.com' }))).rejects.toMatchObject({ code: 409 });
    const { resources: ordered } = await restored.items
      .query<{ id: string }>('SELECT c.id FROM c ORDER BY c.tier ASC, c.points DESC')
      .fetchAll();
    expect(ordered.map((r) => r.id)).toEqual(['m2', 'm1']);

    // An ETag read before the restart is still the current one; a new item gets a fresh _rid.
    const m1 = saved.find((s) => s.id === 'm1');
    expect(m1?._etag).toBeTypeOf('string');
    await restored.item('m1', 't1').replace(member('m1', { points: 5 }), { accessCondition: { type: 'IfMatch', condition: m1!._etag! } });
    const { resource: added } = await restored.items.create(member('m4'));
    expect(saved.map((s) => s._rid)).not.toContain(added?._rid);
  });

  it('snapshot() persists while running, and only changes trigger a write on stop', async () => {
    const emulator = await start({ port: 0, dataDir });
    await ensureDatabase({ ...emulator, databaseId, containers: [members] });
    await membersOf(emulator).items.create(member('m1'));
    await emulator.snapshot();
    const file = emulator.snapshotFile as string;
    const written = await fs.stat(file);

    await membersOf(emulator).items.query('SELECT * FROM c').fetchAll();
    await membersOf(emulator).item('m1', 't1').read();
    await emulator.stop();
    expect((await fs.stat(file)).mtimeMs).toBe(written.mtimeMs);

    const text = await fs.readFile(file, 'utf8');
    expect(text.trim().split('\n').at(-1)).toBe('{"t":"end","databases":1,"containers":1,"items":1}');
    expect((await fs.readdir(dataDir)).sort()).toEqual(['cosmos-snapshot.jsonl']);
  });

  it('starts empty with fresh, keeping the previous snapshot aside', async () => {
    const before = await start({ port: 0, dataDir });
    await ensureDatabase({ ...before, databaseId, containers: [members] });
    await membersOf(before).items.create(member('m1'));
    await before.stop();

    const fresh = await start({ port: 0, dataDir, fresh: true });
    expect(fresh.restored).toEqual({ databases: 0, containers: 0, items: 0 });
    const { resources } = await client(fresh).databases.readAll().fetchAll();
    expect(resources).toEqual([]);
    await fresh.stop();
    await expect(fs.stat(path.join(dataDir, 'cosmos-snapshot.jsonl.previous'))).resolves.toBeTruthy();

    // Nothing was written while fresh, so the next start is still empty rather than resurrecting old data.
    const next = await start({ port: 0, dataDir });
    expect(next.restored.databases).toBe(0);
  });

  it('snapshots periodically while something changed', async () => {
    const emulator = await start({ port: 0, dataDir, snapshotIntervalMs: 50 });
    await ensureDatabase({ ...emulator, databaseId, containers: [members] });
    await membersOf(emulator).items.create(member('m1'));
    const file = emulator.snapshotFile as string;
    const deadline = Date.now() + 5000;
    let text = '';
    while (Date.now() < deadline && !text.includes('"id":"m1"')) {
      await new Promise((r) => setTimeout(r, 50));
      text = await fs.readFile(file, 'utf8').catch(() => '');
    }
    expect(text).toContain('"id":"m1"');
  });

  it('writes a final snapshot when the process exits without stop()', async () => {
    // A separate node process runs the emulator (transpiled: node 20 cannot load .ts), writes an item,
    // and calls process.exit() as a crash handler or a forgotten stop() would.
    const work = await tempDir();
    await fs.writeFile(path.join(work, 'package.json'), '{"type":"module"}');
    await fs.symlink(path.join(repoRoot, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    await fs.mkdir(path.join(work, 'cosmos'));
    for (const name of ['client-options', 'snapshot', 'worker-protocol', 'request-counts', 'emulator-worker', 'emulator']) {
      const source = await fs.readFile(path.join(repoRoot, 'local/cosmos', `${name}.ts`), 'utf8');
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      });
      await fs.writeFile(path.join(work, 'cosmos', `${name}.js`), outputText);
    }
    await fs.writeFile(
      path.join(work, 'crash.js'),
      [
        "import { CosmosClient } from '@azure/cosmos';",
        "import { startCosmosEmulator, ensureDatabase } from './cosmos/emulator.js';",
        "import { localCosmosClientOptions } from './cosmos/client-options.js';",
        `const e = await startCosmosEmulator({ port: 0, dataDir: ${JSON.stringify(dataDir)} });`,
        `await ensureDatabase({ ...e, databaseId: 'winback', containers: [{ name: 'members', partitionKey: '/tenant' }] });`,
        'const c = new CosmosClient(localCosmosClientOptions(e.endpoint, e.key));',
        "await c.database('winback').container('members').items.create({ id: 'm1', tenant: 't1' });",
        'process.exit(3);',
      ].join('\n'),
    );
    const exitCode = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [path.join(work, 'crash.js')], { stdio: 'inherit' });
      child.once('exit', resolve);
    });
    expect(exitCode).toBe(3);
    await expect(fs.stat(path.join(dataDir, 'cosmos.lock'))).rejects.toMatchObject({ code: 'ENOENT' });

    const after = await start({ port: 0, dataDir });
    expect(after.restored).toEqual({ databases: 1, containers: 1, items: 1 });
    const { resource } = await client(after).database(databaseId).container('members').item('m1', 't1').read();
    expect(resource).toMatchObject({ id: 'm1', tenant: 't1' });
  });

  it('reports a port clash as a clear error', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const attempt = startCosmosEmulator({ port });
      await expect(attempt).rejects.toBeInstanceOf(CosmosEmulatorError);
      await expect(attempt).rejects.toMatchObject({
        code: 'port-in-use',
        message: `port ${port} is already in use — is another winback running? use --cosmos-port`,
      });
    } finally {
      blocker.close();
    }
  });

  it('lets only one emulator use a data folder', async () => {
    await start({ port: 0, dataDir });
    await expect(startCosmosEmulator({ port: 0, dataDir })).rejects.toMatchObject({
      code: 'data-in-use',
      message: expect.stringContaining(`the Cosmos data in ${dataDir} is in use by another winback`),
    });
  });

  it('takes over a lock left by a process that no longer runs', async () => {
    await fs.writeFile(path.join(dataDir, 'cosmos.lock'), '2147483646');
    const emulator = await start({ port: 0, dataDir });
    expect(await fs.readFile(path.join(dataDir, 'cosmos.lock'), 'utf8')).toBe(String(process.pid));
    await emulator.stop();
    await expect(fs.stat(path.join(dataDir, 'cosmos.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a damaged snapshot instead of starting empty', async () => {
    const before = await start({ port: 0, dataDir });
    await ensureDatabase({ ...before, databaseId, containers: [members] });
    await membersOf(before).items.create(member('m1'));
    await before.stop();
    const file = path.join(dataDir, 'cosmos-snapshot.jsonl');
    const lines = (await fs.readFile(file, 'utf8')).trim().split('\n');
    await fs.writeFile(file, `${lines.slice(0, -1).join('\n')}\n`);

    await expect(startCosmosEmulator({ port: 0, dataDir })).rejects.toMatchObject({
      code: 'snapshot-unreadable',
      message: expect.stringContaining('truncated'),
    });
    // The failed start released its lock.
    await expect(fs.stat(path.join(dataDir, 'cosmos.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('listens on loopback only', async () => {
    await expect(startCosmosEmulator({ port: 0, host: '0.0.0.0' })).rejects.toMatchObject({ code: 'not-loopback' });
  });
});

describe('local Cosmos client options', () => {
  it('accept loopback endpoints only', () => {
    expect(isLoopbackEndpoint('https://127.0.0.1:8081/')).toBe(true);
    expect(isLoopbackEndpoint('https://localhost:8081')).toBe(true);
    expect(isLoopbackEndpoint('https://[::1]:8081/')).toBe(true);
    expect(isLoopbackEndpoint('https://winback.documents.azure.com:443/')).toBe(false);
    expect(isLoopbackEndpoint('https://127.0.0.1.example.com/')).toBe(false);
    expect(isLoopbackEndpoint('not a url')).toBe(false);
    expect(() => localCosmosClientOptions('https://winback.documents.azure.com:443/', 'k')).toThrow(/only for a loopback endpoint/);
  });

  it('switch off certificate checks and endpoint discovery, and keep connections alive', () => {
    const options = localCosmosClientOptions('https://127.0.0.1:8081/', 'k');
    expect(options.connectionPolicy?.enableEndpointDiscovery).toBe(false);
    const agent = options.agent as unknown as { options: { rejectUnauthorized?: boolean }; keepAlive: boolean };
    expect(agent.options.rejectUnauthorized).toBe(false);
    expect(agent.keepAlive).toBe(true);
    expect(localCosmosClientOptions('http://localhost:8081/', 'k').agent).toBeUndefined();
  });
});
