/**
 * The Cosmos emulator's journal: every mutation of the in-memory account as it was applied — a resource
 * created or replaced (with the `_etag`, `_ts` and `_rid` the server gave it) or deleted — one record per
 * line in `cosmos-journal-<g>.log`, in the line format of ../journal.ts. Replaying the records after the
 * snapshot that precedes them rebuilds exactly the state the server had, without running any of its logic
 * again (no new ETag, timestamp or rid is drawn).
 *
 * Mutations are caught where @vercel/cosmosdb-server 1.0.1 makes them all: the create, replace and delete
 * methods of its `Items` base class, which every route (create, replace, upsert, patch, delete, batch, and
 * the database, container and user-defined-function routes) ends in. Upsert and patch end in create or
 * replace; a replace's inner delete is part of it and not recorded on its own.
 */
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { decodeJournal } from '../journal.js';
import { compileUdf, type AccountInternal, type Resource } from './snapshot.js';

const require = createRequire(import.meta.url);

export const journalPattern = /^cosmos-journal-(\d+)\.log$/;
export const journalFileName = (generation: number) => `cosmos-journal-${generation}.log`;

const ResourceKind = z.enum(['database', 'container', 'udf', 'item']);
type ResourceKind = z.infer<typeof ResourceKind>;

const StoredResource = z.looseObject({ id: z.string(), _rid: z.string() });
/** Where the resource lives: [] for a database, [databaseRid] for a container, [databaseRid, containerRid] below. */
const Location = z.array(z.string()).max(2);

export const MutationRecord = z.discriminatedUnion('op', [
  z.object({ op: z.literal('create'), kind: ResourceKind, at: Location, resource: StoredResource, ridCount: z.number().int().nonnegative() }),
  z.object({ op: z.literal('replace'), kind: ResourceKind, at: Location, resource: StoredResource }),
  z.object({ op: z.literal('delete'), kind: ResourceKind, at: Location, rid: z.string() }),
]);
export type MutationRecord = z.infer<typeof MutationRecord>;

// The parts of lib/account/items.js the journal uses, beyond what snapshots use.
interface ItemsLike {
  _data: Map<string, { read(): Resource | undefined }>;
  _ridCount: number;
  _parent: { read(): Resource | undefined };
  _set(data: Resource): Resource;
  _item(keyPath: string, value: unknown, partition: unknown): { read(): Resource | undefined };
  _getPartition(data: Resource): unknown;
  functions?: Record<string, unknown>;
}
type ItemsMethod = (this: ItemsLike, ...args: any[]) => any;
interface ItemsPrototype {
  create: ItemsMethod;
  replace: ItemsMethod;
  delete: ItemsMethod;
}

const load = (name: string) => {
  const module = require(`@vercel/cosmosdb-server/lib/account/${name}.js`) as { default?: unknown };
  if (typeof module.default !== 'function') {
    throw new Error(`@vercel/cosmosdb-server changed its internals (lib/account/${name}); the journal cannot work with this version`);
  }
  return module.default as { prototype: object };
};

let hooks: { base: ItemsPrototype; originalDelete: ItemsMethod; kindOf(items: object): ResourceKind | undefined } | undefined;

function installedHooks(): NonNullable<typeof hooks> {
  if (hooks) return hooks;
  const base = load('items').prototype as ItemsPrototype;
  const kinds: [{ prototype: object }, ResourceKind][] = [
    [load('databases'), 'database'],
    [load('collections'), 'container'],
    [load('user-defined-functions'), 'udf'],
    [load('documents'), 'item'],
  ];
  const kindOf = (items: object) => kinds.find(([type]) => items instanceof (type as new () => object))?.[1];
  const { create, replace } = base;
  const originalDelete = base.delete;
  // Nested calls (a replace's own delete, the partition-key range a new container creates) are part of the outer one.
  let depth = 0;
  const nested = <T>(run: () => T): T => {
    depth += 1;
    try {
      return run();
    } finally {
      depth -= 1;
    }
  };
  base.create = function (this: ItemsLike, ...args: unknown[]) {
    const result = nested(() => create.apply(this, args)) as Resource;
    const kind = depth === 0 ? kindOf(this) : undefined;
    if (kind && recorder) recorder({ op: 'create', kind, at: locate(this, kind), resource: result, ridCount: this._ridCount });
    return result;
  };
  base.replace = function (this: ItemsLike, ...args: unknown[]) {
    const result = nested(() => replace.apply(this, args)) as Resource;
    const kind = depth === 0 ? kindOf(this) : undefined;
    if (kind && recorder) recorder({ op: 'replace', kind, at: locate(this, kind), resource: result });
    return result;
  };
  base.delete = function (this: ItemsLike, idOrRid: unknown, partition: unknown) {
    const target = this._item('/id', idOrRid, partition).read();
    const result = nested(() => originalDelete.call(this, idOrRid, partition));
    const kind = depth === 0 ? kindOf(this) : undefined;
    if (kind && recorder && target) recorder({ op: 'delete', kind, at: locate(this, kind), rid: target._rid });
    return result;
  };
  hooks = { base, originalDelete, kindOf };
  return hooks;
}

let recorder: ((record: MutationRecord) => void) | undefined;

/**
 * From now on every mutation of any account in this thread is passed to `record`, synchronously, after it
 * is applied and before the request that made it can answer. Undefined stops recording (for replay).
 */
export function recordMutations(record: ((record: MutationRecord) => void) | undefined): void {
  installedHooks();
  recorder = record;
}

function locate(items: ItemsLike, kind: ResourceKind): string[] {
  if (kind === 'database') return [];
  const parent = items._parent.read();
  if (!parent) throw new Error(`a ${kind} changed in a parent that does not exist`);
  if (kind === 'container') return [parent._rid];
  // A container's _self is /dbs/<databaseRid>/colls/<containerRid>.
  const [, dbs, databaseRid, colls, containerRid] = String(parent['_self']).split('/');
  if (dbs !== 'dbs' || colls !== 'colls' || !databaseRid || !containerRid) {
    throw new Error(`unexpected container _self ${JSON.stringify(parent['_self'])}`);
  }
  return [databaseRid, containerRid];
}

interface AccountLike {
  databases: ItemsLike;
  database(rid: string): { read(): Resource | undefined; collections: ItemsLike; collection(rid: string): CollectionLike };
}
interface CollectionLike {
  read(): Resource | undefined;
  documents: ItemsLike;
  userDefinedFunctions: ItemsLike & { functions: Record<string, unknown> };
}

function itemsAt(account: AccountLike, kind: ResourceKind, at: string[]): ItemsLike {
  const [databaseRid, containerRid] = at;
  if (kind === 'database') return account.databases;
  const database = account.database(databaseRid ?? '');
  if (!database.read()) throw new Error(`database ${databaseRid} does not exist`);
  if (kind === 'container') return database.collections;
  const collection = database.collection(containerRid ?? '');
  if (!collection.read()) throw new Error(`container ${databaseRid}/${containerRid} does not exist`);
  return kind === 'udf' ? collection.userDefinedFunctions : collection.documents;
}

/** Applies one record as the server applied it. Throws when the record does not fit the state (a broken chain). */
export function applyMutation(accountInternal: AccountInternal, record: MutationRecord): void {
  const { originalDelete } = installedHooks();
  const account = accountInternal as unknown as AccountLike;
  const items = itemsAt(account, record.kind, record.at);
  const remove = (rid: string) => {
    const existing = items._data.get(rid)?.read();
    if (!existing) throw new Error(`${record.op} of ${record.kind} ${rid}, which does not exist`);
    originalDelete.call(items, existing.id, items._getPartition(existing));
    if (record.kind === 'udf') delete (items.functions ?? {})[existing.id];
  };
  switch (record.op) {
    case 'create':
    case 'replace': {
      const resource = record.resource as Resource;
      if (record.op === 'replace') remove(resource._rid);
      items._set(resource);
      if (record.kind === 'udf' && items.functions) items.functions[resource.id] = compileUdf(resource['body']);
      if (record.op === 'create') items._ridCount = Math.max(items._ridCount, record.ridCount);
      return;
    }
    case 'delete':
      remove(record.rid);
      return;
  }
}

export interface JournalFile {
  generation: number;
  file: string;
}

/** The journals in `dir` numbered `from` or higher, oldest first. */
export async function journalsFrom(dir: string, from: number): Promise<JournalFile[]> {
  const names = await fsp.readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return names
    .flatMap((name) => {
      const match = journalPattern.exec(name);
      return match ? [{ generation: Number(match[1]), file: path.join(dir, name) }] : [];
    })
    .filter((journal) => journal.generation >= from)
    .sort((a, b) => a.generation - b.generation);
}

export interface ReadJournals {
  records: MutationRecord[];
  /** Records a crash cut short (at most one per file, its last line), dropped. */
  torn: number;
}

/**
 * Reads the journals in order. A torn last record is dropped (its write never finished, so it was never
 * acknowledged); damage anywhere else did not come from a crash and is refused rather than guessed around.
 */
export async function readJournals(journals: readonly JournalFile[]): Promise<ReadJournals> {
  const records: MutationRecord[] = [];
  let torn = 0;
  for (const journal of journals) {
    const decoded = decodeJournal(await fsp.readFile(journal.file, 'utf8'), (value) => {
      const parsed = MutationRecord.safeParse(value);
      return parsed.success ? parsed.data : undefined;
    });
    if (decoded.damagedLines.length > 0) {
      throw new Error(`${journal.file}: line ${decoded.damagedLines.join(', ')} damaged (checksum or content)`);
    }
    records.push(...decoded.records);
    if (decoded.torn) torn += 1;
  }
  return { records, torn };
}
