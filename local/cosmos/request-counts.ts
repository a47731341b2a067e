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
  // Runs for every request on both threads (the request log, the count by function): only the container's
  // name is decoded, not each document id.
  const parts = (req.url ?? '').split('?')[0]!.split('/').filter(Boolean);
  const container = parts[2] === 'colls' && parts[3] !== undefined ? decodeURIComponent(parts[3]) : '(account)';
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

/** Requests by the function whose invocation sent them, then by container and kind. */
export type FunctionRequestCounts = Record<string, Record<string, Record<RequestKind, number>>>;

/**
 * Counts the caller's side of the requests (the SDK's thread): by function, container and kind. Read through
 * GET /admin/local/cosmos/requests?by=function; `npm run simulate` prints where its forward days' requests went.
 */
export class RequestsByFunction {
  private readonly counts = new Map<string, Map<string, Record<RequestKind, number>>>();

  add(functionName: string, request: RequestHead): void {
    const { container, kind } = classifyRequest(request);
    let byContainer = this.counts.get(functionName);
    if (!byContainer) this.counts.set(functionName, (byContainer = new Map()));
    let entry = byContainer.get(container);
    if (!entry) byContainer.set(container, (entry = Object.fromEntries(requestKinds.map((k) => [k, 0])) as Record<RequestKind, number>));
    entry[kind]++;
  }

  read(): FunctionRequestCounts {
    const out: FunctionRequestCounts = {};
    for (const [name, byContainer] of this.counts) out[name] = Object.fromEntries([...byContainer].map(([container, entry]) => [container, { ...entry }]));
    return out;
  }
}
