import type { Container, PatchOperation } from '@azure/cosmos';
import { erasureTombstoneId } from '../customers/store.js';
import type { CustomerSegmentationStore, IdentityChanges, PurchaseRow, PurchaseSource, RunCursor, RunRepository, SegmentationWrite, WriteOutcome } from './ports.js';
import { newestFirst, runDocumentId, runDocumentKind, SegmentRun } from './run.js';
import type { StoredSegmentation } from './customer-update.js';

const code = (error: unknown) => (error as { code?: number }).code;

/** Run documents: id "run" in the run's partition, changed only under the ETag. */
export class CosmosRunRepository implements RunRepository {
  constructor(private readonly container: Container) {}

  async create(run: SegmentRun): Promise<{ created: true } | { created: false; run: SegmentRun }> {
    try {
      await this.container.items.create(run);
      return { created: true };
    } catch (error) {
      if (code(error) !== 409) throw error;
      const existing = await this.get(run.runId);
      if (!existing) throw error;
      return { created: false, run: existing };
    }
  }

  private async read(runId: string): Promise<{ run: SegmentRun; etag: string } | undefined> {
    const { resource, etag } = await this.container.item(runDocumentId, runId).read<SegmentRun>();
    if (!resource) return undefined;
    return { run: SegmentRun.parse(resource), etag };
  }

  async get(runId: string): Promise<SegmentRun | undefined> {
    return (await this.read(runId))?.run;
  }

  async update<T>(runId: string, change: (run: SegmentRun) => { next?: SegmentRun; value: T }): Promise<T> {
    // Every shard of a run reports to this one document; with 16–256 shards finishing close together a few
    // rounds of optimistic retries are normal.
    for (let attempt = 0; attempt < 60; attempt++) {
      const current = await this.read(runId);
      if (!current) throw new Error(`segmentation run ${runId} not found`);
      const { next, value } = change(current.run);
      if (next === undefined) return value;
      try {
        await this.container.item(runDocumentId, runId).replace(next, { accessCondition: { type: 'IfMatch', condition: current.etag } });
        return value;
      } catch (error) {
        if (code(error) !== 412) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * Math.min(200, 10 * 2 ** Math.min(attempt, 5))));
      }
    }
    throw Object.assign(new Error(`too much contention on segmentation run ${runId}`), { code: 503 });
  }

  async latestCompleted(limit: number): Promise<SegmentRun[]> {
    const { resources } = await this.container.items
      .query<SegmentRun>({
        query: `SELECT TOP ${Math.max(1, Math.floor(limit))} * FROM c WHERE c.kind = @kind AND c.status = @status ORDER BY c.completedAt DESC`,
        parameters: [
          { name: '@kind', value: runDocumentKind },
          { name: '@status', value: 'completed' },
        ],
      })
      .fetchAll();
    return resources.map((r) => SegmentRun.parse(r));
  }

  async list(limit: number, after?: RunCursor): Promise<{ runs: SegmentRun[]; more: boolean }> {
    const top = Math.max(1, Math.floor(limit));
    const parameters = [
      { name: '@kind', value: runDocumentKind },
      ...(after ? [{ name: '@at', value: after.createdAt }, { name: '@id', value: after.runId }] : []),
    ];
    const afterClause = after ? ' AND (c.createdAt < @at OR (c.createdAt = @at AND c.runId < @id))' : '';
    const query = (extra: string, head: string) =>
      this.container.items
        .query<SegmentRun>({ query: `SELECT ${head} * FROM c WHERE c.kind = @kind${afterClause}${extra} ORDER BY c.createdAt DESC`, parameters })
        .fetchAll();
    let { resources } = await query('', `TOP ${top + 1}`);
    // One ORDER BY field (no composite index needed): runs created in the same millisecond are ordered by id
    // here, after fetching the whole tie group when it straddles the page end.
    if (resources.length > top && resources[top]!.createdAt === resources[top - 1]!.createdAt) {
      const at = resources[top]!.createdAt;
      const tied = await this.container.items
        .query<SegmentRun>({
          query: `SELECT * FROM c WHERE c.kind = @kind${afterClause} AND c.createdAt = @tie`,
          parameters: [...parameters, { name: '@tie', value: at }],
        })
        .fetchAll();
      resources = [...resources.filter((r) => r.createdAt !== at), ...tied.resources];
    }
    const runs = resources.map((r) => SegmentRun.parse(r)).sort(newestFirst);
    return { runs: runs.slice(0, top), more: runs.length > top };
  }

  async inProgress(): Promise<SegmentRun[]> {
    const { resources } = await this.container.items
      .query<SegmentRun>({
        query: 'SELECT * FROM c WHERE c.kind = @kind AND (c.status = @summarizing OR c.status = @scoring)',
        parameters: [
          { name: '@kind', value: runDocumentKind },
          { name: '@summarizing', value: 'summarizing' },
          { name: '@scoring', value: 'scoring' },
        ],
      })
      .fetchAll();
    return resources.map((r) => SegmentRun.parse(r));
  }
}


/** Pages through one bucket range of `purchases` (a cross-partition query filtered on the stored bucket). */
/** The bucket range and asOf bound every pass-1 query filters on. */
const inRange = 'c.bucket >= @lo AND c.bucket < @hi AND c.occurredAt < @before';
const rangeParameters = (range: { lo: number; hi: number }, occurredBefore: string) => [
  { name: '@lo', value: range.lo },
  { name: '@hi', value: range.hi },
  { name: '@before', value: occurredBefore },
];

export class CosmosPurchaseSource implements PurchaseSource {
  constructor(
    private readonly container: Container,
    private readonly pageSize = 1000,
  ) {}

  async *scan(range: { lo: number; hi: number }, occurredBefore: string): AsyncIterable<PurchaseRow[]> {
    const iterator = this.container.items.query<PurchaseRow>(
      {
        query:
          'SELECT c.customerId, c.occurredAt, c.totalMinor, c.type, c.currency, c.items, c.couponCodes FROM c ' +
          `WHERE ${inRange}`,
        parameters: rangeParameters(range, occurredBefore),
      },
      { maxItemCount: this.pageSize },
    );
    for await (const page of iterator.getAsyncIterator()) {
      if (page.resources.length > 0) yield page.resources;
    }
  }

  async changedCustomers(range: { lo: number; hi: number }, since: { receivedSince: string; occurredFrom: string; occurredBefore: string }): Promise<string[]> {
    const iterator = this.container.items.query<{ customerId: string }>(
      {
        query: `SELECT c.customerId FROM c WHERE ${inRange} AND (c.receivedAt >= @since OR c.occurredAt >= @from)`,
        parameters: [
          ...rangeParameters(range, since.occurredBefore),
          { name: '@since', value: since.receivedSince },
          { name: '@from', value: since.occurredFrom },
        ],
      },
      { maxItemCount: this.pageSize },
    );
    const ids = new Set<string>();
    for await (const page of iterator.getAsyncIterator()) for (const row of page.resources) ids.add(row.customerId);
    return [...ids];
  }

  async forCustomer(customerId: string, occurredBefore: string): Promise<PurchaseRow[]> {
    const { resources } = await this.container.items
      .query<PurchaseRow>(
        {
          query:
            'SELECT c.customerId, c.occurredAt, c.totalMinor, c.type, c.currency, c.items, c.couponCodes FROM c ' +
            'WHERE c.customerId = @id AND c.occurredAt < @before',
          parameters: [
            { name: '@id', value: customerId },
            { name: '@before', value: occurredBefore },
          ],
        },
        { partitionKey: customerId },
      )
      .fetchAll();
    return resources;
  }
}

function segmentationPatch(write: SegmentationWrite): PatchOperation[] {
  return [
    { op: 'set', path: '/analytics', value: write.analytics },
    { op: 'set', path: '/segment', value: write.segment },
    { op: 'set', path: '/segmentSince', value: write.segmentSince },
    { op: 'set', path: '/previousSegment', value: write.previousSegment },
  ];
}

interface CustomerDoc extends StoredSegmentation {
  id: string;
  createdAt?: string;
}

/** The segmentation fields of customer documents; a patch, so concurrent profile writes are never lost. */
export class CosmosCustomerSegmentationStore implements CustomerSegmentationStore {
  constructor(private readonly container: Container) {}

  async read(customerId: string): Promise<{ stored: StoredSegmentation; etag: string } | undefined> {
    const { resource, etag } = await this.container.item(customerId, customerId).read<CustomerDoc>();
    if (!resource) return undefined;
    return { stored: resource, etag };
  }

  async update(customerId: string, etag: string, write: SegmentationWrite): Promise<WriteOutcome> {
    try {
      await this.container.item(customerId, customerId).patch(segmentationPatch(write), { accessCondition: { type: 'IfMatch', condition: etag } });
      return 'written';
    } catch (error) {
      // 404: erased between our read and write; re-deciding finds no document and consults the tombstone.
      if (code(error) === 412 || code(error) === 404) return 'conflict';
      throw error;
    }
  }

  async updateIfScoredBy(customerId: string, expectedRunId: string, write: SegmentationWrite): Promise<WriteOutcome> {
    // Run ids are letters, digits, "-" and "_" (RunId), so the literal needs no escaping.
    if (!/^[A-Za-z0-9_-]+$/.test(expectedRunId)) return 'conflict';
    try {
      await this.container
        .item(customerId, customerId)
        .patch({ condition: `FROM c WHERE c.analytics.runId = '${expectedRunId}'`, operations: segmentationPatch(write) });
      return 'written';
    } catch (error) {
      if (code(error) === 412 || code(error) === 404) return 'conflict';
      throw error;
    }
  }

  async createAnalyticsOnly(customerId: string, write: SegmentationWrite): Promise<WriteOutcome> {
    try {
      await this.container.items.create({ id: customerId, ...write });
      return 'written';
    } catch (error) {
      if (code(error) === 409) return 'conflict';
      throw error;
    }
  }

  async isErased(customerId: string): Promise<boolean> {
    const id = erasureTombstoneId(customerId);
    const { resource } = await this.container.item(id, id).read();
    return resource !== undefined;
  }
}

/** Erasure tombstones (in `customers`) and merge records (in `links`) since an instant: two cross-partition queries. */
export class CosmosIdentityChanges implements IdentityChanges {
  constructor(
    private readonly customers: Container,
    private readonly links: Container,
  ) {}

  async since(since: string): Promise<{ erasureTombstoneIds: string[]; mergedCustomers: string[] }> {
    const [erased, merges] = await Promise.all([
      this.customers.items
        .query<{ id: string }>({ query: "SELECT c.id FROM c WHERE c.kind = 'erasure' AND c.erasedAt >= @since", parameters: [{ name: '@since', value: since }] })
        .fetchAll(),
      this.links.items
        .query<{ absorbedId: string; survivorId: string }>({
          query:
            "SELECT c.absorbedId, c.survivorId FROM c WHERE c.kind = 'merge' AND (c.status = 'running' OR c.startedAt >= @since " +
            'OR (IS_DEFINED(c.completedAt) AND c.completedAt >= @since))',
          parameters: [{ name: '@since', value: since }],
        })
        .fetchAll(),
    ]);
    return {
      erasureTombstoneIds: erased.resources.map((r) => r.id),
      mergedCustomers: [...new Set(merges.resources.flatMap((m) => [m.absorbedId, m.survivorId]))],
    };
  }
}
