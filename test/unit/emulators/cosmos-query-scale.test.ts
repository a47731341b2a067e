/**
 * With the query engine as published, a query over 20,000 items took seconds per page (O(N²)) and the SDK's
 * 60 s timeout tripped around 100k items. With the patch, these queries answer correctly and quickly;
 * durations are printed for the record, not asserted.
 */
import { BulkOperationType, CosmosClient, type Container, type OperationInput } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCosmosClientOptions } from '../../../local/cosmos/client-options.js';
import { ensureDatabase, startCosmosEmulator, type CosmosEmulator } from '../../../local/cosmos/emulator.js';
import { compileWorkerIfStale } from './compiled-worker.js';

const count = 20_000;
const stores = 8;

let emulator: CosmosEmulator;
let client: CosmosClient;
let container: Container;

const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const result = await work();
  console.log(`${label}: ${(performance.now() - started).toFixed(0)} ms`);
  return result;
};

beforeAll(async () => {
  compileWorkerIfStale();
  emulator = await startCosmosEmulator({ port: 0 });
  await ensureDatabase({ ...emulator, databaseId: 'scale', containers: [{ name: 'purchases', partitionKey: '/customerId' }] });
  client = new CosmosClient(localCosmosClientOptions(emulator.endpoint, emulator.key));
  container = client.database('scale').container('purchases');
  await timed(`bulk insert of ${count} items`, async () => {
    // The SDK takes at most 100 operations per bulk call; a few calls in flight keep the server busy.
    const batches: OperationInput[][] = [];
    for (let start = 0; start < count; start += 100) {
      const operations: OperationInput[] = [];
      for (let i = start; i < Math.min(start + 100, count); i += 1) {
        operations.push({
          operationType: BulkOperationType.Create,
          resourceBody: { id: `p${i}`, customerId: `c${i % 997}`, storeId: `s${i % stores}`, totalMinor: i },
        });
      }
      batches.push(operations);
    }
    const worker = async () => {
      for (let operations = batches.shift(); operations; operations = batches.shift()) {
        const responses = await container.items.bulk(operations);
        expect(responses.every((r) => r.statusCode === 201)).toBe(true);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  });
}, 120_000);

afterAll(async () => {
  client?.dispose();
  await emulator?.stop();
});

describe(`queries over ${count} items`, () => {
  it('counts them all', async () => {
    const { resources } = await timed('SELECT VALUE COUNT(1)', () =>
      container.items.query<number>('SELECT VALUE COUNT(1) FROM c').fetchAll(),
    );
    expect(resources).toEqual([count]);
  });

  it('answers a filtered query with exactly the matching items', async () => {
    const { resources } = await timed('filtered query', () =>
      container.items
        .query<{ id: string; totalMinor: number }>({
          query: 'SELECT c.id, c.totalMinor FROM c WHERE c.storeId = @store AND c.totalMinor >= @min',
          parameters: [
            { name: '@store', value: 's3' },
            { name: '@min', value: 10_000 },
          ],
        })
        .fetchAll(),
    );
    const expected: number[] = [];
    for (let i = 10_000; i < count; i += 1) if (i % stores === 3) expected.push(i);
    expect(resources.map((r) => r.totalMinor).sort((a, b) => a - b)).toEqual(expected);
    expect(resources.every((r) => r.id === `p${r.totalMinor}`)).toBe(true);
  });

  it('pages a sorted scan with continuation tokens', async () => {
    const iterator = container.items.query<{ totalMinor: number }>('SELECT c.totalMinor FROM c ORDER BY c.totalMinor DESC', {
      maxItemCount: 1000,
    });
    const first = await timed('first 1,000-item page of ORDER BY', () => iterator.fetchNext());
    const second = await iterator.fetchNext();
    expect(first.resources.map((r) => r.totalMinor)).toEqual(Array.from({ length: 1000 }, (_, i) => count - 1 - i));
    expect(second.resources[0]?.totalMinor).toBe(count - 1001);
  });
});
