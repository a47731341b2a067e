import { fromMinorUnits } from '../money.js';
import type { IssueRefusalReason, RedemptionFailure } from './coupon.js';

export interface CouponProblem {
  status: number;
  title: string;
  detail: string;
  /** Machine-readable, stable: POS and shops switch on it. */
  reason: string;
  [extension: string]: unknown;
}

/**
 * One place for the HTTP meaning of every redemption failure:
 * - 404 the code is unknown; 422 it is malformed (typo caught by the check character) — the request is fine,
 *   the code in it is not;
 * - 409 the coupon's *state* conflicts with the request (already redeemed, the customer's limit reached, a
 *   rolled-back redemption id reused) — retrying the same request never helps;
 * - 410 expired: the coupon existed and is gone for good;
 * - 422 everything about this basket or context (not yet valid, wrong customer/channel/store/currency,
 *   basket too small, category missing) — a different basket or a later date could succeed.
 * `validate` may answer 200 with `{ valid: false, reason }` instead; the reasons are the same.
 */
export function redemptionProblem(failure: RedemptionFailure): CouponProblem {
  switch (failure.reason) {
    case 'unknown':
      return { status: 404, title: 'Unknown coupon', detail: 'no coupon has this code', reason: failure.reason };
    case 'malformed_code':
      return { status: 422, title: 'Malformed coupon code', detail: failure.detail, reason: failure.reason };
    case 'revoked':
      return { status: 410, title: 'Coupon revoked', detail: `the coupon was revoked at ${failure.revokedAt} and cannot be used`, reason: failure.reason, revokedAt: failure.revokedAt };
    case 'expired':
      return { status: 410, title: 'Coupon expired', detail: `the coupon expired at ${failure.expiresAt}`, reason: failure.reason, expiresAt: failure.expiresAt };
    case 'not_yet_valid':
      return { status: 422, title: 'Coupon not yet valid', detail: `the coupon is valid from ${failure.validFrom}`, reason: failure.reason, validFrom: failure.validFrom };
    case 'already_redeemed':
      return { status: 409, title: 'Coupon already redeemed', detail: `the coupon was redeemed at ${failure.redeemedAt}`, reason: failure.reason, redeemedAt: failure.redeemedAt };
    case 'redemption_rolled_back':
      return { status: 409, title: 'Redemption rolled back', detail: 'this redemption was rolled back; redeem again under a new id', reason: failure.reason };
    case 'limit_reached':
      return { status: 409, title: 'Limit reached', detail: `the customer has already redeemed ${failure.limit} coupon(s) of this offer`, reason: failure.reason, limit: failure.limit };
    case 'wrong_customer':
      return { status: 422, title: 'Coupon belongs to another customer', detail: 'the coupon was issued to a different customer', reason: failure.reason };
    case 'wrong_channel':
      return { status: 422, title: 'Wrong channel', detail: `the coupon is only valid ${failure.allowed === 'pos' ? 'in store' : 'online'}`, reason: failure.reason, allowed: failure.allowed };
    case 'wrong_store':
      return { status: 422, title: 'Wrong store', detail: 'the coupon is not valid in this store', reason: failure.reason };
    case 'wrong_currency':
      return { status: 422, title: 'Wrong currency', detail: `the coupon is valid for baskets in ${failure.expected}`, reason: failure.reason, expected: failure.expected };
    case 'basket_too_small': {
      const amount = failure.currency === undefined ? `${failure.minBasketMinor} minor units` : `${fromMinorUnits(failure.minBasketMinor, failure.currency)} ${failure.currency}`;
      return { status: 422, title: 'Basket too small', detail: `the coupon needs a basket of at least ${amount}`, reason: failure.reason, minBasketMinor: failure.minBasketMinor };
    }
    case 'category_not_in_basket':
      return { status: 422, title: 'Category not in basket', detail: `the coupon applies to ${failure.categories.join(', ')} only`, reason: failure.reason, categories: failure.categories };
    default: {
      const exhaustive: never = failure;
      return exhaustive;
    }
  }
}

/** Issuing refusals (`POST /api/coupons`); the queue-triggered issuer logs them and completes the message. */
export function issueRefusalProblem(reason: IssueRefusalReason, detail: string): CouponProblem {
  switch (reason) {
    case 'unknown_offer':
      return { status: 404, title: 'Unknown offer', detail, reason };
    case 'customer_erased':
      return { status: 410, title: 'Customer erased', detail, reason };
    case 'offer_paused':
      return { status: 409, title: 'Offer paused', detail, reason };
    case 'offer_archived':
      return { status: 410, title: 'Offer archived', detail, reason };
    case 'offer_expired':
      return { status: 410, title: 'Offer ended', detail, reason };
    case 'no_matching_tier':
      return { status: 422, title: 'No tier applies', detail, reason };
    case 'no_customer_category':
      return { status: 422, title: 'Customer has no top category', detail, reason };
    case 'per_customer_limit':
      return { status: 409, title: 'Per-customer limit reached', detail, reason };
    case 'budget_exhausted':
      return { status: 409, title: 'Budget exhausted', detail, reason };
    case 'request_conflict':
      return { status: 409, title: 'requestId already used', detail, reason };
    default: {
      const exhaustive: never = reason;
      return exhaustive;
    }
  }
}
