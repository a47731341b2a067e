import type { Container } from '@azure/cosmos';
import type { CustomerStore } from '../customers/store.js';
import type { IdempotencyStore } from '../idempotency.js';
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
        await this.onRecorded?.(purchase);
        return { kind: 'created', purchase };
      case 'replay': {
        const { resource } = await this.purchases.item(purchase.id, purchase.customerId).read<Purchase>();
        const stored = resource ?? purchase;
        if (!resource) await this.createOnce(purchase);
        await this.onRecorded?.(stored);
        return { kind: 'duplicate', purchase: stored };
      }
      default: {
        const exhaustive: never = claim;
        return exhaustive;
      }
    }
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
