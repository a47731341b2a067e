import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CouponCodeInput, CustomerId, Id, JourneyId, OfferId, OrderId } from '../ids.js';
import { fromMinorUnits, isKnownCurrency, toMinorUnits } from '../money.js';
import { PurchaseItemInput, type PurchaseInput } from '../purchases/schema.js';
import type { Basket, BasketChannel, Coupon } from './coupon.js';

const identifier = z.string().trim().min(1).max(128);
const amount = z.number().nonnegative().max(1e9);
const currency = z.string().refine(isKnownCurrency, 'not an ISO 4217 currency code');
const source = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'lowercase letters, digits, "_", "." or "-", at most 64');

/** Same item shape as `POST /api/purchases`, so a redemption can be recorded as a purchase unchanged. */
const items = z.array(PurchaseItemInput).max(500);

const basketFields = {
  customerId: CustomerId.optional(),
  basketTotal: amount,
  currency,
  items: items.optional(),
  storeId: identifier.optional(),
  channel: z.enum(['pos', 'shop']).optional(),
};

function checkDecimals(body: { basketTotal: number; currency: string; items?: { unitPrice: number }[] | undefined }, ctx: z.RefinementCtx) {
  if (!isKnownCurrency(body.currency)) return;
  if (toMinorUnits(body.basketTotal, body.currency) === undefined) {
    ctx.addIssue({ code: 'custom', path: ['basketTotal'], message: `more decimals than ${body.currency} allows` });
  }
  body.items?.forEach((item, index) => {
    if (toMinorUnits(item.unitPrice, body.currency) === undefined) {
      ctx.addIssue({ code: 'custom', path: ['items', index, 'unitPrice'], message: `more decimals than ${body.currency} allows` });
    }
  });
}

/** `POST /api/coupons/{code}/validate`: the basket as it stands before the coupon. */
export const ValidateRequest = z.strictObject(basketFields).superRefine(checkDecimals);
export type ValidateRequest = z.infer<typeof ValidateRequest>;

/** `POST /api/redemptions` (with `Idempotency-Key`). `basketTotal` is before the coupon's discount. */
export const RedemptionRequest = z
  .strictObject({ code: CouponCodeInput, orderId: OrderId, source, ...basketFields })
  .superRefine(checkDecimals);
export type RedemptionRequest = z.infer<typeof RedemptionRequest>;

/** Body of `POST /api/coupons` and of `coupon-requests` queue messages. */
export const IssueCouponRequest = z.strictObject({
  customerId: CustomerId,
  offerId: OfferId,
  /** Idempotency: a redelivered or retried request with the same id returns the same coupon. */
  requestId: Id,
  journeyId: JourneyId.optional(),
  variant: z.string().trim().min(1).max(64).optional(),
  journeyStep: z.number().int().positive().max(1000).optional(),
  segment: z.string().trim().min(1).max(64).optional(),
  /** The journey enrollment asking (journeys): the issued coupon is reported to KPIs under it. */
  enrollmentId: identifier.optional(),
});
export type IssueCouponRequest = z.infer<typeof IssueCouponRequest>;

/**
 * A POS always knows its store and a web shop has none, so without an explicit channel a basket with a
 * storeId is a POS basket and one without is a shop basket.
 */
export function basketChannel(request: { channel?: BasketChannel | undefined; storeId?: string | undefined }): BasketChannel {
  return request.channel ?? (request.storeId === undefined ? 'shop' : 'pos');
}

/** Exact minor units; only call on a parsed request (the schema guarantees the decimals). */
export function toBasket(request: ValidateRequest | RedemptionRequest): Basket {
  const minor = (value: number) => {
    const result = toMinorUnits(value, request.currency);
    if (result === undefined) throw new RangeError(`${value} ${request.currency} is not representable; parse the request first`);
    return result;
  };
  return {
    customerId: request.customerId,
    basketTotalMinor: minor(request.basketTotal),
    currency: request.currency,
    items: request.items?.map((item) => ({ sku: item.sku, category: item.category, quantity: item.quantity, unitPriceMinor: minor(item.unitPrice) })),
    channel: basketChannel(request),
    storeId: request.storeId,
  };
}

/**
 * Redemption ids are derived, not drawn, so every path that sees the same redemption lands on the same id:
 * the API from (source, Idempotency-Key), webhooks from (source, orderId, code).
 */
export function redemptionId(...parts: string[]): string {
  return 'r_' + createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 32);
}

/**
 * The purchase a redemption records (`POST /api/purchases` semantics): attributed to the coupon's owner,
 * `total` is what the customer paid — the basket minus the discount — and the code is listed so KPIs can
 * tie the purchase to the campaign.
 */
export function redemptionPurchase(request: RedemptionRequest, coupon: Coupon, discountMinor: number, now: Date): PurchaseInput {
  const totalMinor = (toMinorUnits(request.basketTotal, request.currency) ?? 0) - discountMinor;
  const channel = basketChannel(request);
  return {
    orderId: request.orderId,
    source: request.source,
    customerId: coupon.customerId,
    occurredAt: now.toISOString(),
    total: fromMinorUnits(Math.max(0, totalMinor), request.currency),
    currency: request.currency,
    ...(request.storeId === undefined ? {} : { storeId: request.storeId }),
    channel,
    type: 'purchase',
    items: request.items ?? [],
    couponCodes: [coupon.code],
  };
}

/** Route parameter of `/api/offers/{offerId}`. */
export const OfferRouteParams = z.object({ offerId: OfferId });

/** Route parameter of `/api/coupons/{code}/…`. */
export const CouponRouteParams = z.object({ code: CouponCodeInput });

/** `Idempotency-Key`: what clients send in practice (UUIDs, ULIDs, order numbers), printable ASCII. */
export const IdempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces, at most 255 characters');
