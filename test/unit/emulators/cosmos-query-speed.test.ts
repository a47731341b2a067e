/**
 * The embedded emulator's query speed-ups (local/cosmos/query-speed.ts) must not change what a query returns:
 * a partition-key query sees exactly its partition (also after replaces, deletes and a restart from the
 * journal), a paged scan returns every item once in order, query plans are answered without the query, and
 * a continuation the emulator no longer holds is a 400 that says so.
 */
import { CosmosClient, type Container } from '@azure/cosmos';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCosmosClientOptions } from '../../../local/cosmos/client-options.js';
import { ensureDatabase, startCosmosEmulator, type CosmosEmulator } from '../../../local/cosmos/emulator.js';
import { PageCache, PartitionedItems, partitionFromHeader } from '../../../local/cosmos/query-speed.js';
import { compileWorkerIfStale } from './compiled-worker.js';

const item = (document: Record<string, unknown>) => ({ read: () => document });

describe('PartitionedItems', () => {
  it('keeps the partition index equal to the items through sets, replaces and deletes', () => {
    const map = new PartitionedItems((d) => d['customerId']);
    map.set('r1', item({ id: 'a', customerId: 'c1' }));
    map.set('r2', item({ id: 'b', customerId: 'c1' }));
    map.set('r3', item({ id: 'c', customerId: 'c2' }));
    map.set('r2', item({ id: 'b', customerId: 'c2' })); // replaced into another partition
    map.delete('r1');
    map.set('r4', item({ id: 'd' })); // no partition value: only in the main map
    const ids = (key: string) => [...(map.partitions.get(key)?.values() ?? [])].map((i) => i.read()!['id']).sort();
    expect(ids('sc1')).toEqual([]);
    expect(map.partitions.has('sc1')).toBe(false);
    expect(ids('sc2')).toEqual(['b', 'c']);
    expect(map.size).toBe(3);
    map.clear();
    expect(map.partitions.size).toBe(0);
  });

  it('reads the partition from the header the SDK sends', () => {
    expect(partitionFromHeader('["c1"]')).toBe('sc1');
    expect(partitionFromHeader('[7]')).toBe('number7');
    expect(partitionFromHeader('[{}]')).toBeUndefined();
    expect(partitionFromHeader('not json')).toBeUndefined();
    expect(partitionFromHeader(undefined)).toBeUndefined();
  });
});

describe('PageCache', () => {
  it('slices later pages from the first evaluation and forgets a finished query', () => {
    const cache = new PageCache();
    const rows = Array.from({ length: 25 }, (_, i) => i);
    const first = cache.first(rows, 10);
    expect(first.result).toEqual(rows.slice(0, 10));
    const second = cache.resume(first.continuation!, 10);
    const third = cache.resume(second.continuation!, 10);
    expect([...second.result, ...third.result]).toEqual(rows.slice(10));
    expect(third.continuation).toBeNull();
    expect(cache.size).toBe(0);
    expect(cache.first([1, 2], 10)).toEqual({ result: [1, 2], continuation: null });
  });

  it('evicts by idle time and by rows kept, and says so on resume', () => {
    let now = 0;
    const cache = new PageCache({ maxRows: 30, idleMs: 1000 }, () => now);
    const a = cache.first(Array.from({ length: 20 }, (_, i) => i), 5);
    now = 2000;
    const b = cache.first(Array.from({ length: 20 }, (_, i) => i), 5); // a is idle past the limit
    expect(() => cache.resume(a.continuation!, 5)).toThrow(/continuation token expired/);
    expect(cache.resume(b.continuation!, 5).result).toEqual([5, 6, 7, 8, 9]);
    const c = cache.first(Array.from({ length: 20 }, (_, i) => i), 5); // 15 + 20 rows > 30: b goes
    expect(() => cache.resume(b.continuation!, 5)).toThrow(/expired/);
    expect(cache.resume(c.continuation!, 5).result).toEqual([5, 6, 7, 8, 9]);
  });
});

describe('the emulator with the query speed-ups', () => {
  let emulator: CosmosEmulator;
  let client: CosmosClient;
  let container: Container;
  let dataDir: string;

  const open = async () => {
    emulator = await startCosmosEmulator({ port: 0, dataDir });
    await ensureDatabase({ ...emulator, databaseId: 'speed', containers: [{ name: 'orders', partitionKey: '/customerId' }] });
    client = new CosmosClient(localCosmosClientOptions(emulator.endpoint, emulator.key));
    container = client.database('speed').container('orders');
  };
  const ofCustomer = async (customerId: string) =>
    (
      await container.items
        .query<{ id: string }>('SELECT c.id FROM c ORDER BY c.id', { partitionKey: customerId })
        .fetchAll()
    ).resources.map((r) => r.id);

  beforeAll(async () => {
    compileWorkerIfStale();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'winback-query-speed-'));
    await open();
    for (let i = 0; i < 2500; i += 1) await container.items.create({ id: `o${String(i).padStart(4, '0')}`, customerId: `c${i % 50}`, n: i });
  }, 180_000);

  afterAll(async () => {
    client?.dispose();
    await emulator?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a partition-key query with that partition only, also after a replace, a delete and a restart', async () => {
    const expected = Array.from({ length: 50 }, (_, k) => `o${String(k * 50 + 7).padStart(4, '0')}`);
    expect(await ofCustomer('c7')).toEqual(expected);
    await container.item('o0007', 'c7').delete();
    await container.items.upsert({ id: 'o0057', customerId: 'c7', n: -1 });
    await container.item('o0107', 'c7').patch([{ op: 'set', path: '/n', value: -2 }]);
    const after = expected.filter((id) => id !== 'o0007');
    expect(await ofCustomer('c7')).toEqual(after);
    expect(await ofCustomer('nobody')).toEqual([]);
    client.dispose();
    await emulator.stop();
    await open(); // from the snapshot and journal: the index is rebuilt with the data
    expect(await ofCustomer('c7')).toEqual(after);
    const { resources } = await container.items.query<number>({ query: 'SELECT VALUE c.n FROM c WHERE c.id = @id', parameters: [{ name: '@id', value: 'o0107' }] }, { partitionKey: 'c7' }).fetchAll();
    expect(resources).toEqual([-2]);
  }, 120_000);

  it('pages a cross-partition scan once through, every item once and in order', async () => {
    const iterator = container.items.query<{ id: string }>('SELECT c.id FROM c WHERE c.n >= 0 ORDER BY c.id', { maxItemCount: 300 });
    const ids: string[] = [];
    let pages = 0;
    while (iterator.hasMoreResults()) {
      const page = await iterator.fetchNext();
      ids.push(...page.resources.map((r) => r.id));
      pages += 1;
    }
    expect(pages).toBeGreaterThanOrEqual(9);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(2500 - 3); // o0007 deleted; o0057 (n = -1) and o0107 (n = -2) filtered out
  });

  it('resumes from a continuation token given back to a new iterator', async () => {
    const first = await container.items.query<{ id: string }>('SELECT c.id FROM c ORDER BY c.id', { maxItemCount: 1000 }).fetchNext();
    expect(first.continuationToken).toBeTruthy();
    const rest = await container.items.query<{ id: string }>('SELECT c.id FROM c ORDER BY c.id', { maxItemCount: 5000, continuationToken: first.continuationToken }).fetchNext();
    expect(first.resources.length + rest.resources.length).toBe(2499);
    expect(rest.resources[0]!.id > first.resources.at(-1)!.id).toBe(true);
  });

  it('answers query plans without running the query', async () => {
    // A query the emulator cannot parse: running it would be a 400.
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = https.request(
        new URL('/dbs/speed/colls/orders/docs', emulator.endpoint),
        { method: 'POST', rejectUnauthorized: false, headers: { 'x-ms-cosmos-is-query-plan-request': 'True', 'content-type': 'application/query+json' } },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      request.on('error', reject);
      request.end(JSON.stringify({ query: 'SELECT * FROM WHERE (' }));
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ queryInfo: { orderBy: [] }, queryRanges: [{ min: '', max: 'FF' }] });
  });
});
