/**
 * The embedded emulator's request log (what bench:nightly counts) and its conditional patch, which the
 * segmentation's write-only-what-changed path relies on (patched: the published server lower-cased the
 * whole filter, so a camelCase property never matched).
 */
import { CosmosClient, type Container } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCosmosClientOptions } from '../../../local/cosmos/client-options.js';
import { ensureDatabase, startCosmosEmulator, type CosmosEmulator } from '../../../local/cosmos/emulator.js';
import { classifyRequest } from '../../../local/cosmos/request-counts.js';
import { compileWorkerIfStale } from './compiled-worker.js';

let emulator: CosmosEmulator;
let client: CosmosClient;
let container: Container;

beforeAll(async () => {
  compileWorkerIfStale();
  emulator = await startCosmosEmulator({ port: 0, requestLogContainers: ['customers'] });
  await ensureDatabase({ ...emulator, databaseId: 'log', containers: [{ name: 'customers', partitionKey: '/id' }] });
  client = new CosmosClient(localCosmosClientOptions(emulator.endpoint, emulator.key));
  container = client.database('log').container('customers');
}, 60_000);

afterAll(async () => {
  client?.dispose();
  await emulator?.stop();
});

describe('embedded Cosmos emulator: request log and conditional patch', () => {
  it('classifies REST requests by container and kind', () => {
    const docs = '/dbs/winback/colls/customers/docs';
    expect(classifyRequest({ method: 'GET', url: `${docs}/C-1`, headers: {} })).toEqual({ container: 'customers', kind: 'read' });
    expect(classifyRequest({ method: 'PATCH', url: `${docs}/C-1`, headers: {} })).toEqual({ container: 'customers', kind: 'write' });
    expect(classifyRequest({ method: 'POST', url: docs, headers: {} })).toEqual({ container: 'customers', kind: 'write' });
    expect(classifyRequest({ method: 'POST', url: docs, headers: { 'x-ms-documentdb-isquery': 'True' } })).toEqual({ container: 'customers', kind: 'query' });
    expect(classifyRequest({ method: 'POST', url: docs, headers: { 'x-ms-cosmos-is-query-plan-request': 'True' } })).toEqual({ container: 'customers', kind: 'queryPlan' });
    expect(classifyRequest({ method: 'GET', url: '/dbs/winback/colls/customers/pkranges', headers: {} })).toEqual({ container: 'customers', kind: 'other' });
    expect(classifyRequest({ method: 'GET', url: '/', headers: {} })).toEqual({ container: '(account)', kind: 'other' });
    // The container's name is decoded; a document id is not looked at, even one that is not valid %-encoding.
    expect(classifyRequest({ method: 'GET', url: '/dbs/winback/colls/segment%2Druns/docs/run', headers: {} })).toEqual({ container: 'segment-runs', kind: 'read' });
    expect(classifyRequest({ method: 'GET', url: `${docs}/C%E0%A4%A`, headers: {} })).toEqual({ container: 'customers', kind: 'read' });
  });

  it('counts what the SDK sends, and applies a conditional patch on a camelCase property only when it holds', async () => {
    const before = emulator.requestCounts()['customers']!;
    await container.items.create({ id: 'C-1', analytics: { runId: 'Run-1' }, segment: 'loyal' });
    await container.item('C-1', 'C-1').read();
    const patch = (runId: string) =>
      container.item('C-1', 'C-1').patch({ condition: `FROM c WHERE c.analytics.runId = '${runId}'`, operations: [{ op: 'set', path: '/segment', value: `after-${runId}` }] });
    await expect(patch('run-1')).rejects.toMatchObject({ code: 412 });
    await patch('Run-1');
    const { resource } = await container.item('C-1', 'C-1').read<{ segment: string }>();
    expect(resource!.segment).toBe('after-Run-1');
    const after = emulator.requestCounts()['customers']!;
    expect(after.write - before.write).toBe(3);
    expect(after.read - before.read).toBe(2);
  });
});
