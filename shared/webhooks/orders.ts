import type { Container } from '@azure/cosmos';
import { idempotencyId, IdempotencyRecord } from '../idempotency.js';
import { purchaseId } from '../purchases/ingest.js';
import type { Purchase } from '../purchases/schema.js';

/**
 * Finds a recorded purchase by (source, orderId) without knowing its customer — what a Shopify refund needs,
 * since its body names only the order. Purchases are partitioned by customer, but the purchase's
 * idempotency record (written by PurchaseStore.record, id derived from source and orderId) names the
 * customer: two point reads instead of a query across every partition.
 */
export interface OrderLookup {
  find(source: string, orderId: string): Promise<Purchase | undefined>;
}

export class CosmosOrderLookup implements OrderLookup {
  constructor(
    private readonly idempotency: Container,
    private readonly purchases: Container,
    /** A merge moves the purchase to the survivor before it re-points the record: look there too. */
    private readonly survivorOf?: (customerId: string) => Promise<string | undefined>,
  ) {}

  async find(source: string, orderId: string): Promise<Purchase | undefined> {
    const recordId = idempotencyId('purchase', `${source}\n${orderId}`);
    const { resource } = await this.idempotency.item(recordId, recordId).read<IdempotencyRecord>();
    const customerId = resource === undefined ? undefined : IdempotencyRecord.safeParse(resource).data?.customerId;
    if (customerId === undefined) return undefined;
    const { resource: purchase } = await this.purchases.item(purchaseId(source, orderId), customerId).read<Purchase>();
    if (purchase !== undefined) return purchase;
    const survivor = await this.survivorOf?.(customerId);
    if (survivor === undefined) return undefined;
    const { resource: moved } = await this.purchases.item(purchaseId(source, orderId), survivor).read<Purchase>();
    return moved;
  }
}
