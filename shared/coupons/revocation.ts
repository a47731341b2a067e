import { z } from 'zod';
import type { Coupon } from './coupon.js';
import { markReleased, type BudgetRelease } from './expiry.js';

/** Body of `POST /api/coupons/{code}/revoke`. */
export const RevokeRequest = z.strictObject({
  reason: z.string().trim().min(1).max(500).meta({ description: 'why the code is stopped (kept on the coupon, shown to staff)', examples: ['code posted on a deal forum'] }),
});
export type RevokeRequest = z.infer<typeof RevokeRequest>;

export type RevokeDecision =
  /** Replace the coupon with `coupon` (ifMatch the one read); then apply `budgetChange`, if any. */
  | { kind: 'revoke'; coupon: Coupon; budgetChange: BudgetRelease | undefined }
  /** Revoked before: the first revocation stands (its time and reason), nothing is written. */
  | { kind: 'already_revoked'; coupon: Coupon };

/**
 * A revoked coupon is refused by validate, redeem and the shop webhooks (`reason: revoked`). An unredeemed
 * one gives its budget reservation back in the same write (marked released, like expiry and erasure, so
 * the budget is patched at most once); a redeemed one keeps its redemption, and a later rollback leaves it
 * unusable and holding nothing.
 */
export function revokeDecision(coupon: Coupon, request: RevokeRequest, now: Date): RevokeDecision {
  if (coupon.revoked) return { kind: 'already_revoked', coupon };
  const at = now.toISOString();
  const revoked: Coupon = {
    ...coupon,
    revoked: { at, reason: request.reason },
    history: [...coupon.history, { at, event: 'revoked' }],
  };
  if (coupon.status === 'redeemed' || coupon.reservationReleased) return { kind: 'revoke', coupon: revoked, budgetChange: undefined };
  const { coupon: released, change } = markReleased(revoked);
  return { kind: 'revoke', coupon: released, budgetChange: change };
}
