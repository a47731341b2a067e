import type { Container } from '@azure/cosmos';

/**
 * A small document port over one Cosmos container: point reads with ETags, conditional writes and
 * partition-scoped queries. Journeys, templates and messages are written through it, so the same services
 * run on Cosmos, on the in-memory store of the unit tests and in the benchmark.
 */
export interface Versioned<T> {
  value: T;
  etag: string;
}

export type WriteOutcome = 'ok' | 'conflict';

export interface Doc {
  id: string;
}

export interface DocumentStore<T extends Doc> {
  get(partitionKey: string, id: string): Promise<Versioned<T> | undefined>;
  /** `conflict` when the id exists. */
  create(partitionKey: string, doc: T): Promise<WriteOutcome>;
  /** `create` that answers the new document's ETag, for a caller that writes it again next. */
  createTagged(partitionKey: string, doc: T): Promise<{ etag: string } | 'conflict'>;
  /** `conflict` when the ETag no longer matches (or the document is gone). */
  replace(partitionKey: string, doc: T, etag: string): Promise<WriteOutcome>;
  /** `replace` that answers the written document's new ETag, for a caller that writes it again next. */
  replaceTagged(partitionKey: string, doc: T, etag: string): Promise<{ etag: string } | 'conflict'>;
  upsert(partitionKey: string, doc: T): Promise<void>;
  delete(partitionKey: string, id: string): Promise<void>;
  /** Documents of one partition matching `filter` (a field → value equality map). */
  inPartition(partitionKey: string, filter?: Record<string, string | number | boolean>): Promise<T[]>;
  /** Every document matching `filter`, across partitions (small containers or timer scans only). */
  all(filter?: Record<string, string | number | boolean>): Promise<T[]>;
}

const status = (error: unknown) => (error as { code?: number }).code;

function clean<T>(doc: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) if (!key.startsWith('_')) out[key] = value;
  return out as T;
}

function whereClause(partitionPath: string | undefined, filter: Record<string, string | number | boolean>) {
  const parameters: { name: string; value: string | number | boolean }[] = [];
  const conditions: string[] = [];
  if (partitionPath !== undefined) {
    // The emulator ignores the partitionKey query option, so the key is filtered on explicitly too.
    conditions.push(`c.${partitionPath} = @pk`);
  }
  Object.entries(filter).forEach(([field, value], index) => {
    conditions.push(`c.${field} = @p${index}`);
    parameters.push({ name: `@p${index}`, value });
  });
  return { where: conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '', parameters };
}

export class CosmosDocumentStore<T extends Doc> implements DocumentStore<T> {
  private readonly partitionField: string;

  constructor(
    private readonly container: Container,
    partitionKeyPath: string,
  ) {
    this.partitionField = partitionKeyPath.replace(/^\//, '');
  }

  async get(partitionKey: string, id: string): Promise<Versioned<T> | undefined> {
    try {
      const { resource, etag } = await this.container.item(id, partitionKey).read<T>();
      return resource === undefined ? undefined : { value: clean(resource), etag: etag ?? '' };
    } catch (error) {
      if (status(error) === 404) return undefined;
      throw error;
    }
  }

  async create(partitionKey: string, doc: T): Promise<WriteOutcome> {
    return (await this.createTagged(partitionKey, doc)) === 'conflict' ? 'conflict' : 'ok';
  }

  async createTagged(_partitionKey: string, doc: T): Promise<{ etag: string } | 'conflict'> {
    try {
      const created = await this.container.items.create(doc);
      return { etag: created.etag ?? '' };
    } catch (error) {
      if (status(error) === 409) return 'conflict';
      throw error;
    }
  }

  async replace(partitionKey: string, doc: T, etag: string): Promise<WriteOutcome> {
    return (await this.replaceTagged(partitionKey, doc, etag)) === 'conflict' ? 'conflict' : 'ok';
  }

  async replaceTagged(partitionKey: string, doc: T, etag: string): Promise<{ etag: string } | 'conflict'> {
    try {
      const written = await this.container.item(doc.id, partitionKey).replace(doc, { accessCondition: { type: 'IfMatch', condition: etag } });
      return { etag: written.etag ?? '' };
    } catch (error) {
      if (status(error) === 412 || status(error) === 404) return 'conflict';
      throw error;
    }
  }

  async upsert(_partitionKey: string, doc: T): Promise<void> {
    await this.container.items.upsert(doc);
  }

  async delete(partitionKey: string, id: string): Promise<void> {
    try {
      await this.container.item(id, partitionKey).delete();
    } catch (error) {
      if (status(error) !== 404) throw error;
    }
  }

  async inPartition(partitionKey: string, filter: Record<string, string | number | boolean> = {}): Promise<T[]> {
    const { where, parameters } = whereClause(this.partitionField, filter);
    const { resources } = await this.container.items
      .query<T>({ query: `SELECT * FROM c${where}`, parameters: [{ name: '@pk', value: partitionKey }, ...parameters] }, { partitionKey })
      .fetchAll();
    return resources.map(clean);
  }

  async all(filter: Record<string, string | number | boolean> = {}): Promise<T[]> {
    const { where, parameters } = whereClause(undefined, filter);
    const { resources } = await this.container.items.query<T>({ query: `SELECT * FROM c${where}`, parameters }).fetchAll();
    return resources.map(clean);
  }
}

/** The same contract in memory, ETags included: for unit tests and the benchmark. Documents are kept as JSON, as Cosmos keeps them. */
export class MemoryDocumentStore<T extends Doc> implements DocumentStore<T> {
  private readonly docs = new Map<string, { json: string; etag: string; partitionKey: string }>();
  private counter = 0;
  /** Operations served, for the benchmark's "Cosmos operations per enrollment". */
  operations = 0;

  private key(partitionKey: string, id: string) {
    return `${partitionKey}\u0000${id}`;
  }

  private set(partitionKey: string, doc: T): string {
    const etag = `e${++this.counter}`;
    this.docs.set(this.key(partitionKey, doc.id), { json: JSON.stringify(doc), etag, partitionKey });
    return etag;
  }

  async get(partitionKey: string, id: string): Promise<Versioned<T> | undefined> {
    this.operations++;
    const found = this.docs.get(this.key(partitionKey, id));
    return found && { value: JSON.parse(found.json) as T, etag: found.etag };
  }

  async create(partitionKey: string, doc: T): Promise<WriteOutcome> {
    return (await this.createTagged(partitionKey, doc)) === 'conflict' ? 'conflict' : 'ok';
  }

  async createTagged(partitionKey: string, doc: T): Promise<{ etag: string } | 'conflict'> {
    this.operations++;
    if (this.docs.has(this.key(partitionKey, doc.id))) return 'conflict';
    return { etag: this.set(partitionKey, doc) };
  }

  async replace(partitionKey: string, doc: T, etag: string): Promise<WriteOutcome> {
    return (await this.replaceTagged(partitionKey, doc, etag)) === 'conflict' ? 'conflict' : 'ok';
  }

  async replaceTagged(partitionKey: string, doc: T, etag: string): Promise<{ etag: string } | 'conflict'> {
    this.operations++;
    const found = this.docs.get(this.key(partitionKey, doc.id));
    if (!found || found.etag !== etag) return 'conflict';
    return { etag: this.set(partitionKey, doc) };
  }

  async upsert(partitionKey: string, doc: T): Promise<void> {
    this.operations++;
    this.set(partitionKey, doc);
  }

  async delete(partitionKey: string, id: string): Promise<void> {
    this.operations++;
    this.docs.delete(this.key(partitionKey, id));
  }

  async inPartition(partitionKey: string, filter: Record<string, string | number | boolean> = {}): Promise<T[]> {
    this.operations++;
    return [...this.docs.values()].filter((d) => d.partitionKey === partitionKey).map((d) => JSON.parse(d.json) as T).filter((doc) => matches(doc, filter));
  }

  async all(filter: Record<string, string | number | boolean> = {}): Promise<T[]> {
    this.operations++;
    return [...this.docs.values()].map((d) => JSON.parse(d.json) as T).filter((doc) => matches(doc, filter));
  }

  size(): number {
    return this.docs.size;
  }
}

function matches(doc: unknown, filter: Record<string, string | number | boolean>): boolean {
  return Object.entries(filter).every(([field, value]) => {
    let current: unknown = doc;
    for (const part of field.split('.')) current = (current as Record<string, unknown> | undefined)?.[part];
    return current === value;
  });
}
