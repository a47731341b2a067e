import { z } from 'zod';
import { sha256Hex } from '../canonical.js';
import { Coupon } from './coupon.js';

/**
 * One document per (customer, offer) listing the coupons of that offer the customer was issued, stored in the
 * `coupons` container beside the coupons. It is the atomic guard phase 1 left open: every issue for the
 * pair replaces it with `ifMatch`, so two concurrent issues for one customer cannot both see "limit not
 * reached" — the second write fails with 412 and re-decides on the fresh list. It also answers "was this
 * requestId already served for this pair?" without a cross-partition query, and holds the issued coupon's
 * snapshot so a retry after a crash between the two writes can still create the coupon document.
 *
 * Snapshots are taken at issue time and are not updated on redemption: whether an expired entry was
 * redeemed (and so still counts against the limit) is read from the coupon itself (see `needsFreshState`).
 */
export const Holdings = z.object({
  id: z.string(),
  /** The container's partition key; equal to `id` (never a valid coupon code: those start with `WB`). */
  code: z.string(),
  type: z.literal('holdings'),
  offerId: z.string(),
  customerId: z.string(),
  coupons: z.array(Coupon),
});
export type Holdings = z.infer<typeof Holdings>;

export function holdingsId(offerId: string, customerId: string): string {
  return `holdings-${sha256Hex(`${offerId}\n${customerId}`).slice(0, 40)}`;
}

export function emptyHoldings(offerId: string, customerId: string): Holdings {
  const id = holdingsId(offerId, customerId);
  return { id, code: id, type: 'holdings', offerId, customerId, coupons: [] };
}

/** The entries whose snapshot cannot tell whether they count against the limit: expired but maybe redeemed. */
export function needsFreshState(holdings: Holdings, now: Date): Coupon[] {
  return holdings.coupons.filter((c) => c.status === 'issued' && now.getTime() >= Date.parse(c.expiresAt));
}

/** Keeps the list short: entries that are expired and were not redeemed no longer matter for anything. */
export function withCoupon(holdings: Holdings, coupon: Coupon, now: Date, fresh: ReadonlyMap<string, Coupon> = new Map()): Holdings {
  const kept = holdings.coupons
    .map((c) => fresh.get(c.code) ?? c)
    .filter((c) => c.status === 'redeemed' || now.getTime() < Date.parse(c.expiresAt));
  return { ...holdings, coupons: [...kept, coupon] };
}

export function withoutRequest(holdings: Holdings, requestId: string): Holdings {
  return { ...holdings, coupons: holdings.coupons.filter((c) => c.requestId !== requestId) };
}
