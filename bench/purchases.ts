/**
 * npm run bench:purchases [-- --n 3000 --clients 8]
 *
 * Purchase ingest through the local host (as `npm start` runs it, on free ports and a temporary data
 * directory): n single purchases POSTed to /api/purchases by `clients` concurrent clients, each one answered
 * only once it is stored. Reports purchases/s and p50/p99 latency. Last output line: one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mapWithConcurrency } from '../shared/concurrency.js';
import { percentile, round, startBenchHost } from './host.js';

async function main() {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '3000' }, clients: { type: 'string', default: '8' } } });
  const n = Number(values.n);
  const clients = Number(values.clients);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'winback-bench-'));
  const host = await startBenchHost(path.join(dir, 'data'));
  try {
    const occurredAt = new Date(Date.now() - 86_400_000).toISOString();
    const purchase = (i: number) => ({
      orderId: `BENCH-${i}`,
      source: 'bench',
      customerId: `bench-${i % 500}`,
      occurredAt,
      total: 42.5,
      currency: 'EUR',
      storeId: 'bench-store',
      channel: 'pos',
      items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 42.5 }],
    });
    // Warm-up: connections, JIT, the containers' first documents.
    await mapWithConcurrency(Array.from({ length: 100 }, (_, i) => n + i), clients, (i) => host.call('/api/purchases', { method: 'POST', json: purchase(i) }));
    const latencies: number[] = [];
    let failures = 0;
    const cpuBefore = host.cpuSeconds();
    const start = performance.now();
    await mapWithConcurrency(Array.from({ length: n }, (_, i) => i), clients, async (i) => {
      const t0 = performance.now();
      const r = await host.call('/api/purchases', { method: 'POST', json: purchase(i) });
      latencies.push(performance.now() - t0);
      if (r.status !== 201) failures++;
    });
    const seconds = (performance.now() - start) / 1000;
    const cpuAfter = host.cpuSeconds();
    latencies.sort((a, b) => a - b);
    const result = {
      clients,
      purchases: n,
      failures,
      perSecond: round(n / seconds, 1),
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      /** CPU the host spent per purchase (request handling and the Cosmos emulator), whatever else runs on the machine. */
      hostCpuMsPerPurchase: cpuBefore === undefined || cpuAfter === undefined ? null : round(((cpuAfter - cpuBefore) * 1000) / n, 3),
    };
    console.log(
      `${clients} clients: ${result.perSecond} purchases/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, host CPU ${result.hostCpuMsPerPurchase ?? '?'} ms/purchase${failures ? `, ${failures} FAILED` : ''}`,
    );
    console.log(JSON.stringify({ benchmark: 'purchases', host: 'local (embedded Cosmos emulator)', cpus: os.cpus().length, ...result }));
  } finally {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
