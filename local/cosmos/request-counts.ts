/**
 * The emulator's request log: every HTTP request it serves, counted by container and kind, in shared memory
 * the caller's thread reads without a round trip. `npm run bench:nightly` reads it through
 * GET /admin/local/cosmos/requests to count what a run costs in Cosmos operations.
 */
export const requestKinds = ['read', 'write', 'query', 'queryPlan', 'other'] as const;
export type RequestKind = (typeof requestKinds)[number];
export type RequestCounts = Record<string, Record<RequestKind, number>>;

export interface RequestHead {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Container and kind of one REST request (`/dbs/{db}/colls/{coll}/docs[/{id}]`). */
export function classifyRequest(req: RequestHead): { container: string; kind: RequestKind } {
  const parts = (req.url ?? '').split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  const container = parts[2] === 'colls' && parts[3] !== undefined ? parts[3] : '(account)';
  if (parts[4] !== 'docs') return { container, kind: 'other' };
  const method = (req.method ?? 'GET').toUpperCase();
  if (req.headers['x-ms-cosmos-is-query-plan-request'] !== undefined) return { container, kind: 'queryPlan' };
  if (String(req.headers['x-ms-documentdb-isquery'] ?? '').toLowerCase() === 'true') return { container, kind: 'query' };
  if (method === 'GET' || method === 'HEAD') return { container, kind: parts.length > 5 ? 'read' : 'query' };
  return { container, kind: 'write' };
}

/** Counter table over a SharedArrayBuffer: one row per named container (others count as "(other)"). */
export class RequestCounter {
  private readonly counts: Int32Array;
  readonly names: readonly string[];

  constructor(containers: readonly string[], readonly buffer?: SharedArrayBuffer) {
    this.names = [...containers, '(account)', '(other)'];
    this.buffer ??= new SharedArrayBuffer(this.names.length * requestKinds.length * 4);
    this.counts = new Int32Array(this.buffer);
  }

  add(container: string, kind: RequestKind): void {
    let row = this.names.indexOf(container);
    if (row < 0) row = this.names.length - 1;
    Atomics.add(this.counts, row * requestKinds.length + requestKinds.indexOf(kind), 1);
  }

  read(): RequestCounts {
    const out: RequestCounts = {};
    this.names.forEach((name, row) => {
      const entry = {} as Record<RequestKind, number>;
      requestKinds.forEach((kind, k) => (entry[kind] = Atomics.load(this.counts, row * requestKinds.length + k)));
      out[name] = entry;
    });
    return out;
  }
}
