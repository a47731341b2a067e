import type { Container } from '@azure/cosmos';
import { IndexDocument, LinkDocument, MergeRecord, linkId, type CustomerRef } from './schema.js';

export interface Versioned<T> {
  value: T;
  etag: string;
}

const code = (error: unknown) => (error as { code?: number }).code;

/**
 * The `links` container: link documents (id from source + external id), their erasure tombstones and merge
 * records. Ownership of an external id is decided here: `create` fails for the second claimant, and a link
 * changes hands only by `replace` under the ETag it was read with.
 */
export interface LinkRepository {
  get(id: string): Promise<Versioned<IndexDocument> | undefined>;
  create(doc: IndexDocument): Promise<'created' | 'exists'>;
  replace(doc: IndexDocument, etag: string): Promise<'ok' | 'conflict'>;
  delete(id: string, etag?: string): Promise<'ok' | 'conflict'>;
  /** Every link document pointing at the customer (cross-partition; used by linking, merging and erasure). */
  linksOf(customerId: string): Promise<LinkDocument[]>;
  /** Merge records naming the customer on either side. */
  mergesOf(customerId: string): Promise<MergeRecord[]>;
  /** Up to `limit` merges still running that started before `startedBefore` (a crash stopped them). */
  stalledMerges(startedBefore: string, limit: number): Promise<MergeRecord[]>;
}

export class CosmosLinkRepository implements LinkRepository {
  constructor(private readonly container: Container) {}

  async get(id: string): Promise<Versioned<IndexDocument> | undefined> {
    try {
      const { resource, etag } = await this.container.item(id, id).read<IndexDocument>();
      if (resource === undefined) return undefined;
      return { value: IndexDocument.parse(resource) /* zod drops Cosmos' _rid, _etag… */, etag: etag ?? '' };
    } catch (error) {
      if (code(error) === 404) return undefined;
      throw error;
    }
  }

  async create(doc: IndexDocument): Promise<'created' | 'exists'> {
    try {
      await this.container.items.create(doc);
      return 'created';
    } catch (error) {
      if (code(error) === 409) return 'exists';
      throw error;
    }
  }

  async replace(doc: IndexDocument, etag: string): Promise<'ok' | 'conflict'> {
    try {
      await this.container.item(doc.id, doc.id).replace(doc, { accessCondition: { type: 'IfMatch', condition: etag } });
      return 'ok';
    } catch (error) {
      if (code(error) === 412 || code(error) === 404) return 'conflict';
      throw error;
    }
  }

  async delete(id: string, etag?: string): Promise<'ok' | 'conflict'> {
    try {
      await this.container.item(id, id).delete(etag === undefined ? {} : { accessCondition: { type: 'IfMatch', condition: etag } });
      return 'ok';
    } catch (error) {
      if (code(error) === 404) return 'ok';
      if (code(error) === 412) return 'conflict';
      throw error;
    }
  }

  async linksOf(customerId: string): Promise<LinkDocument[]> {
    const { resources } = await this.container.items
      .query<LinkDocument>({
        query: "SELECT * FROM c WHERE c.kind = 'link' AND c.customerId = @id",
        parameters: [{ name: '@id', value: customerId }],
      })
      .fetchAll();
    return resources.map((r) => LinkDocument.parse(r));
  }

  async mergesOf(customerId: string): Promise<MergeRecord[]> {
    const { resources } = await this.container.items
      .query<MergeRecord>({
        query: "SELECT * FROM c WHERE c.kind = 'merge' AND (c.absorbedId = @id OR c.survivorId = @id)",
        parameters: [{ name: '@id', value: customerId }],
      })
      .fetchAll();
    return resources.map((r) => MergeRecord.parse(r));
  }

  async stalledMerges(startedBefore: string, limit: number): Promise<MergeRecord[]> {
    const { resources } = await this.container.items
      .query<MergeRecord>({
        query: `SELECT TOP ${Math.max(1, Math.floor(limit))} * FROM c WHERE c.kind = 'merge' AND c.status = 'running' AND c.startedAt < @before`,
        parameters: [{ name: '@before', value: startedBefore }],
      })
      .fetchAll();
    return resources.map((r) => MergeRecord.parse(r));
  }
}

export function readRef(repo: LinkRepository, ref: CustomerRef): Promise<Versioned<IndexDocument> | undefined> {
  return repo.get(linkId(ref.source, ref.externalId));
}
