/**
 * Snapshot of the embedded Cosmos emulator's in-memory account, as JSON lines:
 *
 *   {"t":"header","format":"winback-cosmos-snapshot","version":1,"savedAt":…,"generation":g,"databaseRidCount":n}
 *   {"t":"database","resource":{…},"collectionRidCount":n}
 *   {"t":"container","resource":{…partitionKey, indexingPolicy, uniqueKeyPolicy, defaultTtl…},"documentRidCount":n,"udfRidCount":n}
 *   {"t":"udf","resource":{…}}          (per user-defined function of the container above)
 *   {"t":"item","resource":{…}}         (per item of the container above, in the server's order)
 *   {"t":"end","databases":n,"containers":n,"items":n}
 *
 * One line per item streams to and from disk without building one giant string, and stays greppable.
 * Resources are stored exactly as the server holds them, so `_rid`, `_etag`, `_ts` and `_self` survive.
 * The rid counters are kept so resources created after a restore never reuse a `_rid`. The generation says
 * which journals (journal.ts) the snapshot already contains: those numbered below it. A snapshot written
 * before journals existed has none and counts as generation 0.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { fsyncDirectory } from '../journal.js';

export const snapshotFileName = 'cosmos-snapshot.jsonl';
const format = 'winback-cosmos-snapshot';
const version = 1;

export interface Resource {
  id: string;
  _rid: string;
  [key: string]: unknown;
}

// The parts of @vercel/cosmosdb-server 1.0.1's lib/account/* that snapshots use.
interface ItemInternal {
  read(): Resource | undefined;
}
interface ItemsInternal<T extends ItemInternal> {
  /** by `_rid`, in insertion order (which is the order unsorted queries return) */
  _data: Map<string, T>;
  _ridCount: number;
  /** stores a resource as given, indexing it by id and unique keys */
  _set(data: Resource): Resource;
}
interface CollectionInternal extends ItemInternal {
  documents: ItemsInternal<ItemInternal>;
  userDefinedFunctions: ItemsInternal<ItemInternal> & { functions: Record<string, unknown> };
}
interface DatabaseInternal extends ItemInternal {
  collections: ItemsInternal<CollectionInternal>;
  collection(idOrRid: string): CollectionInternal;
}
export interface AccountInternal {
  databases: ItemsInternal<DatabaseInternal>;
  database(idOrRid: string): DatabaseInternal;
}

export interface ContainerSnapshot {
  resource: Resource;
  documentRidCount: number;
  udfRidCount: number;
  udfs: Resource[];
  items: Resource[];
}
export interface DatabaseSnapshot {
  resource: Resource;
  collectionRidCount: number;
  containers: ContainerSnapshot[];
}
export interface AccountSnapshot {
  databaseRidCount: number;
  databases: DatabaseSnapshot[];
}
export interface StoredSnapshot {
  generation: number;
  snapshot: AccountSnapshot;
}
export interface SnapshotCounts {
  databases: number;
  containers: number;
  items: number;
}

/** References to the current resources; cheap, and consistent because the server never mutates them. */
export function captureSnapshot(account: AccountInternal): AccountSnapshot {
  const databases: DatabaseSnapshot[] = [];
  for (const database of account.databases._data.values()) {
    const dbResource = database.read();
    if (!dbResource) continue;
    const containers: ContainerSnapshot[] = [];
    for (const collection of database.collections._data.values()) {
      const resource = collection.read();
      if (!resource) continue;
      containers.push({
        resource,
        documentRidCount: collection.documents._ridCount,
        udfRidCount: collection.userDefinedFunctions._ridCount,
        udfs: readAll(collection.userDefinedFunctions),
        items: readAll(collection.documents),
      });
    }
    databases.push({ resource: dbResource, collectionRidCount: database.collections._ridCount, containers });
  }
  return { databaseRidCount: account.databases._ridCount, databases };
}

function readAll(items: ItemsInternal<ItemInternal>): Resource[] {
  const out: Resource[] = [];
  for (const item of items._data.values()) {
    const resource = item.read();
    if (resource) out.push(resource);
  }
  return out;
}

export function countSnapshot(snapshot: AccountSnapshot): SnapshotCounts {
  let containers = 0;
  let items = 0;
  for (const db of snapshot.databases) {
    containers += db.containers.length;
    for (const c of db.containers) items += c.items.length;
  }
  return { databases: snapshot.databases.length, containers, items };
}

function* snapshotLines(snapshot: AccountSnapshot, generation: number): Generator<string> {
  yield JSON.stringify({
    t: 'header',
    format,
    version,
    savedAt: new Date().toISOString(),
    generation,
    databaseRidCount: snapshot.databaseRidCount,
  });
  for (const db of snapshot.databases) {
    yield JSON.stringify({ t: 'database', resource: db.resource, collectionRidCount: db.collectionRidCount });
    for (const c of db.containers) {
      yield JSON.stringify({
        t: 'container',
        resource: c.resource,
        documentRidCount: c.documentRidCount,
        udfRidCount: c.udfRidCount,
      });
      for (const udf of c.udfs) yield JSON.stringify({ t: 'udf', resource: udf });
      for (const item of c.items) yield JSON.stringify({ t: 'item', resource: item });
    }
  }
  yield JSON.stringify({ t: 'end', ...countSnapshot(snapshot) });
}

function* chunks(snapshot: AccountSnapshot, generation: number, chunkChars = 1 << 20): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  for (const line of snapshotLines(snapshot, generation)) {
    parts.push(line);
    size += line.length + 1;
    if (size >= chunkChars) {
      yield `${parts.join('\n')}\n`;
      parts = [];
      size = 0;
    }
  }
  if (parts.length) yield `${parts.join('\n')}\n`;
}

/**
 * Write to a temp file, fsync, rename, fsync the folder: a reader sees the old snapshot or the new one, never
 * half of one. Returns the bytes written.
 */
export async function writeSnapshot(file: string, snapshot: AccountSnapshot, generation: number): Promise<number> {
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await fsp.open(tmp, 'w');
  let bytes = 0;
  try {
    for (const chunk of chunks(snapshot, generation)) bytes += (await handle.write(chunk)).bytesWritten;
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await fsp.rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  await fsp.rename(tmp, file);
  fsyncDirectory(path.dirname(file));
  return bytes;
}

/** The snapshot in `file`, or undefined when there is none. Throws on a damaged or foreign file. */
export async function readSnapshot(file: string): Promise<StoredSnapshot | undefined> {
  let stream: fs.ReadStream;
  try {
    const handle = await fsp.open(file, 'r');
    stream = handle.createReadStream({ encoding: 'utf8' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let snapshot: AccountSnapshot | undefined;
  let generation = 0;
  let database: DatabaseSnapshot | undefined;
  let container: ContainerSnapshot | undefined;
  let ended = false;
  let lineNo = 0;
  const fail = (why: string): never => {
    throw new Error(`line ${lineNo}: ${why}`);
  };
  try {
    for await (const line of lines) {
      lineNo += 1;
      if (line === '') continue;
      if (ended) fail('data after the end record');
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return fail('not valid JSON');
      }
      if (!snapshot) {
        if (record.t !== 'header' || record.format !== format) fail('not a winback Cosmos snapshot');
        if (record.version !== version) fail(`snapshot version ${String(record.version)} is not supported`);
        snapshot = { databaseRidCount: counter(record.databaseRidCount, fail), databases: [] };
        if (record.generation !== undefined) generation = counter(record.generation, fail);
        continue;
      }
      switch (record.t) {
        case 'database':
          database = { resource: resource(record.resource, fail), collectionRidCount: counter(record.collectionRidCount, fail), containers: [] };
          container = undefined;
          snapshot.databases.push(database);
          break;
        case 'container':
          if (!database) return fail('container before any database');
          container = {
            resource: resource(record.resource, fail),
            documentRidCount: counter(record.documentRidCount, fail),
            udfRidCount: counter(record.udfRidCount, fail),
            udfs: [],
            items: [],
          };
          database.containers.push(container);
          break;
        case 'udf':
          if (!container) return fail('user-defined function before any container');
          container.udfs.push(resource(record.resource, fail));
          break;
        case 'item':
          if (!container) return fail('item before any container');
          container.items.push(resource(record.resource, fail));
          break;
        case 'end': {
          const counts = countSnapshot(snapshot);
          if (record.databases !== counts.databases || record.containers !== counts.containers || record.items !== counts.items) {
            fail(`end record counts ${JSON.stringify(record)} do not match the content ${JSON.stringify(counts)}`);
          }
          ended = true;
          break;
        }
        default:
          fail(`unknown record type ${JSON.stringify(record.t)}`);
      }
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  if (!snapshot) throw new Error('the file is empty');
  if (!ended) throw new Error('the file is truncated (no end record)');
  return { generation, snapshot };
}

function resource(value: unknown, fail: (why: string) => never): Resource {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('resource is not an object');
  const r = value as Record<string, unknown>;
  if (typeof r.id !== 'string' || typeof r._rid !== 'string') return fail('resource without string id and _rid');
  return r as Resource;
}

function counter(value: unknown, fail: (why: string) => never): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fail('counter is not a non-negative integer');
}

/** Same compilation the server does when a UDF is created: its body is a function expression. */
export function compileUdf(body: unknown): unknown {
  return new Function(`"use strict";return (${String(body)})`)();
}

/** Puts a snapshot into a freshly created, empty account. Synchronous: no request can see it half done. */
export function restoreSnapshot(account: AccountInternal, snapshot: AccountSnapshot): SnapshotCounts {
  for (const db of snapshot.databases) {
    account.databases._set(db.resource);
    const database = account.database(db.resource.id);
    for (const c of db.containers) {
      database.collections._set(c.resource);
      const collection = database.collection(c.resource.id);
      if (!collection.read()) throw new Error(`container ${db.resource.id}/${c.resource.id} did not restore`);
      for (const udf of c.udfs) {
        collection.userDefinedFunctions._set(udf);
        collection.userDefinedFunctions.functions[udf.id] = compileUdf(udf.body);
      }
      for (const item of c.items) collection.documents._set(item);
      collection.documents._ridCount = Math.max(collection.documents._ridCount, c.documentRidCount);
      collection.userDefinedFunctions._ridCount = Math.max(collection.userDefinedFunctions._ridCount, c.udfRidCount);
    }
    database.collections._ridCount = Math.max(database.collections._ridCount, db.collectionRidCount);
  }
  account.databases._ridCount = Math.max(account.databases._ridCount, snapshot.databaseRidCount);
  return countSnapshot(snapshot);
}
