/**
 * The in-process transport (local/cosmos/in-process.ts) gives the SDK the same answers as the HTTPS
 * endpoint: reads, conditional writes and their 412, 404s and 409s, paged queries, batches, and the
 * request log counts each call as it counts a socket's.
 */
import { CosmosClient, type Container } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCosmosClientOptions } from '../../../local/cosmos/client-options.js';
import { ensureDatabase, startCosmosEmulator, type CosmosEmulator } from '../../../local/cosmos/emulator.js';
import { InProcessHttpClient } from '../../../local/cosmos/in-process.js';
import { compileWorkerIfStale } from './compiled-worker.js';

let emulator: CosmosEmulator;
let inProcess: CosmosClient;
let overHttps: CosmosClient;
let container: Container;
let sameOverHttps: Container;

beforeAll(async () => {
  compileWorkerIfStale();
  emulator = await startCosmosEmulator({ port: 0, requestLogContainers: ['things'] });
  await ensureDatabase({ ...emulator, databaseId: 'transport', containers: [{ name: 'things', partitionKey: '/pk' }] });
  inProcess = new CosmosClient({ ...localCosmosClientOptions(emulator.endpoint, emulator.key), httpClient: emulator.httpClient });
  overHttps = new CosmosClient(localCosmosClientOptions(emulator.endpoint, emulator.key));
  container = inProcess.database('transport').container('things');
  sameOverHttps = overHttps.database('transport').container('things');
}, 60_000);

afterAll(async () => {
  inProcess?.dispose();
  overHttps?.dispose();
  await emulator?.stop();
});

describe('the in-process Cosmos transport', () => {
  it('creates, reads and conditionally replaces as over HTTPS, with the same status codes', async () => {
    const { resource: created, statusCode } = await container.items.create({ id: 'a', pk: 'p1', n: 1 });
    expect(statusCode).toBe(201);
    const { resource: read, etag } = await sameOverHttps.item('a', 'p1').read<{ n: number }>();
    expect(read?.n).toBe(1);
    expect(etag).toBe(created!._etag);
    await expect(container.items.create({ id: 'a', pk: 'p1', n: 2 })).rejects.toMatchObject({ code: 409 });
    await container.item('a', 'p1').replace({ id: 'a', pk: 'p1', n: 2 }, { accessCondition: { type: 'IfMatch', condition: etag! } });
    await expect(container.item('a', 'p1').replace({ id: 'a', pk: 'p1', n: 3 }, { accessCondition: { type: 'IfMatch', condition: etag! } })).rejects.toMatchObject({ code: 412 });
    const missing = await container.item('nope', 'p1').read();
    expect(missing.statusCode).toBe(404);
    expect(missing.resource).toBeUndefined();
    await container.item('a', 'p1').patch([{ op: 'incr', path: '/n', value: 5 }]);
    expect((await sameOverHttps.item('a', 'p1').read<{ n: number }>()).resource?.n).toBe(7);
  });

  it('pages queries and runs batches', async () => {
    for (let i = 0; i < 25; i += 1) await container.items.upsert({ id: `q${String(i).padStart(2, '0')}`, pk: 'p2', n: i });
    const iterator = container.items.query<{ id: string }>('SELECT c.id FROM c WHERE c.pk = "p2" ORDER BY c.id', { maxItemCount: 10 });
    const ids: string[] = [];
    while (iterator.hasMoreResults()) ids.push(...(await iterator.fetchNext()).resources.map((r) => r.id));
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => `q${String(i).padStart(2, '0')}`));
    // The emulator wants the partition key on each operation (local-emulators.md), as the app sends it.
    const operations = (pk: string) =>
      [
        { operationType: 'Create', partitionKey: pk, resourceBody: { id: 'b1', pk } },
        { operationType: 'Upsert', partitionKey: pk, resourceBody: { id: 'b2', pk } },
      ] as const;
    const viaSocket = await sameOverHttps.items.batch([...operations('p3')], 'p3');
    const inThread = await container.items.batch([...operations('p4')], 'p4');
    expect(inThread.result?.map((r) => r.statusCode)).toEqual([201, 201]);
    expect(inThread.result?.map((r) => r.statusCode)).toEqual(viaSocket.result?.map((r) => r.statusCode));
  });

  it('is counted by the request log like a socket request', async () => {
    const before = emulator.requestCounts()['things']!.read;
    await container.item('a', 'p1').read();
    await container.item('a', 'p1').read();
    expect(emulator.requestCounts()['things']!.read - before).toBe(2);
  });

  it('fails every waiting and later call once the worker is gone', async () => {
    const posted: number[] = [];
    const client = new InProcessHttpClient((batch) => posted.push(...batch.calls.map((c) => c.id)));
    const request = { url: 'https://127.0.0.1:1/dbs', method: 'GET', headers: { toJSON: () => ({}) }, body: undefined } as unknown as Parameters<InProcessHttpClient['sendRequest']>[0];
    const waiting = client.sendRequest(request);
    await new Promise((resolve) => setImmediate(resolve));
    expect(posted).toHaveLength(1);
    client.close(new Error('the Cosmos emulator stopped unexpectedly'));
    await expect(waiting).rejects.toThrow(/stopped unexpectedly/);
    await expect(client.sendRequest(request)).rejects.toThrow(/stopped unexpectedly/);
  });

  it('sends the calls of one turn of the event loop in one message', async () => {
    const posts: number[][] = [];
    const client = new InProcessHttpClient((batch) => posts.push(batch.calls.map((c) => c.id)));
    const request = { url: 'https://127.0.0.1:1/dbs', method: 'GET', headers: { toJSON: () => ({}) }, body: undefined } as unknown as Parameters<InProcessHttpClient['sendRequest']>[0];
    const calls = Array.from({ length: 20 }, () => client.sendRequest(request));
    await new Promise((resolve) => setImmediate(resolve));
    expect(posts).toHaveLength(1);
    expect(posts[0]).toHaveLength(20);
    client.answer({ type: 'http-response', answers: posts[0]!.map((id) => ({ id, status: 200, headers: { 'x-ms-item-count': '0' }, body: '{}' })) });
    const answers = await Promise.all(calls);
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers[0]!.headers.get('X-MS-Item-Count')).toBe('0');
    client.close(new Error('done'));
  });
});
