import { z } from 'zod';
import { toMinorUnits } from '../money.js';
import type { Offer } from './offer.js';

/**
 * A campaign's budget is one small counter document per offer (`budget:<offerId>` in the `offers`
 * container). Every change is read → pure function → replace with `ifMatch: etag`; on 412 the adapter
 * re-reads and calls the function again, so concurrent issuers can never overspend.
 *
 * `discountCommittedMinor` is the sum of every coupon's exposure (see `couponExposureMinor`): the worst-case
 * discount of an unredeemed coupon, reserved when it is issued, and the actual discount once it is redeemed.
 * Reserving the worst case is what lets issuing stop *before* the budget is spent rather than after; the
 * difference flows back when the coupon is redeemed for less.
 */
export const BudgetState = z.object({
  id: z.string(),
  type: z.literal('budget'),
  offerId: z.string(),
  issuedCount: z.number().int().nonnegative(),
  discountCommittedMinor: z.number().int().nonnegative(),
  /** Incremented on every change; lets stores without ETags (and tests) detect lost updates. */
  version: z.number().int().nonnegative(),
});
export type BudgetState = z.infer<typeof BudgetState>;

export interface BudgetLimits {
  maxCoupons?: number | undefined;
  maxDiscountMinor?: number | undefined;
}

export type BudgetRefusal = { ok: false; reason: 'budget_exhausted'; limit: 'coupons' | 'discount' };
export type BudgetReservation = { ok: true; state: BudgetState } | BudgetRefusal;

export function budgetStateId(offerId: string): string {
  return `budget:${offerId}`;
}

export function initialBudgetState(offerId: string): BudgetState {
  return { id: budgetStateId(offerId), type: 'budget', offerId, issuedCount: 0, discountCommittedMinor: 0, version: 0 };
}

export function budgetLimits(offer: Offer): BudgetLimits {
  const maxDiscount = offer.budget?.maxDiscount;
  let maxDiscountMinor: number | undefined;
  if (maxDiscount !== undefined) {
    // Offer.parse guarantees a currency whenever a money budget is set.
    maxDiscountMinor = offer.currency === undefined ? undefined : toMinorUnits(maxDiscount, offer.currency);
    if (maxDiscountMinor === undefined) throw new RangeError('budget.maxDiscount is not representable; parse the offer first');
  }
  return { maxCoupons: offer.budget?.maxCoupons, maxDiscountMinor };
}

/** One more coupon whose worst-case discount is `discountMinor`, if both limits allow it. */
export function reserveBudget(state: BudgetState, limits: BudgetLimits, discountMinor: number): BudgetReservation {
  if (!Number.isSafeInteger(discountMinor) || discountMinor < 0) {
    throw new RangeError(`discountMinor must be a non-negative integer, got ${discountMinor}`);
  }
  if (limits.maxCoupons !== undefined && state.issuedCount + 1 > limits.maxCoupons) {
    return { ok: false, reason: 'budget_exhausted', limit: 'coupons' };
  }
  if (limits.maxDiscountMinor !== undefined && state.discountCommittedMinor + discountMinor > limits.maxDiscountMinor) {
    return { ok: false, reason: 'budget_exhausted', limit: 'discount' };
  }
  return {
    ok: true,
    state: {
      ...state,
      issuedCount: state.issuedCount + 1,
      discountCommittedMinor: state.discountCommittedMinor + discountMinor,
      version: state.version + 1,
    },
  };
}

/**
 * Unconditional change: redemption for less than reserved (negative), a rollback (positive — the customer
 * holds the coupon again, so it is re-exposed even if that briefly exceeds the limit; refusing would punish
 * the customer for a cancelled order), or compensation when a reserved coupon could not be stored.
 */
export function adjustBudget(state: BudgetState, change: { issued?: number; discountMinor?: number }): BudgetState {
  const issued = change.issued ?? 0;
  const discount = change.discountMinor ?? 0;
  if (issued === 0 && discount === 0) return state;
  return {
    ...state,
    issuedCount: Math.max(0, state.issuedCount + issued),
    discountCommittedMinor: Math.max(0, state.discountCommittedMinor + discount),
    version: state.version + 1,
  };
}
