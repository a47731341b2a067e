/**
 * npm run bench:redemptions [-- --n1 200 --n16 1000 --n64 2000]
 *
 * Starts the local host (as `npm start` does, on free ports and a temporary data directory), seeds one
 * coupon per redemption through POST /api/coupons, then redeems them over HTTP at 1, 16 and 64 concurrent
 * clients and reports redemptions/s, p50/p99 latency, and the Cosmos operations each redemption costs.
 *
 * Operations are counted inside the host: a module loaded with `--functions` wraps the runtime's containers
 * before any store is built and counts every point read/write, patch and query page, exposed on a
 * bench-only route. Operations made inside a Service Bus function (the redemption-events consumer that
 * records the purchase and the budget delta) are counted apart from the rest (the HTTP hot path), and read
 * only after the host is idle. Last output line: one JSON object with the figures.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { mapWithConcurrency } from '../shared/concurrency.js';
import { percentile, repoRoot, round, startBenchHost } from './host.js';

/** The counting module, written to a temp dir and imported by absolute URL so it shares the host's modules. */
function probeModule(dir: string): string {
  const runtimeUrl = pathToFileURL(path.join(repoRoot, 'dist/shared/runtime.js')).href;
  const registryUrl = pathToFileURL(path.join(repoRoot, 'dist/local/functions-core.js')).href;
  const functionsUrl = pathToFileURL(createRequire(path.join(repoRoot, 'package.json')).resolve('@azure/functions')).href;
  const file = path.join(dir, 'cosmos-ops-probe.js');
  writeFileSync(
    file,
    `import functions from ${JSON.stringify(functionsUrl)};
import { runtime } from ${JSON.stringify(runtimeUrl)};
import { registry } from ${JSON.stringify(registryUrl)};
import { AsyncLocalStorage } from 'node:async_hooks';
const counts = {};
const asyncCounts = {};
const queueTrigger = new AsyncLocalStorage();
const count = (key) => { const into = queueTrigger.getStore() ? asyncCounts : counts; into[key] = (into[key] ?? 0) + 1; };
// Service Bus functions run inside queueTrigger, so their operations land in asyncCounts. Done lazily, on the
// first counter read: the app's functions may register after this module.
const wrapped = new WeakSet();
const wrapQueueFunctions = () => {
  for (const registration of registry.functions.values()) {
    if (registration.trigger.type !== 'serviceBusTrigger' || wrapped.has(registration)) continue;
    const callback = registration.callback;
    registration.callback = (...args) => queueTrigger.run(registration.name, () => callback(...args));
    wrapped.add(registration);
  }
};
const rt = runtime();
const original = rt.container.bind(rt);
const wrap = (target, name, methods) => new Proxy(target, {
  get(t, p) {
    const v = Reflect.get(t, p);
    if (typeof v !== 'function') return v;
    if (methods.includes(p)) return (...args) => { count(name + '.' + String(p)); return v.apply(t, args); };
    return v.bind(t);
  },
});
rt.container = (containerName) => {
  const container = original(containerName);
  return new Proxy(container, {
    get(t, p) {
      if (p === 'item') return (id, pk) => wrap(t.item(id, pk), containerName, ['read', 'replace', 'delete', 'patch']);
      if (p === 'items') {
        const items = t.items;
        return new Proxy(items, {
          get(it, q) {
            const v = Reflect.get(it, q);
            if (q === 'create' || q === 'upsert') return (...args) => { count(containerName + '.' + q); return v.apply(it, args); };
            if (q === 'query') return (...args) => wrap(v.apply(it, args), containerName + '.query', ['fetchAll', 'fetchNext']);
            return typeof v === 'function' ? v.bind(it) : v;
          },
        });
      }
      const v = Reflect.get(t, p);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
};
functions.app.http('bench-cosmos-ops', {
  route: 'bench/cosmos-ops',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => {
    wrapQueueFunctions();
    return { status: 200, jsonBody: { hot: counts, async: asyncCounts } };
  },
});
`,
  );
  return file;
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

async function main() {
  const { values } = parseArgs({ options: { n1: { type: 'string', default: '200' }, n16: { type: 'string', default: '1000' }, n64: { type: 'string', default: '2000' } } });
  const levels = [
    { clients: 1, n: Number(values.n1) },
    { clients: 16, n: Number(values.n16) },
    { clients: 64, n: Number(values.n64) },
  ];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'winback-bench-'));
  const host = await startBenchHost(path.join(dir, 'data'), ['--functions', probeModule(dir)]);
  const call = host.call;
  const ops = async () => {
    const r = await call('/api/bench/cosmos-ops');
    if (r.status !== 200) throw new Error(`operation counter unavailable: ${r.status}`);
    return r.body as { hot: Record<string, number>; async: Record<string, number> };
  };
  const idle = () => host.idle();
  const perRedemption = (before: Record<string, number>, after: Record<string, number>, n: number) => {
    const delta: Record<string, number> = {};
    for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) delta[k] = v - (before[k] ?? 0);
    return { total: round(sum(delta) / n, 2), breakdown: Object.fromEntries(Object.entries(delta).map(([k, v]) => [k, round(v / n, 2)])) };
  };
  try {
    // A capped percent coupon: redeemed for less than the reserved cap, so each redemption also gives
    // budget back — the full hot path, not the cheapest case.
    await call('/api/offers/bench', {
      method: 'PUT',
      json: { name: 'bench 10 %', value: { type: 'percent', percent: 10, maxDiscount: 20 }, minBasket: 20, currency: 'EUR', validity: { days: 30 }, budget: { maxDiscount: 1_000_000 } },
    });
    const total = levels.reduce((a, l) => a + l.n, 0);
    const seedStart = performance.now();
    const codes = await mapWithConcurrency(Array.from({ length: total }, (_, i) => i), 16, async (i) => {
      const r = await call('/api/coupons', { method: 'POST', json: { customerId: `bench-${i}`, offerId: 'bench', requestId: `bench-req-${i}` } });
      if (r.status !== 201) throw new Error(`seeding failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body!['code'] as string;
    });
    const seedSeconds = (performance.now() - seedStart) / 1000;
    console.log(`seeded ${total} coupons in ${seedSeconds.toFixed(1)} s (${round(total / seedSeconds, 0)} issues/s)`);

    let offset = 0;
    const results: Record<string, unknown>[] = [];
    for (const level of levels) {
      const batch = codes.slice(offset, offset + level.n);
      offset += level.n;
      // Earlier work (seeding, the previous level's consumer) must not be counted for this level.
      await idle();
      const before = await ops();
      const latencies: number[] = [];
      let failures = 0;
      const cpuBefore = host.cpuSeconds();
      const start = performance.now();
      await mapWithConcurrency(batch, level.clients, async (code) => {
        const t0 = performance.now();
        const r = await call('/api/redemptions', {
          method: 'POST',
          headers: { 'idempotency-key': `bench-${code}` },
          json: { code, orderId: `BENCH-${code}`, source: 'pos', basketTotal: 42.5, currency: 'EUR', storeId: 'bench-store' },
        });
        latencies.push(performance.now() - t0);
        if (r.status !== 201) failures++;
      });
      const seconds = (performance.now() - start) / 1000;
      // The consumer may still be working through the queue: wait for it before reading either count.
      const idleStart = performance.now();
      await idle();
      const drainSeconds = (performance.now() - idleStart) / 1000;
      const cpuAfter = host.cpuSeconds();
      const after = await ops();
      const hot = perRedemption(before.hot, after.hot, level.n);
      const deferred = perRedemption(before.async, after.async, level.n);
      latencies.sort((a, b) => a - b);
      const result = {
        clients: level.clients,
        redemptions: level.n,
        failures,
        perSecond: round(level.n / seconds, 1),
        p50Ms: round(percentile(latencies, 50)),
        p99Ms: round(percentile(latencies, 99)),
        /** The HTTP request alone (what the till waits for). */
        cosmosOpsPerRedemption: hot.total,
        cosmosOpsBreakdown: hot.breakdown,
        /** The redemption-events consumer (purchase and budget delta), off the request path. */
        cosmosOpsAsyncPerRedemption: deferred.total,
        cosmosOpsAsyncBreakdown: deferred.breakdown,
        /** How long the consumer still needed after the last response. */
        asyncDrainSeconds: round(drainSeconds, 2),
        /** CPU the host spent per redemption, request and consumer together, whatever else runs on the machine. */
        hostCpuMsPerRedemption: cpuBefore === undefined || cpuAfter === undefined ? null : round(((cpuAfter - cpuBefore) * 1000) / level.n, 3),
      };
      console.log(
        `${String(level.clients).padStart(2)} clients: ${result.perSecond} redemptions/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
          `${result.cosmosOpsPerRedemption} Cosmos ops/redemption ${JSON.stringify(result.cosmosOpsBreakdown)} + ` +
          `${result.cosmosOpsAsyncPerRedemption} async ${JSON.stringify(result.cosmosOpsAsyncBreakdown)} (drained ${result.asyncDrainSeconds} s later), host CPU ${result.hostCpuMsPerRedemption ?? '?'} ms/redemption${failures ? `, ${failures} FAILED` : ''}`,
      );
      results.push(result);
    }
    console.log(JSON.stringify({ benchmark: 'redemptions', host: 'local (embedded Cosmos emulator)', cpus: os.cpus().length, seeded: total, levels: results }));
  } finally {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
