import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAccountKey, devAccountName } from '../../local/azurite.js';
import { sharedKit, startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';

/** CDNOW_sample.txt: `master_id sample_id YYYYMMDD n_cds dollar_value`, no header. */
function cdnowPurchases() {
  return readFileSync(path.join(sharedKit, 'datasets/cdnow/CDNOW_sample.txt'), 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((line, index) => {
      const [masterId, , date, , dollars] = line.trim().split(/\s+/);
      return {
        orderId: `cdnow-${index}`,
        source: 'cdnow',
        customerId: masterId!,
        occurredAt: `${date!.slice(0, 4)}-${date!.slice(4, 6)}-${date!.slice(6, 8)}T12:00:00Z`,
        total: Number(dollars),
        currency: 'USD',
      };
    });
}

const within = (actual: number, expected: number, relative: number) =>
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(relative);

interface SegmentsView {
  runId: string;
  asOf: string;
  status: string;
  customers: number;
  segments: Record<string, number>;
  movements: Record<string, number>;
  segmentChanges: number;
  baselineRunId: string | null;
  customersWritten: number;
  customersUnchanged: number;
  previousRunId?: string | null;
  retries: { pass: string; shard: number; deliveryCount: number }[];
  progress: { summarized: number; scored: number; shards: number };
  models: {
    timeUnit: string;
    bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number };
    gammaGamma: { p: number; q: number; gamma: number; currency: string; repeatBuyers: number };
  };
}

interface Scores {
  segment: string;
  segmentSince: string;
  previousSegment: string | null;
  runId: string;
  source: 'document' | 'recomputed';
  scores: { x: number; txDays: number; TDays: number; pAlive: number; rfm: { code: string }; runId: string; computedAt: string };
}

describe('segmentation runs on the local host (CDNOW)', () => {
  let host: RunningHost;
  let ready: { blobEndpoint: string };
  const purchases = cdnowPurchases();

  const json = async <T>(response: Response, status = 200): Promise<T> => {
    const text = await response.text();
    expect(response.status, text).toBe(status);
    return JSON.parse(text) as T;
  };
  const run = async (input: Record<string, unknown>) => {
    // Runs happen at different times (the latest completed one is the one GET /api/segments shows); a minute
    // apart keeps the nightly 02:00 timer out of the picture.
    await json(await host.call('/admin/local/clock', { method: 'POST', json: { advanceMs: 60_000 } }));
    const response = await host.call('/admin/functions/segments-compute', { method: 'POST', json: { input: JSON.stringify(input) } });
    expect(response.status).toBe(202);
    await waitIdle(host);
  };
  const events = async () => json<{ active: number; deadLettered: number }>(await host.call('/admin/local/queues/customer-events'));
  const scoresOf = async (customerId: string) => json<Scores>(await host.call(`/api/customers/${customerId}/profile-scores`));

  beforeAll(async () => {
    host = await startHost({ args: ['--virtual-clock', '1998-07-01T00:00:00Z'] });
    ready = JSON.parse(/^WINBACK_READY (.+)$/m.exec(host.output())![1]!) as { blobEndpoint: string };
    // A profile for one customer: the run must keep it and add the scores beside it.
    await json(await host.call('/api/customers/00004', { method: 'PUT', json: { email: 'cd@example.com' } }), 201);
    let created = 0;
    for (let i = 0; i < purchases.length; i += 1000) {
      const body = await json<{ counts: { created: number } }>(
        await host.call('/api/purchases', { method: 'POST', json: { purchases: purchases.slice(i, i + 1000) } }),
      );
      created += body.counts.created;
    }
    expect(created).toBe(6919);
  }, 240_000);

  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
  });

  it('answers 404 before any run has completed', async () => {
    const response = await host.call('/api/segments');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('fits the published CDNOW models through the shards, even when a shard crashes midway', async () => {
    // Shard 3 throws on its first delivery after sending the events of its first chunk and before stamping
    // any customer: the redelivery re-sends those events (dropped as duplicates) and finishes the shard.
    await run({ asOf: '1997-09-30', timeUnit: 'week', runId: 'cdnow-1', testFaults: { pass: 'score', shard: 3, afterChunk: 0 } });
    const view = await json<SegmentsView>(await host.call('/api/segments'));
    expect(view).toMatchObject({ runId: 'cdnow-1', asOf: '1997-09-30', status: 'completed', customers: 2357, customersWritten: 2357, writeReasons: { first: 2357 } });
    const { bgnbd, gammaGamma, timeUnit } = view.models;
    expect(timeUnit).toBe('week');
    within(bgnbd.r, 0.2426, 0.005);
    within(bgnbd.alpha, 4.4137, 0.005);
    within(bgnbd.a, 0.793, 0.005);
    within(bgnbd.b, 2.4262, 0.005);
    expect(Math.abs(bgnbd.logLikelihood - -9582.4)).toBeLessThanOrEqual(0.1);
    expect(gammaGamma.repeatBuyers).toBe(946);
    expect(gammaGamma.currency).toBe('USD');
    within(gammaGamma.p, 6.2488, 0.005);
    within(gammaGamma.q, 3.7446, 0.005);
    within(gammaGamma.gamma, 15.4477, 0.005);

    const counts = Object.values(view.segments);
    expect(counts.reduce((s, c) => s + c, 0)).toBe(2357);
    expect(counts.filter((c) => c > 0).length).toBeGreaterThan(2);
    // Every customer got a first segment: one event each, the crashed shard's copies deduplicated.
    expect(view.retries).toEqual([{ pass: 'score', shard: 3, deliveryCount: 2 }]);
    expect(view.segmentChanges).toBe(2357);
    expect(Object.keys(view.movements).every((m) => m.startsWith('none→'))).toBe(true);
    // journeys-events reads every segment.changed (the shipped journeys are paused, so nobody enters one).
    expect(await events()).toMatchObject({ active: 0, deadLettered: 0 });
  }, 180_000);

  it('stores scores on the customer without touching the profile; profile-less customers are answered with what is known', async () => {
    const profile = await json<{ email: string; segment: string; analytics: { runId: string } }>(await host.call('/api/customers/00004'));
    expect(profile.email).toBe('cd@example.com');
    expect(profile.analytics.runId).toBe('cdnow-1');
    const scores = await scoresOf('00004');
    expect(scores).toMatchObject({ segment: profile.segment, segmentSince: '1997-09-30', previousSegment: null, runId: 'cdnow-1' });
    expect(scores.scores.pAlive).toBeGreaterThan(0);

    const profileLess = purchases.at(-1)!.customerId;
    const known = await host.call(`/api/customers/${profileLess}`);
    expect(known.status).toBe(200);
    const other = await scoresOf(profileLess);
    expect(other.runId).toBe('cdnow-1');
    // Consistent with profile-scores: the same segment, no profile fields, the purchase history summarised.
    const knownBody = (await known.json()) as { hasProfile: boolean; segment: string; email?: string; purchases: { count: number } };
    expect(knownBody).toMatchObject({ hasProfile: false, segment: other.segment });
    expect(knownBody.email).toBeUndefined();
    expect(knownBody.purchases.count).toBe(purchases.filter((p) => p.customerId === profileLess).length);
    expect((await host.call('/api/customers/99999/profile-scores')).status).toBe(404);

    // Giving that customer a profile later creates it (201) and keeps the scores.
    const created = await host.call(`/api/customers/${profileLess}`, { method: 'PUT', json: { firstName: 'Late' } });
    expect(created.status).toBe(201);
    expect((await scoresOf(profileLess)).runId).toBe('cdnow-1');
  });

  it('writes the snapshot to Blob: one CSV part per shard and summary.json', async () => {
    const connection = `DefaultEndpointsProtocol=http;AccountName=${devAccountName};AccountKey=${devAccountKey};BlobEndpoint=${ready.blobEndpoint};`;
    const container = BlobServiceClient.fromConnectionString(connection).getContainerClient('winback-snapshots');
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat({ prefix: 'segments/cdnow-1/' })) names.push(blob.name);
    const summary = JSON.parse((await container.getBlobClient('segments/cdnow-1/summary.json').downloadToBuffer()).toString()) as {
      customers: number;
      parts: string[];
      segments: Record<string, number>;
      models: { bgnbd: { r: number } };
    };
    expect(summary.customers).toBe(2357);
    expect(summary.parts).toHaveLength(16);
    expect(names.sort()).toEqual([...summary.parts.map((p) => `segments/cdnow-1/${p}`), 'segments/cdnow-1/summary.json'].sort());
    let rows = 0;
    const segments: Record<string, number> = {};
    for (const part of summary.parts) {
      const lines = (await container.getBlobClient(`segments/cdnow-1/${part}`).downloadToBuffer()).toString().trim().split('\r\n');
      expect(lines[0]).toMatch(/^customerId,segment,previousSegment,segmentChanged,recencyScore,/);
      for (const line of lines.slice(1)) {
        const segment = line.split(',')[1]!;
        segments[segment] = (segments[segment] ?? 0) + 1;
        rows++;
      }
    }
    expect(rows).toBe(2357);
    for (const [name, count] of Object.entries(summary.segments)) expect(segments[name] ?? 0).toBe(count);
  });

  it('a second run on unchanged data moves nobody and sends no event', async () => {
    const before = await scoresOf('00004');
    await run({ asOf: '1997-09-30', timeUnit: 'week' });
    const view = await json<SegmentsView>(await host.call('/api/segments'));
    expect(view.runId).not.toBe('cdnow-1');
    expect(view.previousRunId).toBe('cdnow-1');
    expect(view).toMatchObject({ status: 'completed', customers: 2357, segmentChanges: 0, movements: {} });
    // Nothing a reader uses changed: no document was written; profile-scores recomputes the new run's scores.
    expect(view).toMatchObject({ baselineRunId: 'cdnow-1', customersWritten: 0, writeReasons: {}, customersUnchanged: 2357 });
    expect(await events()).toMatchObject({ active: 0, deadLettered: 0 });
    const after = await scoresOf('00004');
    expect(after).toMatchObject({ segment: before.segment, segmentSince: '1997-09-30', runId: view.runId, source: 'recomputed' });
    expect(after.scores).toEqual({ ...before.scores, runId: view.runId, computedAt: after.scores.computedAt });

    // Re-triggering a completed run by its id does nothing.
    await run({ asOf: '1997-09-30', timeUnit: 'week', runId: 'cdnow-1' });
    expect((await json<SegmentsView>(await host.call('/api/segments'))).runId).toBe(view.runId);
  }, 180_000);

  it('ignores purchases after asOf, and counts them once asOf reaches them', async () => {
    const before = await scoresOf('00004');
    await json(
      await host.call('/api/purchases', {
        method: 'POST',
        json: { orderId: 'late-1', source: 'cdnow', customerId: '00004', occurredAt: '1997-10-05T12:00:00Z', total: 20, currency: 'USD' },
      }),
      201,
    );
    await run({ asOf: '1997-09-30', timeUnit: 'week', runId: 'cdnow-late' });
    const same = await json<SegmentsView>(await host.call('/api/segments/runs/cdnow-late'));
    expect(same.status).toBe('completed');
    expect(Math.abs(same.models.bgnbd.logLikelihood - -9582.4)).toBeLessThanOrEqual(0.1);
    expect((await scoresOf('00004')).scores).toMatchObject({ x: before.scores.x, txDays: before.scores.txDays, TDays: before.scores.TDays });

    await run({ asOf: '1997-10-05', timeUnit: 'week', runId: 'cdnow-oct5' });
    const later = await scoresOf('00004');
    expect(later.runId).toBe('cdnow-oct5');
    expect(later.scores.x).toBe(before.scores.x + 1);
    expect(later.scores.TDays).toBe(before.scores.TDays + 5);
    expect(later.scores.txDays).toBe(before.scores.TDays + 5);
  }, 180_000);

  it('shows a run with its status and 404 for an unknown one', async () => {
    const view = await json<SegmentsView>(await host.call('/api/segments/runs/cdnow-1'));
    expect(view).toMatchObject({ runId: 'cdnow-1', status: 'completed', progress: { summarized: 16, scored: 16, shards: 16 } });
    expect((await host.call('/api/segments/runs/nope')).status).toBe(404);
  });

  describe('the runs API (POST/GET /api/segments/runs) and runs that cannot finish', () => {
    interface RunPage {
      runs: { runId: string; createdAt: string; status: string }[];
      continuationToken: string | null;
    }
    interface Problem {
      errors?: { pointer: string; message: string }[];
    }
    const listAll = async () => {
      const ids: string[] = [];
      let token: string | null = null;
      do {
        const page: RunPage = await json<RunPage>(await host.call(`/api/segments/runs?limit=2${token ? `&continuationToken=${token}` : ''}`));
        expect(page.runs.length).toBeLessThanOrEqual(2);
        if (token !== null) expect(token).toMatch(/^[A-Za-z0-9_.-]+$/);
        ids.push(...page.runs.map((r) => r.runId));
        token = page.continuationToken;
      } while (token !== null);
      return ids;
    };
    const post = (body: unknown) => host.call('/api/segments/runs', { method: 'POST', json: body });
    const pointers = async (response: Response) => (await json<Problem>(response, 400)).errors?.map((e) => e.pointer);

    it('POST starts a run: 201 with the runId and its Location; a bad field is a 400 naming it, and nothing starts', async () => {
      const before = await listAll();
      expect(await pointers(await post({ asOf: '1997-09-31' }))).toEqual(['/asOf']);
      expect(await pointers(await post({ asOf: '1997-09-30', timeUnit: 'month' }))).toEqual(['/timeUnit']);
      expect(await pointers(await post({ asof: '1997-09-30' }))).toEqual(['/asof']);
      expect(await pointers(await post({ asOf: '2099-01-01' }))).toEqual(['/asOf']);
      await waitIdle(host);
      expect(await listAll()).toEqual(before);

      await json(await host.call('/admin/local/clock', { method: 'POST', json: { advanceMs: 60_000 } }));
      const created = await post({ asOf: '1997-09-30', timeUnit: 'week', runId: 'api-1' });
      const body = await json<{ runId: string; status: string }>(created, 201);
      expect(body.runId).toBe('api-1');
      expect(created.headers.get('location')).toBe('/api/segments/runs/api-1');
      await waitIdle(host);
      expect(await json<{ status: string }>(await host.call('/api/segments/runs/api-1'))).toMatchObject({ status: 'completed' });
      expect((await post({ asOf: '1997-09-30', runId: 'api-1' })).status).toBe(200);
      expect((await post({ asOf: '1997-10-01', runId: 'api-1' })).status).toBe(409);
    }, 120_000);

    it('GET lists the runs newest first, paged with opaque URL-safe tokens; a malformed or foreign token is a 400', async () => {
      const ids = await listAll();
      expect(ids[0]).toBe('api-1');
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining(['cdnow-1', 'cdnow-late', 'cdnow-oct5']));
      const created = await Promise.all(ids.map(async (id) => (await json<{ createdAt: string }>(await host.call(`/api/segments/runs/${id}`))).createdAt));
      expect([...created].sort().reverse()).toEqual(created);
      for (const token of ['not-a-token', Buffer.from('{"v":2}').toString('base64url'), 'a%2Fb']) {
        expect(await pointers(await host.call(`/api/segments/runs?continuationToken=${token}`))).toEqual(['query/continuationToken']);
      }
    }, 120_000);

    it('admin input that is not a JSON object is refused with 400 and runs nothing for yesterday', async () => {
      const before = await listAll();
      for (const input of ['asOf=1997-09-30', '"1997-09-30"', '[1]']) {
        const response = await host.call('/admin/functions/segments-compute', { method: 'POST', json: { input } });
        expect(response.status).toBe(400);
      }
      await waitIdle(host);
      expect(await listAll()).toEqual(before);
    });

    it('a run whose shard is dead-lettered is failed with the shard and error in the API and the log; the next run is not blocked; re-triggering resumes it', async () => {
      await json(await host.call('/admin/local/clock', { method: 'POST', json: { advanceMs: 60_000 } }));
      const faults = { pass: 'score', shard: 1, deliveries: 5 };
      await json(await post({ asOf: '1997-09-30', timeUnit: 'week', runId: 'api-dl', shards: 4, testFaults: faults }), 201);
      await waitIdle(host);
      const failed = await json<{ status: string; error: string; failure: { reason: string; pass: string; shards: number[] } }>(await host.call('/api/segments/runs/api-dl'));
      expect(failed).toMatchObject({ status: 'failed', failure: { reason: 'dead_lettered', pass: 'score', shards: [1] } });
      expect(failed.error).toContain('shard 1 (score) failed on all 5 deliveries');
      expect(host.output()).toContain('run api-dl failed: shard 1 (score)');
      const dead = await json<{ messageId: string }[]>(await host.call('/admin/local/queues/segment-shards/deadletters'));
      expect(dead.map((m) => m.messageId)).toContain('api-dl:score:1');

      await json(await host.call('/admin/local/clock', { method: 'POST', json: { advanceMs: 60_000 } }));
      await json(await post({ asOf: '1997-09-30', timeUnit: 'week', runId: 'api-after', shards: 4 }), 201);
      await waitIdle(host);
      expect(await json<{ status: string }>(await host.call('/api/segments/runs/api-after'))).toMatchObject({ status: 'completed' });

      const resumed = await post({ asOf: '1997-09-30', timeUnit: 'week', runId: 'api-dl' });
      expect(resumed.status).toBe(202);
      await waitIdle(host);
      expect(await json<{ status: string; customers: number }>(await host.call('/api/segments/runs/api-dl'))).toMatchObject({ status: 'completed', customers: 2357 });
    }, 180_000);
  });
});
