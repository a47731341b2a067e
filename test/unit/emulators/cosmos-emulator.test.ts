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
  workerModules,
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

/**
 * What the data folder holds at this instant, as a crash would leave it: the journal is written before
 * each answer, so a copy taken between answers is what a SIGKILL right then leaves behind.
 */
async function crashImage(dir: string): Promise<string> {
  const copy = await tempDir();
  for (const name of await fs.readdir(dir)) {
    if (name !== 'cosmos.lock') await fs.copyFile(path.join(dir, name), path.join(copy, name));
  }
  return copy;
}

async function onlyJournal(dir: string): Promise<string> {
  const journals = (await fs.readdir(dir)).filter((name) => name.startsWith('cosmos-journal-'));
  expect(journals).toHaveLength(1);
  return path.join(dir, journals[0]!);
}

/**
 * A separate node process runs the emulator (transpiled: node 20 cannot load .ts) and writes items through
 * the SDK from 8 concurrent writers, printing each acknowledged write. Once 150 are acknowledged it calls
 * process.exit() (as a crash handler or a forgotten stop() would), or is killed from here with SIGKILL
 * while its writers still have requests in flight.
 */
async function runEmulatorProcess(dataDir: string, ending: 'process.exit()' | 'SIGKILL') {
  const work = await tempDir();
  await fs.writeFile(path.join(work, 'package.json'), '{"type":"module"}');
  await fs.symlink(path.join(repoRoot, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  await fs.mkdir(path.join(work, 'cosmos'));
  for (const name of ['client-options', 'emulator', ...workerModules]) {
    const source = await fs.readFile(path.join(repoRoot, 'local/cosmos', `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    });
    await fs.writeFile(path.join(work, 'cosmos', `${name}.js`), outputText);
  }
  const atLimit = ending === 'SIGKILL' ? "process.stdout.write('kill-me\\n')" : 'process.exit(3)';
  await fs.writeFile(
    path.join(work, 'crash.js'),
    `import { CosmosClient } from '@azure/cosmos';
import { startCosmosEmulator, ensureDatabase } from './cosmos/emulator.js';
import { localCosmosClientOptions } from './cosmos/client-options.js';
const e = await startCosmosEmulator({ port: 0, dataDir: ${JSON.stringify(dataDir)} });
await ensureDatabase({ ...e, databaseId: 'winback', containers: [{ name: 'members', partitionKey: '/tenant' }] });
const members = new CosmosClient(localCosmosClientOptions(e.endpoint, e.key)).database('winback').container('members');
let acknowledged = 0;
let next = 0;
const ack = (id, n) => {
  process.stdout.write('ack ' + id + ' ' + n + '\\n');
  if (++acknowledged === 150) ${atLimit};
};
await Promise.all(Array.from({ length: 8 }, async () => {
  for (;;) {
    const id = 'm' + next++;
    await members.items.create({ id, tenant: 't1', n: 0 });
    ack(id, 0);
    await members.item(id, 't1').replace({ id, tenant: 't1', n: 1 });
    ack(id, 1);
  }
}));
`,
  );
  const acknowledged: { id: string; n: number }[] = [];
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const child = spawn(process.execPath, [path.join(work, 'crash.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const [word, id, n] = line.split(' ');
        if (word === 'ack') acknowledged.push({ id: id!, n: Number(n) });
        if (word === 'kill-me') child.kill('SIGKILL');
      }
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { exit, acknowledged };
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

  it('applies a transactional batch atomically, as Azure does (patched): a failed precondition writes nothing', async () => {
    const emulator = await start({ port: 0 });
    await ensureDatabase({ ...emulator, databaseId, containers: [members] });
    const container = membersOf(emulator);
    const { resource: stored } = await container.items.create(member('m1'));
    // As in Azure, the batch answers with the failing operation's status, which the SDK throws.
    await expect(
      container.items.batch(
        [
          { operationType: 'Create', resourceBody: { ...member('m2') } },
          { operationType: 'Replace', id: 'm1', partitionKey: 't1', ifMatch: '"stale"', resourceBody: { ...member('m1', { points: 1 }) } },
        ],
        't1',
      ),
    ).rejects.toThrow(/Batch request error/);
    await expect(container.item('m2', 't1').read()).resolves.toMatchObject({ statusCode: 404 });
    expect((await container.item('m1', 't1').read<Member>()).resource!.points).toBe(100);

    const applied = await container.items.batch(
      [
        { operationType: 'Create', resourceBody: { ...member('m2') } },
        { operationType: 'Replace', id: 'm1', partitionKey: 't1', ifMatch: stored!._etag, resourceBody: { ...member('m1', { points: 1 }) } },
      ],
      't1',
    );
    expect(applied.result!.map((r) => r.statusCode)).toEqual([201, 200]);
    expect((await container.item('m1', 't1').read<Member>()).resource!.points).toBe(1);
  });

  it('applies a patch operation by operation on one copy (patched): each sees the ones before, a failing one leaves the document as it was', async () => {
    const emulator = await start({ port: 0 });
    await ensureDatabase({ ...emulator, databaseId, containers: [members] });
    const container = membersOf(emulator);
    await container.items.create(member('m1'));
    const { resource: patched } = await container.item('m1', 't1').patch<Member & { stats?: { visits: number; tags: string[] } }>([
      { op: 'set', path: '/stats', value: { visits: 1, tags: ['a'] } },
      { op: 'incr', path: '/stats/visits', value: 2 },
      { op: 'add', path: '/stats/tags/-', value: 'b' },
      { op: 'remove', path: '/tier' },
    ]);
    expect(patched).toMatchObject({ stats: { visits: 3, tags: ['a', 'b'] } });
    expect(patched).not.toHaveProperty('tier');

    const { resource: before } = await container.item('m1', 't1').read();
    await expect(
      container.item('m1', 't1').patch([
        { op: 'set', path: '/points', value: 1 },
        { op: 'replace', path: '/absent', value: 2 },
      ]),
    ).rejects.toMatchObject({ code: 400 });
    expect((await container.item('m1', 't1').read()).resource).toEqual(before);
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

  it('compacts the journal into a snapshot once it outgrows compactAfterBytes', async () => {
    const emulator = await start({ port: 0, dataDir, compactAfterBytes: 4096 });
    await ensureDatabase({ ...emulator, databaseId, containers: [members] });
    const container = membersOf(emulator);
    for (let i = 0; i < 40; i += 1) await container.items.create(member(`m${i}`));
    const file = emulator.snapshotFile as string;
    const deadline = Date.now() + 5000;
    let text = '';
    while (Date.now() < deadline && !text.includes('"id":"m20"')) {
      await new Promise((r) => setTimeout(r, 50));
      text = await fs.readFile(file, 'utf8').catch(() => '');
    }
    expect(text).toContain('"id":"m20"');
    // Journals the snapshot contains are gone; what came after it is in the one journal left.
    const journals = (await fs.readdir(dataDir)).filter((name) => name.startsWith('cosmos-journal-'));
    expect(journals).toHaveLength(1);
    const after = await start({ port: 0, dataDir: await crashImage(dataDir) });
    expect(after.restored.items).toBe(40);
  });

  for (const ending of ['process.exit()', 'SIGKILL'] as const) {
    it(`keeps every acknowledged write when the process ends by ${ending} without stop()`, async () => {
      const { exit, acknowledged } = await runEmulatorProcess(dataDir, ending);
      expect(exit).toEqual(ending === 'SIGKILL' ? { code: null, signal: 'SIGKILL' } : { code: 3, signal: null });
      expect(acknowledged.length).toBeGreaterThanOrEqual(150);
      // process.exit() still releases the lock; a killed process leaves it, and the next start takes it over.
      const lock = fs.stat(path.join(dataDir, 'cosmos.lock'));
      if (ending === 'SIGKILL') await expect(lock).resolves.toBeTruthy();
      else await expect(lock).rejects.toMatchObject({ code: 'ENOENT' });

      const after = await start({ port: 0, dataDir });
      expect(after.recovery.replayed).toBeGreaterThanOrEqual(acknowledged.length);
      const { resources } = await client(after)
        .database(databaseId)
        .container('members')
        .items.query<{ id: string; n: number }>('SELECT c.id, c.n FROM c')
        .fetchAll();
      const stored = new Map(resources.map((r) => [r.id, r.n]));
      // Each item is created (n 0) and then replaced once (n 1): every acknowledged version is there or newer.
      for (const ack of acknowledged) expect(stored.get(ack.id), ack.id).toBeGreaterThanOrEqual(ack.n);
    });
  }

  it('replays every kind of mutation as it was applied: same documents, _etag, _ts, _rid and order', async () => {
    const emulator = await start({ port: 0, dataDir });
    await ensureDatabase({ ...emulator, databaseId, containers: [members, { name: 'scratch', partitionKey: '/id' }] });
    const db = client(emulator).database(databaseId);
    const container = membersOf(emulator);
    await container.items.create(member('m1'));
    await container.items.create(member('m2', { tier: 'silver' }));
    await container.item('m1', 't1').replace(member('m1', { points: 150 }));
    await container.items.upsert(member('m2', { points: 5 }));
    await container.items.upsert(member('m3', { tenant: 't2' }));
    await container.item('m1', 't1').patch([
      { op: 'incr', path: '/points', value: 10 },
      { op: 'set', path: '/tier', value: 'platinum' },
    ]);
    await container.items.batch(
      [
        { operationType: 'Create', resourceBody: member('m4') },
        { operationType: 'Upsert', partitionKey: 't1', resourceBody: member('m5') },
      ],
      't1',
    );
    await container.item('m2', 't1').delete();
    await container.scripts.userDefinedFunctions.create({ id: 'double', body: 'function (x) { return x * 2; }' });
    await db.container('scratch').items.create({ id: 's1' });
    await db.container('scratch').delete();
    const { resources: before } = await container.items.query('SELECT * FROM c').fetchAll();
    const { resources: udfsBefore } = await container.scripts.userDefinedFunctions.readAll().fetchAll();

    const after = await start({ port: 0, dataDir: await crashImage(dataDir) });
    expect(after.recovery.torn).toBe(0);
    expect(after.restored).toEqual({ databases: 1, containers: 1, items: 4 });
    const replayed = membersOf(after);
    const { resources } = await replayed.items.query('SELECT * FROM c').fetchAll();
    expect(resources).toEqual(before);
    expect((await replayed.scripts.userDefinedFunctions.readAll().fetchAll()).resources).toEqual(udfsBefore);
    const { resources: doubled } = await replayed.items.query<number>('SELECT VALUE udf.double(c.points) FROM c WHERE c.id = "m1"').fetchAll();
    expect(doubled).toEqual([320]);
    const { resources: containerIds } = await client(after).database(databaseId).containers.readAll().fetchAll();
    expect(containerIds.map((c) => c.id)).toEqual(['members']);
    // The unique key index was rebuilt along with the documents.
    await expect(replayed.items.create(member('m9', { email: 'm1@example.com' }))).rejects.toMatchObject({ code: 409 });
  });

  it('drops a record a crash cut short, and applies the ones before it', async () => {
    const emulator = await start({ port: 0, dataDir });
    await ensureDatabase({ ...emulator, databaseId, containers: [members] });
    await membersOf(emulator).items.create(member('m1'));
    await membersOf(emulator).item('m1', 't1').replace(member('m1', { points: 7 }));
    await membersOf(emulator).items.create(member('m2'));
    const crashed = await crashImage(dataDir);
    const journal = await onlyJournal(crashed);
    const lines = (await fs.readFile(journal, 'utf8')).trim().split('\n');
    // The last write (m2) was cut short mid-line: half a record, no newline.
    const last = lines.at(-1)!;
    expect(last).toContain('"id":"m2"');
    await fs.writeFile(journal, `${lines.slice(0, -1).join('\n')}\n${last.slice(0, Math.floor(last.length / 2))}`);

    const after = await start({ port: 0, dataDir: crashed });
    expect(after.recovery).toEqual({ replayed: lines.length - 1, torn: 1 });
    const container = membersOf(after);
    const m1 = await container.item('m1', 't1').read<Member & { _etag: string }>();
    expect(m1.resource?.points).toBe(7);
    expect((await container.item('m2', 't1').read()).statusCode).toBe(404);
    // The replayed state is the one the server had: the ETag of m1's replace still matches.
    await container.item('m1', 't1').replace(member('m1', { points: 8 }), { accessCondition: { type: 'IfMatch', condition: m1.etag } });
    // New writes go on from the recovered state and survive the next crash too.
    await container.items.create(member('m3'));
    const third = await start({ port: 0, dataDir: await crashImage(crashed) });
    const { resources } = await membersOf(third).items.query<{ id: string; points: number }>('SELECT c.id, c.points FROM c').fetchAll();
    expect(resources.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'm1', points: 8 },
      { id: 'm3', points: 100 },
    ]);
  });

  it('refuses a journal damaged before its last record instead of guessing', async () => {
    const emulator = await start({ port: 0, dataDir });
    await ensureDatabase({ ...emulator, databaseId, containers: [members] });
    await membersOf(emulator).items.create(member('m1'));
    await membersOf(emulator).items.create(member('m2'));
    const crashed = await crashImage(dataDir);
    const journal = await onlyJournal(crashed);
    const lines = (await fs.readFile(journal, 'utf8')).split('\n');
    // lines ends with '' (the final newline); the record before the last one is altered.
    const damaged = lines.length - 2;
    lines[damaged - 1] = lines[damaged - 1]!.replace('"m1"', '"mX"');
    await fs.writeFile(journal, lines.join('\n'));
    await expect(startCosmosEmulator({ port: 0, dataDir: crashed })).rejects.toMatchObject({
      code: 'journal-unreadable',
      message: expect.stringContaining(`line ${damaged} damaged`),
    });
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
