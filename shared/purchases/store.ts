import type { Container } from '@azure/cosmos';
import type { CustomerStore } from '../customers/store.js';
import type { IdempotencyStore } from '../idempotency.js';
import { customerBucket } from './ingest.js';
import type { Purchase } from './schema.js';

export type RecordOutcome =
  | { kind: 'created'; purchase: Purchase }
  | { kind: 'duplicate'; purchase: Purchase }
  | { kind: 'conflict'; existingHash: string }
  | { kind: 'erased'; erasedAt: string };

/**
 * Stores a purchase exactly once per (source, orderId). The idempotency record is claimed first (first
 * writer wins); the purchase document follows with a deterministic id, so a crash between the two is healed
 * by the retry, which finds its own claim and writes the purchase again.
 */
export class PurchaseStore {
  constructor(
    private readonly purchases: Container,
    private readonly idempotency: IdempotencyStore,
    private readonly customers: CustomerStore,
    /**
     * The customer `customerId` was merged into, if it was (shared/links). A merge that starts between the
     * caller's resolution and this store's write would strand the purchase on the absorbed customer, so the
     * store asks again after writing and moves what it wrote.
     */
    private readonly survivorOf?: (customerId: string) => Promise<string | undefined>,
    /**
     * Told of every purchase stored or replayed (journeys: `purchase.recorded` on customer-events, whose
     * message id is the purchase's, so a replay that heals a crash sends the same message).
     */
    private readonly onRecorded?: (purchase: Purchase) => Promise<void>,
  ) {}

  /**
   * @param options.customerKnownLive the caller has just seen live data of the customer (a redemption of an
   * unredeemed coupon: erasure deletes those), so the erasure tombstone need not be read.
   */
  async record(purchase: Purchase, now: Date, options: { customerKnownLive?: boolean } = {}): Promise<RecordOutcome> {
    if (!options.customerKnownLive) {
      const tombstone = await this.customers.tombstone(purchase.customerId);
      if (tombstone && purchase.occurredAt <= tombstone.erasedAt) return { kind: 'erased', erasedAt: tombstone.erasedAt };
    }

    const claim = await this.idempotency.claim('purchase', `${purchase.source}\n${purchase.orderId}`, purchase.contentHash, now, {
      customerId: purchase.customerId,
      refs: { purchaseId: purchase.id },
    });
    switch (claim.kind) {
      case 'conflict':
        return { kind: 'conflict', existingHash: claim.record.contentHash };
      case 'new':
        await this.createOnce(purchase);
        const created = await this.followMerge(purchase);
        await this.onRecorded?.(created);
        return { kind: 'created', purchase: created };
      case 'replay': {
        const { resource } = await this.purchases.item(purchase.id, purchase.customerId).read<Purchase>();
        if (resource) {
          await this.onRecorded?.(resource);
          return { kind: 'duplicate', purchase: resource };
        }
        await this.createOnce(purchase);
        const healed = await this.followMerge(purchase);
        await this.onRecorded?.(healed);
        return { kind: 'duplicate', purchase: healed };
      }
      default: {
        const exhaustive: never = claim;
        return exhaustive;
      }
    }
  }

  private async followMerge(purchase: Purchase): Promise<Purchase> {
    const survivor = await this.survivorOf?.(purchase.customerId);
    return survivor === undefined ? purchase : this.relocate(purchase, survivor);
  }

  /**
   * Moves a purchase to another customer's partition: create there (a copy already there is the same
   * purchase, its id is derived from source and orderId), then delete the original. Safe to repeat and to
   * run from two places at once (a merge and a writer that saw the merge late).
   */
  async relocate(purchase: Purchase, customerId: string): Promise<Purchase> {
    if (purchase.customerId === customerId) return purchase;
    const { _rid, _self, _etag, _attachments, _ts, ...rest } = purchase as Purchase & Record<string, unknown>;
    const moved: Purchase = { ...(rest as Purchase), customerId, bucket: customerBucket(customerId) };
    await this.createOnce(moved);
    await this.purchases.item(purchase.id, purchase.customerId).delete().catch((error: { code?: number }) => {
      if (error.code !== 404) throw error;
    });
    return moved;
  }

  async hasAny(customerId: string): Promise<boolean> {
    const { resources } = await this.purchases.items
      .query<{ id: string }>({ query: 'SELECT TOP 1 c.id FROM c WHERE c.customerId = @id', parameters: [{ name: '@id', value: customerId }] }, { partitionKey: customerId })
      .fetchNext();
    return resources.length > 0;
  }

  /** Every purchase of `from` to `into`; repeats until none is left, so purchases written meanwhile move too. */
  async moveCustomer(from: string, into: string): Promise<number> {
    let moved = 0;
    for (let round = 0; round < 100; round++) {
      const { resources } = await this.purchases.items
        .query<Purchase>(
          { query: 'SELECT * FROM c WHERE c.customerId = @id', parameters: [{ name: '@id', value: from }] },
          { partitionKey: from, maxItemCount: 1000 },
        )
        .fetchNext();
      if (resources.length === 0) return moved;
      for (const purchase of resources) await this.relocate(purchase, into);
      moved += resources.length;
    }
    throw Object.assign(new Error(`purchases of customer ${from} keep arriving faster than they move`), { code: 503 });
  }

  private async createOnce(purchase: Purchase): Promise<void> {
    try {
      await this.purchases.items.create(purchase);
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }

  async listForCustomer(customerId: string, limit: number, continuationToken?: string) {
    const iterator = this.purchases.items.query<Purchase>(
      {
        query: 'SELECT * FROM c WHERE c.customerId = @id ORDER BY c.occurredAt DESC',
        parameters: [{ name: '@id', value: customerId }],
      },
      { partitionKey: customerId, maxItemCount: limit, continuationToken },
    );
    const page = await iterator.fetchNext();
    return { purchases: page.resources, continuationToken: page.continuationToken };
  }
}
