import type { Container } from '@azure/cosmos';
import { z } from 'zod';
import { sha256Hex } from './canonical.js';

/**
 * Idempotency records: one document per (scope, key), created with a plain create so the first writer wins
 * (Cosmos answers 409 to the second). A record remembers the hash of the request it was created for, so a
 * replay is told apart from a different request that reuses the key; and, once done, the answer to repeat.
 */
export const IdempotencyRecord = z.object({
  id: z.string(),
  scope: z.string(),
  contentHash: z.string(),
  createdAt: z.string(),
  customerId: z.string().optional(),
  refs: z.record(z.string(), z.string()).default({}),
  response: z.object({ status: z.number(), body: z.unknown() }).optional(),
  /** Seconds until Cosmos deletes the record (the container has per-item TTL on); absent = kept. */
  ttl: z.number().int().positive().optional(),
});
export type IdempotencyRecord = z.infer<typeof IdempotencyRecord>;

export type Claim =
  | { kind: 'new'; record: IdempotencyRecord; etag?: string }
  | { kind: 'replay'; record: IdempotencyRecord; etag?: string }
  | { kind: 'conflict'; record: IdempotencyRecord };

/** Cosmos ids may not contain / \ ? #; keys come from outside, so they are hashed into the id. */
export function idempotencyId(scope: string, key: string): string {
  return `${scope}:${sha256Hex(key).slice(0, 40)}`;
}

/**
 * How long keys that only guard retries are kept. Shops retry webhooks for about two days and tills retry
 * within minutes; purchase keys have no TTL, since they also tell a replay from a conflicting order for good.
 */
export const retryKeyTtlSeconds = 90 * 24 * 3600;

export class IdempotencyStore {
  constructor(private readonly container: Container) {}

  async claim(
    scope: string,
    key: string,
    hash: string,
    now: Date,
    extra: { customerId?: string; refs?: Record<string, string>; ttlSeconds?: number } = {},
  ): Promise<Claim> {
    const record: IdempotencyRecord = {
      id: idempotencyId(scope, key),
      scope,
      contentHash: hash,
      createdAt: now.toISOString(),
      customerId: extra.customerId,
      refs: extra.refs ?? {},
      ...(extra.ttlSeconds === undefined ? {} : { ttl: extra.ttlSeconds }),
    };
    try {
      const created = await this.container.items.create(record);
      return { kind: 'new', record, etag: created.etag };
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
    const { resource, etag } = await this.container.item(record.id, record.id).read<IdempotencyRecord>();
    if (!resource) return this.claim(scope, key, hash, now, extra); // deleted between create and read
    const existing = IdempotencyRecord.parse(resource);
    return existing.contentHash === hash ? { kind: 'replay', record: existing, etag } : { kind: 'conflict', record: existing };
  }

  async complete(record: IdempotencyRecord, response: { status: number; body: unknown }): Promise<void> {
    await this.container.items.upsert({ ...record, response });
  }

  /** Records naming `from` name `into` afterwards (a customer merge): erasure of `into` then finds them. */
  async reassignCustomer(from: string, into: string): Promise<void> {
    const records = this.container.items.query<{ id: string }>({
      query: 'SELECT c.id FROM c WHERE c.customerId = @id',
      parameters: [{ name: '@id', value: from }],
    });
    for await (const page of records.getAsyncIterator()) {
      for (const { id } of page.resources) {
        await this.container
          .item(id, id)
          .patch([{ op: 'set', path: '/customerId', value: into }])
          .catch((error: { code?: number }) => {
            if (error.code !== 404) throw error;
          });
      }
    }
  }

  async forget(scope: string, key: string): Promise<void> {
    const id = idempotencyId(scope, key);
    await this.container.item(id, id).delete().catch((error: { code?: number }) => {
      if (error.code !== 404) throw error;
    });
  }
}
