/**
 * npm run bench:cosmos [-- --n 20000 --concurrency 16]
 *
 * The ceiling of the local stack's Cosmos path: the real @azure/cosmos SDK through the local host's
 * in-process transport to the embedded emulator (as `npm start` and `npm run simulate` run it), with no
 * function code around it. Per operation kind — create, point read, read of a missing document (a 404, what
 * an existence check costs), patch, replace under an ETag, single-partition query — it runs `n` operations
 * with `concurrency` in flight and prints operations per second and the CPU both threads spent on each (the
 * caller's, where the SDK runs, and the emulator's worker).
 *
 * Then the same once more inside the local host's invocation scope (the AsyncLocalStorage that counts Cosmos
 * requests by function): on Node 20 it turns on promise hooks for every promise, and this shows their cost.
 *
 * No function does fewer than one request per Cosmos call, so a workload of R requests takes at least
 * R ÷ (operations per second) here, whatever the functions do around them. Last output line: JSON.
 */
import { parseArgs } from 'node:util';
import { CosmosClient, type Container } from '@azure/cosmos';
import { inProcessCosmosClientOptions } from '../local/cosmos/client-options.js';
import { ensureDatabase, startCosmosEmulator } from '../local/cosmos/emulator.js';
import { runInvocation } from '../local/invocation-scope.js';
import { mapWithConcurrency } from '../shared/concurrency.js';
import { round } from './host.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '16' } } });
const n = Number(values.n);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(concurrency) || concurrency < 1) throw new Error('--n and --concurrency need whole numbers of at least 1');

/** About the size of a customer document with its scores. */
const padding = 'x'.repeat(1_200);

type Operation = { kind: string; run: (c: Container, i: number) => Promise<unknown> };
const operations: Operation[] = [
  { kind: 'create', run: (c, i) => c.items.create({ id: `d${i}`, pk: `d${i}`, v: 0, padding }) },
  { kind: 'read', run: (c, i) => c.item(`d${i}`, `d${i}`).read() },
  { kind: 'readMissing', run: (c, i) => c.item(`missing${i}`, `missing${i}`).read() },
  { kind: 'patch', run: (c, i) => c.item(`d${i}`, `d${i}`).patch([{ op: 'set', path: '/v', value: 1 }]) },
  {
    kind: 'replaceIfMatch',
    run: async (c, i) => {
      const current = await c.item(`d${i}`, `d${i}`).read();
      await c.item(`d${i}`, `d${i}`).replace({ id: `d${i}`, pk: `d${i}`, v: 2, padding }, { accessCondition: { type: 'IfMatch', condition: current.etag } });
    },
  },
  {
    kind: 'query',
    run: (c, i) => c.items.query({ query: 'SELECT c.id, c.v FROM c WHERE c.pk = @pk', parameters: [{ name: '@pk', value: `d${i}` }] }, { partitionKey: `d${i}` }).fetchAll(),
  },
];
/** Requests each operation sends (replaceIfMatch reads first). */
const requestsPer: Record<string, number> = { replaceIfMatch: 2 };

const emulator = await startCosmosEmulator({ port: 0 });
const client = new CosmosClient(inProcessCosmosClientOptions(emulator.endpoint, emulator.httpClient));
try {
  await ensureDatabase({ endpoint: emulator.endpoint, key: emulator.key, databaseId: 'bench', containers: [{ name: 'plain', partitionKey: '/pk' }, { name: 'scoped', partitionKey: '/pk' }] });
  const results: Record<string, Record<string, { requestsPerSecond: number; cpuMicrosPerRequest: number }>> = {};
  for (const [pass, wrap] of [
    ['plain', <T>(work: () => Promise<T>) => work()],
    ['scoped', <T>(work: () => Promise<T>) => runInvocation('bench', work)],
  ] as const) {
    const container = client.database('bench').container(pass);
    results[pass] = {};
    for (const op of operations) {
      const indexes = Array.from({ length: n }, (_, i) => i);
      const cpu = process.cpuUsage();
      const started = performance.now();
      await mapWithConcurrency(indexes, concurrency, (i) => wrap(() => op.run(container, i)));
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      const requests = n * (requestsPer[op.kind] ?? 1);
      results[pass]![op.kind] = { requestsPerSecond: round(requests / seconds, 0), cpuMicrosPerRequest: round((used.user + used.system) / requests, 0) };
      console.log(`${pass.padEnd(6)} ${op.kind.padEnd(15)} ${results[pass]![op.kind]!.requestsPerSecond.toLocaleString('en').padStart(7)} requests/s, ${results[pass]![op.kind]!.cpuMicrosPerRequest} µs CPU each (both threads)`);
    }
  }
  const mean = (pass: string) => round(Object.values(results[pass]!).reduce((s, r) => s + r.requestsPerSecond, 0) / operations.length, 0);
  console.log(`mean over the kinds: ${mean('plain').toLocaleString('en')} requests/s plain, ${mean('scoped').toLocaleString('en')} in an invocation scope`);
  console.log(JSON.stringify({ benchmark: 'cosmos', n, concurrency, results, meanRequestsPerSecond: { plain: mean('plain'), scoped: mean('scoped') } }));
} finally {
  client.dispose();
  await emulator.stop();
}
