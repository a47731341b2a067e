/**
 * Three changes to how the embedded emulator (@vercel/cosmosdb-server) answers queries, each making it behave
 * more like Cosmos DB in cost without changing what a query returns:
 *
 * 1. A query sent with a partition key (the `x-ms-documentdb-partitionkey` header the SDK sets for the
 *    `partitionKey` option) only looks at that partition's documents, as in Cosmos. As shipped, the emulator
 *    evaluated every query over the whole container, so a customer's three enrollments cost a scan of all
 *    enrollments — the main reason the local host slowed down as data grew.
 * 2. Query-plan requests are answered without running the query. The SDK asks for a plan next to every
 *    query and only reads it after a "cross partition query only supports …" error, which the emulator never
 *    gives; the emulator used to execute each query twice.
 * 3. A query whose results span pages is evaluated once: the full result is kept and later pages are sliced
 *    from it, instead of filtering and sorting the whole container again for every page (a 100,000-purchase
 *    scan in 1,000-item pages evaluated 100 × 100,000 documents). Later pages therefore show the container as
 *    it was at the first page — a consistent snapshot, which Cosmos does not promise but does not forbid
 *    either. Kept results are bounded in rows and age; an expired continuation is a 400 that says so.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the emulator thread knows of the request it is serving, for the query path. */
export const requestContext = new AsyncLocalStorage<{ partitionKey?: string }>();

export function isQueryPlanRequest(req: IncomingMessage): boolean {
  return req.headers['x-ms-cosmos-is-query-plan-request'] !== undefined;
}

/**
 * A plan for a query without ORDER BY, aggregates or DISTINCT over the single range the emulator advertises.
 * The SDK fetches it alongside the query and never consults it against this emulator (see above); it is a
 * well-formed plan all the same, so a future SDK that does read it gets a valid answer.
 */
const passThroughPlan = JSON.stringify({
  partitionedQueryExecutionInfoVersion: 2,
  queryInfo: {
    distinctType: 'None',
    top: null,
    offset: null,
    limit: null,
    orderBy: [],
    orderByExpressions: [],
    groupByExpressions: [],
    groupByAliases: [],
    aggregates: [],
    groupByAliasToAggregateType: {},
    rewrittenQuery: '',
    hasSelectValue: false,
    hasNonStreamingOrderBy: false,
  },
  queryRanges: [{ min: '', max: 'FF', isMinInclusive: true, isMaxInclusive: false }],
});

export function answerQueryPlan(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.statusCode = 200;
  res.setHeader('content-type', 'application/json');
  res.setHeader('x-ms-request-charge', '0');
  res.end(passThroughPlan);
}

/** The key a partition value is indexed under; undefined for a value a query header cannot name. */
export function partitionKeyOf(value: unknown): string | undefined {
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value}${String(value)}`;
  return undefined;
}

/** The partition a request addresses, from the header's JSON array (`["customer-1"]`). */
export function partitionFromHeader(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  try {
    const parsed = JSON.parse(header) as unknown;
    return Array.isArray(parsed) && parsed.length === 1 ? partitionKeyOf(parsed[0]) : undefined;
  } catch {
    return undefined;
  }
}

interface StoredItem {
  read(): Record<string, unknown> | undefined;
}

/**
 * The emulator's item map (rid → item) with a second index by partition. Every change to a container's
 * items goes through this map (create, replace, delete, snapshot restore, journal replay), so the index
 * cannot drift from the data.
 */
export class PartitionedItems extends Map<string, StoredItem> {
  readonly partitions = new Map<string, Map<string, StoredItem>>();

  constructor(private readonly partitionOf: (document: Record<string, unknown>) => unknown) {
    super();
  }

  private keyOf(item: StoredItem): string | undefined {
    const document = item.read();
    return document === undefined ? undefined : partitionKeyOf(this.partitionOf(document));
  }

  override set(rid: string, item: StoredItem): this {
    const previous = super.get(rid);
    if (previous) this.unindex(rid, previous);
    super.set(rid, item);
    const key = this.keyOf(item);
    if (key !== undefined) {
      let partition = this.partitions.get(key);
      if (!partition) this.partitions.set(key, (partition = new Map()));
      partition.set(rid, item);
    }
    return this;
  }

  override delete(rid: string): boolean {
    const previous = super.get(rid);
    if (previous) this.unindex(rid, previous);
    return super.delete(rid);
  }

  override clear(): void {
    this.partitions.clear();
    super.clear();
  }

  private unindex(rid: string, item: StoredItem): void {
    const key = this.keyOf(item);
    if (key === undefined) return;
    const partition = this.partitions.get(key);
    partition?.delete(rid);
    if (partition?.size === 0) this.partitions.delete(key);
  }
}

interface Continuation {
  token: string;
  range: { min: string; max: string };
}
interface QueryResult {
  result: unknown[];
  continuation: Continuation | null;
}

/** Full results of paged queries, by id, evicted by age and by the total rows kept. */
export class PageCache {
  private readonly entries = new Map<string, { rows: unknown[]; touched: number }>();
  private rows = 0;
  private next = 0;

  constructor(
    private readonly limits = { maxRows: 2_000_000, idleMs: 30 * 60_000 },
    private readonly now: () => number = Date.now,
  ) {}

  static isToken(continuation: unknown): continuation is Continuation {
    return typeof (continuation as Continuation | null)?.token === 'string' && (continuation as Continuation).token.startsWith('W1:');
  }

  /** Keeps `rows` and answers their first page. */
  first(rows: unknown[], pageSize: number): QueryResult {
    if (rows.length <= pageSize) return { result: rows, continuation: null };
    this.evict(rows.length);
    const id = `${(this.next++).toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
    this.entries.set(id, { rows, touched: this.now() });
    this.rows += rows.length;
    return this.page(id, 0, pageSize);
  }

  /** The page a continuation this cache issued points at; a token it no longer holds is an error. */
  resume(continuation: Continuation, pageSize: number | null): QueryResult {
    const [, id = '', offsetText = ''] = continuation.token.split(':');
    const offset = Number(offsetText);
    if (!this.entries.has(id) || !Number.isInteger(offset)) {
      throw Object.assign(new Error('continuation token expired: the embedded emulator keeps a paged query’s results for 30 idle minutes; run the query again'), { badRequest: true });
    }
    return this.page(id, offset, pageSize && pageSize > 0 ? pageSize : Number.POSITIVE_INFINITY);
  }

  get size(): number {
    return this.entries.size;
  }

  private page(id: string, offset: number, pageSize: number): QueryResult {
    const entry = this.entries.get(id)!;
    entry.touched = this.now();
    const end = offset + pageSize;
    const result = entry.rows.slice(offset, end);
    if (end < entry.rows.length) return { result, continuation: { token: `W1:${id}:${end}`, range: { min: '', max: 'FF' } } };
    this.entries.delete(id);
    this.rows -= entry.rows.length;
    return { result, continuation: null };
  }

  private evict(incoming: number): void {
    const now = this.now();
    // Map order is insertion order: the oldest entries go first when the row budget is short.
    for (const [id, entry] of this.entries) {
      if (now - entry.touched <= this.limits.idleMs && this.rows + incoming <= this.limits.maxRows) continue;
      this.entries.delete(id);
      this.rows -= entry.rows.length;
    }
  }
}

/** The parts of the emulator's Items class (lib/account/items.js) this module relies on. */
interface ItemsInternal {
  _data: PartitionedItems;
  _parent: { read(): { indexingPolicy?: { compositeIndexes?: unknown[] } } | undefined };
  _getPartition(document: Record<string, unknown>): unknown;
  _getQuery(sql: string): { exec(data: unknown[], options: Record<string, unknown>): QueryResult };
  _userDefinedFunctions(): unknown;
  query(params: { query: string; parameters?: unknown[] }, options: { maxItemCount?: number | null; continuation?: unknown }): QueryResult | null;
}

const installed = Symbol('winback query speed');
const storage = Symbol('winback partitioned items');

/** Installs the three changes on the emulator's Items class; idempotent. */
export function installQuerySpeed(itemsClass: { prototype: object }, cache = new PageCache()): void {
  const proto = itemsClass.prototype as ItemsInternal & { [installed]?: true };
  if (proto[installed]) return;
  if (typeof proto.query !== 'function' || typeof proto._getQuery !== 'function' || typeof proto._getPartition !== 'function') {
    throw new Error('@vercel/cosmosdb-server changed its internals (lib/account/items); the query speed-ups cannot be installed');
  }
  // The constructor assigns `this._data = new Map()`: an accessor on the prototype turns that into the
  // partition-indexed map, so every container ever created has one.
  Object.defineProperty(proto, '_data', {
    configurable: true,
    get(this: { [storage]?: PartitionedItems }) {
      return this[storage];
    },
    set(this: ItemsInternal & { [storage]?: PartitionedItems }, value: Map<string, StoredItem>) {
      const map = new PartitionedItems((document) => this._getPartition(document));
      for (const [rid, item] of value) map.set(rid, item);
      this[storage] = map;
    },
  });
  proto.query = function query(this: ItemsInternal, params, { maxItemCount, continuation }) {
    const parent = this._parent.read();
    if (!parent) return null;
    if (PageCache.isToken(continuation)) return cache.resume(continuation, maxItemCount ?? null);
    const partition = requestContext.getStore()?.partitionKey;
    const items = partition === undefined ? this._data.values() : (this._data.partitions.get(partition)?.values() ?? []);
    const data: unknown[] = [];
    for (const item of items) data.push(item.read());
    const paged = typeof maxItemCount === 'number' && maxItemCount > 0;
    // A continuation of the library's own format (none is issued any more, but a client may hold one from
    // before) is left to the library's pagination.
    const legacy = continuation !== null && continuation !== undefined;
    const options = {
      parameters: params.parameters,
      udf: this._userDefinedFunctions(),
      maxItemCount: paged && !legacy ? undefined : maxItemCount,
      continuation,
      compositeIndexes: parent.indexingPolicy?.compositeIndexes ?? [],
    };
    let answer: QueryResult;
    try {
      answer = this._getQuery(params.query).exec(data, options);
    } catch (error) {
      throw Object.assign(error as Error, { badRequest: true });
    }
    return paged && !legacy ? cache.first(answer.result, maxItemCount) : answer;
  };
  proto[installed] = true;
}
