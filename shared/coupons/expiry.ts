import type { Coupon } from './coupon.js';

/**
 * Expired, unredeemed coupons give their budget reservation back, so a campaign whose coupons lapse can issue
 * again. The release is two writes on two documents in different containers — mark the coupon (`ifMatch`),
 * then a relative budget patch — and neither Cosmos nor the emulator can make them atomic. The order is the
 * choice of failure: marking first means a crash between the two leaks the one reservation (the budget stays
 * as it was before, never overspent), while the mark makes every later run, and erasure, skip the coupon, so
 * a reservation is never given back twice. Patching first would double-release on a crash instead, and an
 * over-released budget lets a campaign spend more than it was given.
 */
export type BudgetRelease = { issued: -1; discountMinor: number };

export type ReleaseDecision =
  /** Replace the coupon with `coupon` (ifMatch the one read); only then apply `change` to the budget. */
  | { kind: 'release'; coupon: Coupon; change: BudgetRelease }
  | { kind: 'keep'; reason: 'redeemed' | 'not_expired' | 'already_released' };

/** The coupon marked released and the budget change that goes with it, whatever its expiry (erasure). */
export function markReleased(coupon: Coupon, event?: { at: Date }): { coupon: Coupon; change: BudgetRelease } {
  return {
    coupon: {
      ...coupon,
      reservationReleased: true,
      history: event === undefined ? coupon.history : [...coupon.history, { at: event.at.toISOString(), event: 'reservation_released', discountMinor: coupon.budgetReservedMinor }],
    },
    change: { issued: -1, discountMinor: -coupon.budgetReservedMinor },
  };
}

/** `expiresAt` is exclusive: at that instant the coupon is expired (as `validateRedemption` judges it). */
export function expiryRelease(coupon: Coupon, now: Date): ReleaseDecision {
  if (coupon.reservationReleased) return { kind: 'keep', reason: 'already_released' };
  if (coupon.status === 'redeemed') return { kind: 'keep', reason: 'redeemed' };
  if (now.getTime() < Date.parse(coupon.expiresAt)) return { kind: 'keep', reason: 'not_expired' };
  return { kind: 'release', ...markReleased(coupon, { at: now }) };
}

/** Of `coupons`, the reservations to give back at `now`: expired, unredeemed and not released before. */
export function reservationsToRelease(coupons: readonly Coupon[], now: Date): Extract<ReleaseDecision, { kind: 'release' }>[] {
  const out: Extract<ReleaseDecision, { kind: 'release' }>[] = [];
  for (const coupon of coupons) {
    const decision = expiryRelease(coupon, now);
    if (decision.kind === 'release') out.push(decision);
  }
  return out;
}
