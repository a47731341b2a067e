import { contentHash, sha256Hex } from '../canonical.js';
import type { FieldError } from '../http/problem.js';
import { fromMinorUnits, toMinorUnits } from '../money.js';
import { maxClockSkewMs, type Purchase, type PurchaseInput } from './schema.js';

/** (source, orderId) is the idempotency key; hashing keeps any characters Cosmos forbids out of the id. */
export function purchaseId(source: string, orderId: string): string {
  return `${source}-${sha256Hex(`${source}\n${orderId}`).slice(0, 32)}`;
}

/** Number of customer buckets purchases are spread over; segmentation shards take contiguous bucket ranges. */
export const customerBucketCount = 1024;

/** A stable hash bucket of the customer, stored on each purchase so shard workers can query their slice. */
export function customerBucket(customerId: string): number {
  return Number.parseInt(sha256Hex(customerId).slice(0, 8), 16) % customerBucketCount;
}

/** Facts about the input that depend on `now`, which a schema alone cannot judge. */
export function temporalIssues(input: Pick<PurchaseInput, 'occurredAt'>, now: Date, pointerPrefix = ''): FieldError[] {
  const occurred = Date.parse(input.occurredAt);
  if (occurred > now.getTime() + maxClockSkewMs) {
    return [{ pointer: `${pointerPrefix}/occurredAt`, message: 'lies in the future (beyond 5 minutes of clock skew)' }];
  }
  if (occurred < Date.UTC(1990, 0, 1)) {
    return [{ pointer: `${pointerPrefix}/occurredAt`, message: 'is before 1990' }];
  }
  return [];
}

/**
 * @param customerId the customer the purchase belongs to when links resolved it to another than the input
 * names; the content hash stays that of the input, so a replay after a merge is still a replay.
 */
export function toPurchase(input: PurchaseInput, receivedAt: Date, customerId: string = input.customerId): Purchase {
  return {
    id: purchaseId(input.source, input.orderId),
    customerId,
    bucket: customerBucket(customerId),
    orderId: input.orderId,
    source: input.source,
    occurredAt: new Date(input.occurredAt).toISOString(),
    receivedAt: receivedAt.toISOString(),
    totalMinor: toMinorUnits(input.total, input.currency)!,
    currency: input.currency,
    storeId: input.storeId,
    channel: input.channel,
    type: input.type,
    originalOrderId: input.originalOrderId,
    items: input.items.map((item) => ({
      sku: item.sku,
      name: item.name,
      category: item.category,
      quantity: item.quantity,
      unitPriceMinor: toMinorUnits(item.unitPrice, input.currency)!,
    })),
    couponCodes: input.couponCodes,
    contentHash: contentHash(input),
  };
}

/** The public shape: amounts back in major units, internal fields left out. */
export function purchaseView(purchase: Purchase) {
  return {
    id: purchase.id,
    orderId: purchase.orderId,
    source: purchase.source,
    customerId: purchase.customerId,
    type: purchase.type,
    originalOrderId: purchase.originalOrderId,
    occurredAt: purchase.occurredAt,
    receivedAt: purchase.receivedAt,
    total: fromMinorUnits(purchase.totalMinor, purchase.currency),
    currency: purchase.currency,
    storeId: purchase.storeId,
    channel: purchase.channel,
    items: purchase.items.map((item) => ({
      sku: item.sku,
      name: item.name,
      category: item.category,
      quantity: item.quantity,
      unitPrice: fromMinorUnits(item.unitPriceMinor, purchase.currency),
    })),
    couponCodes: purchase.couponCodes,
  };
}
export type PurchaseView = ReturnType<typeof purchaseView>;
