import type { Container } from '@azure/cosmos';
import { describe, expect, it } from 'vitest';
import { CustomerStore } from '../../../shared/customers/store.js';
import { IdempotencyStore } from '../../../shared/idempotency.js';
import { Merger } from '../../../shared/links/merge.js';
import { CustomerResolver } from '../../../shared/links/resolve.js';
import { toPurchase } from '../../../shared/purchases/ingest.js';
import type { PurchaseInput } from '../../../shared/purchases/schema.js';
import { PurchaseStore } from '../../../shared/purchases/store.js';
import { FakeLinkRepository } from './fakes.js';

const t0 = new Date('2026-11-02T12:00:00.000Z');

/**
 * Just enough of a Cosmos container for PurchaseStore, IdempotencyStore and CustomerStore: documents by
 * (partition key, id), 409 on a taken id, 404 on a missing one; queries filter on `customerId = @id`, which is
 * every query these stores make here.
 */
function fakeContainer(partitionOf: (doc: Record<string, unknown>) => string) {
  const docs = new Map<string, Record<string, unknown>>();
  const key = (pk: string, id: string) => `${pk}|${id}`;
  const fail = (code: number) => Object.assign(new Error(`fake ${code}`), { code });
  const container = {
    items: {
      create: async (doc: Record<string, unknown>) => {
        const k = key(partitionOf(doc), String(doc['id']));
        if (docs.has(k)) throw fail(409);
        docs.set(k, structuredClone(doc));
        return { etag: 'e' };
      },
      upsert: async (doc: Record<string, unknown>) => void docs.set(key(partitionOf(doc), String(doc['id'])), structuredClone(doc)),
      query: (spec: { query: string; parameters: { value: string }[] }) => {
        const matching = () => [...docs.values()].filter((d) => d['customerId'] === spec.parameters[0]!.value).map((d) => structuredClone(d));
        const limit = /TOP (\d+)/.exec(spec.query)?.[1];
        return {
          fetchNext: async () => ({ resources: limit ? matching().slice(0, Number(limit)) : matching() }),
          fetchAll: async () => ({ resources: matching() }),
          async *getAsyncIterator() {
            yield { resources: matching() };
          },
        };
      },
    },
    item: (id: string, pk: string) => ({
      read: async () => ({ resource: docs.has(key(pk, id)) ? structuredClone(docs.get(key(pk, id))) : undefined, etag: 'e' }),
      delete: async () => {
        if (!docs.delete(key(pk, id))) throw fail(404);
      },
    }),
  };
  return { docs, container: container as unknown as Container };
}

function stores() {
  const purchases = fakeContainer((d) => String(d['customerId']));
  const idempotency = fakeContainer((d) => String(d['id']));
  const customers = fakeContainer((d) => String(d['id']));
  const links = new FakeLinkRepository();
  const resolver = new CustomerResolver(links, { emailMatching: true });
  const customerStore = new CustomerStore(customers.container, purchases.container, idempotency.container);
  const purchaseStore = new PurchaseStore(purchases.container, new IdempotencyStore(idempotency.container), customerStore, (id) => resolver.survivorOf(id));
  const merger = new Merger(links, [{ name: 'purchases', merge: async (from, into) => void (await purchaseStore.moveCustomer(from, into)) }]);
  return { purchases, purchaseStore, resolver, merger };
}

const order = (orderId: string): PurchaseInput => ({
  orderId,
  source: 'shop',
  customerId: '777',
  occurredAt: '2026-10-15T10:00:00.000Z',
  total: 10,
  currency: 'USD',
  type: 'purchase',
  items: [],
  couponCodes: [],
});

describe('a purchase written while its customer is merged away', () => {
  it('resolved before the merge, stored after it: the store moves it to the survivor', async () => {
    const { purchases, purchaseStore, resolver, merger } = stores();
    const resolved = await resolver.forIngest({ source: 'shopify', externalId: '777' }, { occurredAt: '2026-10-15T10:00:00Z', now: t0 });
    if (resolved.kind !== 'customer') throw new Error('not resolved');
    expect(resolved.customerId).toBe('777');
    // The merge runs to completion between the writer's resolution and its write.
    expect(await merger.merge('777', 'CARD-1', t0)).toMatchObject({ kind: 'merged' });

    const outcome = await purchaseStore.record(toPurchase(order('late-1'), t0, resolved.customerId), t0);
    expect(outcome).toMatchObject({ kind: 'created', purchase: { customerId: 'CARD-1' } });
    expect([...purchases.docs.values()].map((d) => [d['orderId'], d['customerId']])).toEqual([['late-1', 'CARD-1']]);

    // A replay of that order (resolved to the survivor now) is a duplicate, still one copy.
    const replay = await purchaseStore.record(toPurchase(order('late-1'), t0, 'CARD-1'), t0);
    expect(replay.kind).toBe('duplicate');
    expect(purchases.docs.size).toBe(1);
  });

  it('a purchase already on the absorbed customer is moved by the merge, with its bucket', async () => {
    const { purchases, purchaseStore, merger } = stores();
    await purchaseStore.record(toPurchase(order('early-1'), t0), t0);
    await merger.merge('777', 'CARD-1', t0);
    const [stored] = [...purchases.docs.values()];
    expect(stored).toMatchObject({ orderId: 'early-1', customerId: 'CARD-1', bucket: toPurchase(order('x'), t0, 'CARD-1').bucket });
    expect(purchases.docs.size).toBe(1);
  });
});
