import type { IndexDocument, LinkDocument, MergeRecord } from '../../../shared/links/schema.js';
import type { LinkRepository, Versioned } from '../../../shared/links/store.js';

/**
 * The `links` container in memory with Cosmos' semantics where linking depends on them: a create of a taken
 * id is refused, a replace or conditional delete with a stale ETag is refused, every write gets a new ETag,
 * documents are copied in and out. `reads` counts point reads (resolution must cost one).
 */
export class FakeLinkRepository implements LinkRepository {
  readonly docs = new Map<string, { doc: IndexDocument; etag: string }>();
  reads = 0;
  private etag = 0;

  private put(doc: IndexDocument) {
    this.docs.set(doc.id, { doc: structuredClone(doc), etag: `"e${++this.etag}"` });
  }

  async get(id: string): Promise<Versioned<IndexDocument> | undefined> {
    this.reads++;
    const found = this.docs.get(id);
    return found && { value: structuredClone(found.doc), etag: found.etag };
  }

  async create(doc: IndexDocument): Promise<'created' | 'exists'> {
    if (this.docs.has(doc.id)) return 'exists';
    this.put(doc);
    return 'created';
  }

  async replace(doc: IndexDocument, etag: string): Promise<'ok' | 'conflict'> {
    if (this.docs.get(doc.id)?.etag !== etag) return 'conflict';
    this.put(doc);
    return 'ok';
  }

  async delete(id: string, etag?: string): Promise<'ok' | 'conflict'> {
    const found = this.docs.get(id);
    if (found === undefined) return 'ok';
    if (etag !== undefined && found.etag !== etag) return 'conflict';
    this.docs.delete(id);
    return 'ok';
  }

  async linksOf(customerId: string): Promise<LinkDocument[]> {
    return [...this.docs.values()].map((d) => d.doc).filter((d): d is LinkDocument => d.kind === 'link' && d.customerId === customerId);
  }

  async mergesOf(customerId: string): Promise<MergeRecord[]> {
    return [...this.docs.values()]
      .map((d) => d.doc)
      .filter((d): d is MergeRecord => d.kind === 'merge' && (d.absorbedId === customerId || d.survivorId === customerId));
  }

  async stalledMerges(startedBefore: string, limit: number): Promise<MergeRecord[]> {
    return [...this.docs.values()]
      .map((d) => d.doc)
      .filter((d): d is MergeRecord => d.kind === 'merge' && d.status === 'running' && d.startedAt < startedBefore)
      .slice(0, limit);
  }

  link(source: string, externalId: string): LinkDocument | undefined {
    return [...this.docs.values()].map((d) => d.doc).find((d): d is LinkDocument => d.kind === 'link' && d.source === source && d.externalId === externalId);
  }
}
