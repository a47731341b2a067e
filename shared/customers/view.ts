import type { PurchaseSummary } from './store.js';
import type { Customer } from './schema.js';

/** Strips Cosmos' system properties before a customer leaves the API. */
export function customerView(customer: Customer): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(customer)) {
    if (!key.startsWith('_')) view[key] = value;
  }
  return view;
}

/**
 * `GET /api/customers/{id}`: everything winback knows of the customer. A customer needs no profile — a
 * loyalty card number on a purchase is enough — so a customer known only from purchases (and maybe scored by
 * segmentation, whose results live on the same document) is answered too, with `hasProfile: false`.
 * Undefined when winback knows nothing of the id.
 */
export function knownCustomerView(
  customerId: string,
  doc: Record<string, unknown> | undefined,
  purchases: PurchaseSummary,
): Record<string, unknown> | undefined {
  const hasProfile = doc !== undefined && doc['createdAt'] !== undefined;
  if (!hasProfile && purchases.count === 0 && doc === undefined) return undefined;
  const stored = doc === undefined ? {} : customerView(doc as Customer);
  return { ...stored, id: customerId, hasProfile, purchases };
}
