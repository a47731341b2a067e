import net from 'node:net';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmentsRunGet } from '../../../functions/segments-run-get.js';
import { dependencyFailure } from '../../../shared/http/request.js';
import { configureRuntime } from '../../../shared/runtime.js';
import { MemoryBus } from './fakes.js';

/**
 * GET /api/segments/runs/{runId} while Cosmos DB is overloaded: a read that the SDK gives up on (its
 * requestTimeout) or whose connection is cut is the backing service's trouble, answered 503 with
 * Retry-After and logged with the reason, never a bare 500. Under load on the local host this is what the
 * route met: the run document's read queued behind the shards' scans in the emulator past the SDK's timeout.
 */
type Mode = 'stall' | 'reset';

describe('GET /api/segments/runs/{runId} when Cosmos DB does not answer', () => {
  let server: net.Server;
  let mode: Mode = 'stall';
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    // Cosmos DB as seen from an overloaded emulator: the connection is accepted, then nothing comes back
    // (stall) or the connection is cut (reset).
    server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      if (mode === 'reset') socket.once('data', () => socket.resetAndDestroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    configureRuntime({
      env: { CosmosDB: `AccountEndpoint=http://127.0.0.1:${port}/;AccountKey=a2V5;`, AzureWebJobsStorage: 'UseDevelopmentStorage=true' },
      bus: new MemoryBus(),
      cosmosClientOptions: { connectionPolicy: { requestTimeout: 300, enableEndpointDiscovery: false } },
    });
  });

  afterAll(async () => {
    configureRuntime({});
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  async function get(runId: string) {
    const lines: { level: string; text: string }[] = [];
    const context = new InvocationContext({
      invocationId: 'inv-1',
      functionName: 'segments-run-get',
      logHandler: (level, ...args) => lines.push({ level, text: args.map(String).join(' ') }),
    });
    const request = new HttpRequest({ method: 'GET', url: `http://localhost/api/segments/runs/${runId}`, params: { runId } });
    const response = await segmentsRunGet(request, context);
    return { response, lines };
  }

  for (const m of ['stall', 'reset'] as const) {
    it(`answers 503 with Retry-After and logs why when the read ${m === 'stall' ? 'times out' : 'loses its connection'}`, async () => {
      mode = m;
      const { response, lines } = await get('run-under-load');
      expect(response.status).toBe(503);
      const headers = response.headers as Record<string, string>;
      expect(headers['retry-after']).toBe('5');
      expect(headers['content-type']).toContain('application/problem+json');
      const warning = lines.find((l) => l.level === 'warning' && l.text.includes('http.dependency_unavailable'));
      expect(warning?.text).toMatch(m === 'stall' ? /timed out \(TimeoutError\)/ : /connection failed \(ECONNRESET\)/);
      expect(lines.some((l) => l.level === 'error')).toBe(false);
    }, 30_000);
  }

  it('still answers 400 naming the field for a malformed run id, without touching Cosmos', async () => {
    const { response } = await get('not a run id!');
    expect(response.status).toBe(400);
    expect(JSON.parse(String(response.body)).errors[0].pointer).toContain('runId');
  });
});

describe('which errors are a backing service in trouble', () => {
  it('recognises throttling, timeouts and cut connections, and nothing else', () => {
    expect(dependencyFailure(Object.assign(new Error('x'), { code: 429 }))).toBe('throttled (429)');
    expect(dependencyFailure(Object.assign(new Error('x'), { code: 408 }))).toBe('unavailable (408)');
    expect(dependencyFailure(Object.assign(new Error('x'), { statusCode: 503 }))).toBe('unavailable (503)');
    expect(dependencyFailure(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }))).toBe('connection failed (ETIMEDOUT)');
    expect(dependencyFailure(new TypeError('cannot read properties of undefined'))).toBeUndefined();
    expect(dependencyFailure(Object.assign(new Error('conflict'), { code: 409 }))).toBeUndefined();
    expect(dependencyFailure(Object.assign(new Error('bug'), { code: 500 }))).toBeUndefined();
    expect(dependencyFailure('a string')).toBeUndefined();
  });
});
