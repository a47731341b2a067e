import type { Failure } from '../http/failure.js';
import { fromMinorUnits } from '../money.js';
import type { BudgetState } from './budget.js';
import { couponView, type Coupon, type Redemption } from './coupon.js';
import { offerStatus, type OfferDocument } from './offer.js';
import type { CouponProblem } from './problems.js';
import { publicRedemptionId } from './service.js';

/** A coupon problem (problems.ts) as the HTTP layer's one failure kind for domain refusals. */
export function asFailure(problem: CouponProblem): Failure {
  const { status, title, detail, reason, ...extra } = problem;
  return { kind: 'rejected', status: status as 404 | 409 | 410 | 422, title, detail, reason, extra };
}

/** PUT or DELETE on a built-in offer: refused, with the body to PUT under an id of one's own. */
export function builtinReadOnly(doc: OfferDocument): Failure {
  return {
    kind: 'conflict',
    reason: 'builtin_offer',
    detail: `offer ${doc.id} is built in and read-only. To change it, copy it: PUT /api/offers/<your-offer-id> with the body in "copy" (edit what you like), then issue coupons of <your-offer-id>`,
    extra: { copy: doc.offer },
  };
}

export function offerView(doc: OfferDocument & { builtin?: boolean }, budget: BudgetState | undefined) {
  const currency = doc.offer.currency;
  return {
    id: doc.id,
    ...doc.offer,
    status: offerStatus(doc.offer),
    updatedAt: doc.updatedAt,
    builtin: doc.builtin ?? false,
    ...(budget === undefined
      ? {}
      : {
          budgetUsage: {
            issued: budget.issuedCount,
            ...(currency === undefined ? {} : { discountCommitted: fromMinorUnits(budget.discountCommittedMinor, currency) }),
          },
        }),
  };
}

/** Issued coupons for the issuer: the customer view plus whom it belongs to and the request it answered. */
export function issuedView(coupon: Coupon, now: Date) {
  return { ...couponView(coupon, now), customerId: coupon.customerId, requestId: coupon.requestId };
}

export function redemptionView(coupon: Coupon, redemption: Redemption) {
  const money = coupon.terms.currency ?? redemption.currency;
  return {
    redemptionId: publicRedemptionId(coupon.code, redemption.redemptionId),
    code: coupon.code,
    customerId: coupon.customerId,
    offerId: coupon.offerId,
    orderId: redemption.orderId,
    source: redemption.source,
    redeemedAt: redemption.at,
    discount: fromMinorUnits(redemption.discountMinor, money),
    currency: redemption.currency,
    ...(redemption.pointsAwarded === undefined ? {} : { pointsAwarded: redemption.pointsAwarded }),
    // The purchase is recorded asynchronously (redemption-events) and never reported as created/duplicate:
    // a replay must answer exactly as the original.
    purchase: 'queued' as const,
  };
}
