import type { Container } from '@azure/cosmos';
import { describe, expect, it } from 'vitest';
import { IdempotencyStore, idempotencyId, retryKeyTtlSeconds } from '../../../shared/idempotency.js';

/** Just enough of a Cosmos container: create fails with 409 on an existing id, as Cosmos does. */
function fakeContainer() {
  const docs = new Map<string, Record<string, unknown>>();
  const container = {
    items: {
      create: async (doc: Record<string, unknown>) => {
        if (docs.has(doc['id'] as string)) throw Object.assign(new Error('conflict'), { code: 409 });
        docs.set(doc['id'] as string, structuredClone(doc));
        return { etag: '"1"' };
      },
      upsert: async (doc: Record<string, unknown>) => {
        docs.set(doc['id'] as string, structuredClone(doc));
        return {};
      },
    },
    item: (id: string) => ({
      read: async () => ({ resource: docs.get(id), etag: '"1"' }),
      delete: async () => {
        if (!docs.delete(id)) throw Object.assign(new Error('not found'), { code: 404 });
        return {};
      },
    }),
  };
  return { container: container as unknown as Container, docs };
}

const now = new Date('2026-11-02T12:00:00Z');

describe('IdempotencyStore', () => {
  it('tells a new key, a replay and a conflicting reuse apart', async () => {
    const { container } = fakeContainer();
    const store = new IdempotencyStore(container);
    expect((await store.claim('purchase', 'pos\nA-1', 'hash-1', now)).kind).toBe('new');
    expect((await store.claim('purchase', 'pos\nA-1', 'hash-1', now)).kind).toBe('replay');
    expect((await store.claim('purchase', 'pos\nA-1', 'hash-2', now)).kind).toBe('conflict');
    expect((await store.claim('purchase', 'pos\nA-2', 'hash-2', now)).kind).toBe('new');
  });

  it('gives retry-only keys a TTL and keeps keys without one', async () => {
    const { container, docs } = fakeContainer();
    const store = new IdempotencyStore(container);
    await store.claim('webhook-shopify', 'delivery-1', 'h', now, { ttlSeconds: retryKeyTtlSeconds });
    await store.claim('purchase', 'pos\nA-1', 'h', now);
    expect(docs.get(idempotencyId('webhook-shopify', 'delivery-1'))).toMatchObject({ ttl: 90 * 24 * 3600 });
    expect(docs.get(idempotencyId('purchase', 'pos\nA-1'))).not.toHaveProperty('ttl');
  });

  it('forgets a key so it can be claimed anew, and forgetting twice is harmless', async () => {
    const { container } = fakeContainer();
    const store = new IdempotencyStore(container);
    await store.claim('redemption-key', 'pos\nk', 'h1', now);
    await store.forget('redemption-key', 'pos\nk');
    await store.forget('redemption-key', 'pos\nk');
    expect((await store.claim('redemption-key', 'pos\nk', 'h2', now)).kind).toBe('new');
  });
});
