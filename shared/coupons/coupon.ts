import { z } from 'zod';
import { toMinorUnits } from '../money.js';
import { adjustBudget, budgetLimits, initialBudgetState, reserveBudget, type BudgetState } from './budget.js';
import { formatCode, type CouponCode } from './code.js';
import { Channel, ladderOf, offerStatus, resolveTier, type Offer, type OfferValue } from './offer.js';

const dayMs = 24 * 60 * 60 * 1000;
const minor = z.number().int().nonnegative();

/** The terms a coupon was issued under, resolved (tier, top category) and in exact minor units. */
export const CouponTerms = z.object({
  offerName: z.string(),
  /** The ladder tier that chose the value, when the offer has a ladder. */
  tier: z.string().optional(),
  value: z.discriminatedUnion('type', [
    z.object({ type: z.literal('percent'), percent: z.number(), maxDiscountMinor: minor.optional() }),
    z.object({ type: z.literal('amount'), amountMinor: minor }),
    z.object({ type: z.literal('points'), points: z.number().int().positive() }),
  ]),
  /** Set whenever money is involved; a basket in another currency is refused. */
  currency: z.string().optional(),
  minBasketMinor: minor.optional(),
  categories: z.array(z.string()).min(1).optional(),
  channel: Channel,
  stores: z.array(z.string()).min(1).optional(),
  perCustomerLimit: z.number().int().positive().optional(),
});
export type CouponTerms = z.infer<typeof CouponTerms>;

export const BasketChannel = z.enum(['pos', 'shop']);
export type BasketChannel = z.infer<typeof BasketChannel>;

export const Redemption = z.object({
  redemptionId: z.string(),
  orderId: z.string(),
  source: z.string(),
  at: z.string(),
  discountMinor: minor,
  pointsAwarded: z.number().int().positive().optional(),
  basketTotalMinor: minor,
  currency: z.string(),
  channel: BasketChannel,
  storeId: z.string().optional(),
  /** Hash of the request that redeemed (API: the parsed body); a replay with the same id must match it. */
  requestHash: z.string().optional(),
  /**
   * The budget change this redemption causes (exposure after minus before), when it is deferred to the
   * redemption-events consumer. `budgetApplied: false` means the budget does not contain it yet; the consumer
   * sets it to true (`ifMatch`) before patching the budget, so the delta is applied at most once. Both absent:
   * the delta was applied with the redemption itself (webhooks, and redemptions stored before it was deferred).
   */
  budgetDeltaMinor: z.number().int().optional(),
  budgetApplied: z.boolean().optional(),
});
export type Redemption = z.infer<typeof Redemption>;

export const CouponEvent = z.object({
  at: z.string(),
  event: z.enum(['issued', 'redeemed', 'rolled_back', 'reservation_released', 'revoked']),
  redemptionId: z.string().optional(),
  orderId: z.string().optional(),
  discountMinor: minor.optional(),
});
export type CouponEvent = z.infer<typeof CouponEvent>;

/** Stored in `coupons` (partition `/code`), `id = code` so a second coupon with a taken code fails on create. */
export const Coupon = z.object({
  id: z.string(),
  code: z.string(),
  type: z.literal('coupon'),
  customerId: z.string(),
  offerId: z.string(),
  terms: CouponTerms,
  journeyId: z.string().optional(),
  variant: z.string().optional(),
  journeyStep: z.number().int().positive().optional(),
  /** The journey enrollment the coupon was issued for: its redemption is reported to that enrollment's KPIs. */
  enrollmentId: z.string().optional(),
  requestId: z.string(),
  issuedAt: z.string(),
  validFrom: z.string(),
  /** Exclusive: at this instant the coupon is expired. */
  expiresAt: z.string(),
  /** Expiry is not a stored state: it follows from `expiresAt` and `now` (see `effectiveStatus`). */
  status: z.enum(['issued', 'redeemed']),
  /** Worst-case discount reserved against the offer's budget when issued (0 when unbounded or points). */
  budgetReservedMinor: minor,
  redemption: Redemption.optional(),
  /**
   * Set once the coupon's budget reservation was given back (expired unredeemed, or erased): the coupon no
   * longer counts against the offer's budget and can never be redeemed, so the budget is released at most once.
   */
  reservationReleased: z.literal(true).optional(),
  /** Set by `POST /api/coupons/{code}/revoke` (a leaked or misused code): refused at every till from then on. */
  revoked: z.object({ at: z.string(), reason: z.string() }).optional(),
  history: z.array(CouponEvent),
});
export type Coupon = z.infer<typeof Coupon>;

export interface BasketItem {
  sku: string;
  category?: string | undefined;
  quantity: number;
  unitPriceMinor: number;
}

export interface Basket {
  customerId?: string | undefined;
  basketTotalMinor: number;
  currency: string;
  items?: readonly BasketItem[] | undefined;
  channel: BasketChannel;
  storeId?: string | undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Issuing

export interface IssueCustomer {
  id: string;
  segment?: string | undefined;
  /** Major units of the offer's currency. */
  clv12m?: number | undefined;
  /** Resolved from the customer's category affinity (`topCategoryFromAffinity`). */
  topCategory?: string | undefined;
}

export interface IssueRequestFacts {
  customerId: string;
  offerId: string;
  requestId: string;
  journeyId?: string | undefined;
  variant?: string | undefined;
  journeyStep?: number | undefined;
  enrollmentId?: string | undefined;
  /** The segment the journey acted on; wins over the customer document's current one. */
  segment?: string | undefined;
}

export interface IssueInput {
  offerId: string;
  offer: Offer;
  customer: IssueCustomer;
  /** Every coupon this customer holds (any offer): needed for idempotency and the per-customer limit. */
  existingCouponsForCustomer: readonly Coupon[];
  /** Absent when the offer has no counter document yet. */
  budgetState: BudgetState | undefined;
  now: Date;
  request: IssueRequestFacts;
  /** A fresh code from `generateCode()`; if it turns out to be taken, retry with `withCode`. */
  code: CouponCode;
}

export type IssueRefusalReason =
  /** Neither a stored nor a built-in offer has this id (decided by the adapter, not `issueDecision`). */
  | 'unknown_offer'
  /** The customer was erased (GDPR); nothing is issued to an erased id. */
  | 'customer_erased'
  /** The offer is paused or archived: it issues no new coupons. */
  | 'offer_paused'
  | 'offer_archived'
  | 'offer_expired'
  | 'no_matching_tier'
  | 'no_customer_category'
  | 'per_customer_limit'
  | 'budget_exhausted'
  | 'request_conflict';

export type IssueDecision =
  /** Write `budgetState` (ifMatch the one read; absent = nothing to write), then create `coupon`. */
  | { kind: 'issue'; coupon: Coupon; budgetState: BudgetState | undefined }
  /** The same requestId was already served: answer with this coupon and write nothing. */
  | { kind: 'existing'; coupon: Coupon }
  | { kind: 'refused'; reason: IssueRefusalReason; detail: string };

function toMinorOrThrow(amount: number, currency: string | undefined, what: string): number {
  const value = currency === undefined ? undefined : toMinorUnits(amount, currency);
  if (value === undefined) throw new RangeError(`${what} is not representable in ${currency ?? 'no currency'}; parse the offer first`);
  return value;
}

function resolveValue(value: OfferValue, currency: string | undefined): CouponTerms['value'] {
  switch (value.type) {
    case 'percent':
      return value.maxDiscount === undefined
        ? { type: 'percent', percent: value.percent }
        : { type: 'percent', percent: value.percent, maxDiscountMinor: toMinorOrThrow(value.maxDiscount, currency, 'maxDiscount') };
    case 'amount':
      return { type: 'amount', amountMinor: toMinorOrThrow(value.amount, currency, 'amount') };
    case 'points':
      return { type: 'points', points: value.points };
    default: {
      const exhaustive: never = value;
      return exhaustive;
    }
  }
}

/** The most one coupon can cost; 0 when unbounded (uncapped percent) or not money (points). */
export function worstCaseDiscountMinor(terms: CouponTerms): number {
  switch (terms.value.type) {
    case 'percent':
      return terms.value.maxDiscountMinor ?? 0;
    case 'amount':
      return terms.value.amountMinor;
    case 'points':
      return 0;
    default: {
      const exhaustive: never = terms.value;
      return exhaustive;
    }
  }
}

/** Usable or used: an expired, unredeemed coupon no longer counts against the per-customer limit. */
function countsAgainstLimit(coupon: Coupon, now: Date): boolean {
  return coupon.status === 'redeemed' || now.getTime() < Date.parse(coupon.expiresAt);
}

export function issueDecision(input: IssueInput): IssueDecision {
  const { offer, customer, request, now } = input;
  if (request.customerId !== customer.id || request.offerId !== input.offerId) {
    throw new RangeError('issueDecision: request, customer and offer do not belong together');
  }

  const previous = input.existingCouponsForCustomer.find((c) => c.requestId === request.requestId);
  if (previous !== undefined) {
    if (previous.offerId === request.offerId && previous.customerId === request.customerId) {
      return { kind: 'existing', coupon: previous };
    }
    return { kind: 'refused', reason: 'request_conflict', detail: `requestId ${request.requestId} was used for another offer` };
  }

  const status = offerStatus(offer);
  if (status !== 'active') {
    return { kind: 'refused', reason: status === 'paused' ? 'offer_paused' : 'offer_archived', detail: `offer ${input.offerId} is ${status}: it issues no new coupons` };
  }
  if ('until' in offer.validity && now.getTime() >= Date.parse(offer.validity.until)) {
    return { kind: 'refused', reason: 'offer_expired', detail: `offer ${input.offerId} ended at ${offer.validity.until}` };
  }

  let value = offer.value;
  let minBasket = offer.minBasket;
  let tierName: string | undefined;
  const ladder = ladderOf(offer);
  if (ladder !== undefined) {
    const tier = resolveTier(ladder, {
      segment: request.segment ?? customer.segment,
      clv12m: customer.clv12m,
      journeyStep: request.journeyStep,
    });
    if (tier === undefined) {
      return { kind: 'refused', reason: 'no_matching_tier', detail: 'no tier of the offer applies to this customer' };
    }
    value = tier.value;
    minBasket = tier.minBasket ?? offer.minBasket;
    tierName = tier.name;
  }
  if (value === undefined) throw new RangeError('offer has neither value nor ladder; parse the offer first');

  let categories: string[] | undefined;
  if (offer.categories === 'customerTopCategory') {
    if (customer.topCategory === undefined) {
      return { kind: 'refused', reason: 'no_customer_category', detail: 'the customer has no category affinity yet' };
    }
    categories = [customer.topCategory];
  } else {
    categories = offer.categories;
  }

  if (offer.perCustomerLimit !== undefined) {
    const held = input.existingCouponsForCustomer.filter((c) => c.offerId === input.offerId && countsAgainstLimit(c, now)).length;
    if (held >= offer.perCustomerLimit) {
      return { kind: 'refused', reason: 'per_customer_limit', detail: `the customer already holds or used ${held} of this offer's coupons` };
    }
  }

  const terms: CouponTerms = {
    offerName: offer.name,
    ...(tierName === undefined ? {} : { tier: tierName }),
    value: resolveValue(value, offer.currency),
    ...(offer.currency === undefined ? {} : { currency: offer.currency }),
    ...(minBasket === undefined ? {} : { minBasketMinor: toMinorOrThrow(minBasket, offer.currency, 'minBasket') }),
    ...(categories === undefined ? {} : { categories }),
    channel: offer.channel,
    ...(offer.stores === undefined ? {} : { stores: offer.stores }),
    ...(offer.perCustomerLimit === undefined ? {} : { perCustomerLimit: offer.perCustomerLimit }),
  };

  const reserved = worstCaseDiscountMinor(terms);
  let budgetState: BudgetState | undefined;
  if (offer.budget !== undefined) {
    const reservation = reserveBudget(input.budgetState ?? initialBudgetState(input.offerId), budgetLimits(offer), reserved);
    if (!reservation.ok) {
      return { kind: 'refused', reason: 'budget_exhausted', detail: `the offer's ${reservation.limit} budget is spent` };
    }
    budgetState = reservation.state;
  } else if (input.budgetState !== undefined) {
    // Budget removed from the offer later: keep counting so re-adding a budget starts from the truth.
    budgetState = adjustBudget(input.budgetState, { issued: 1, discountMinor: reserved });
  }

  const issuedAt = now.toISOString();
  const validity = offer.validity;
  const validFrom = 'days' in validity ? issuedAt : new Date(Math.max(Date.parse(validity.from), now.getTime())).toISOString();
  const expiresAt = 'days' in validity ? new Date(now.getTime() + validity.days * dayMs).toISOString() : new Date(validity.until).toISOString();

  const coupon: Coupon = {
    id: input.code,
    code: input.code,
    type: 'coupon',
    customerId: customer.id,
    offerId: input.offerId,
    terms,
    ...(request.journeyId === undefined ? {} : { journeyId: request.journeyId }),
    ...(request.variant === undefined ? {} : { variant: request.variant }),
    ...(request.journeyStep === undefined ? {} : { journeyStep: request.journeyStep }),
    ...(request.enrollmentId === undefined ? {} : { enrollmentId: request.enrollmentId }),
    requestId: request.requestId,
    issuedAt,
    validFrom,
    expiresAt,
    status: 'issued',
    budgetReservedMinor: reserved,
    history: [{ at: issuedAt, event: 'issued' }],
  };
  return { kind: 'issue', coupon, budgetState };
}

/** The same coupon under another code, for when the drawn code was already taken in storage. */
export function withCode(coupon: Coupon, code: CouponCode): Coupon {
  return { ...coupon, id: code, code };
}

// ---------------------------------------------------------------------------------------------------------
// Discounts

/** A line's value: unit price × quantity, rounded half away from zero to a minor unit (quantities may be 0.5 kg). */
export function lineTotalMinor(item: BasketItem): number {
  return Math.round(item.unitPriceMinor * item.quantity);
}

const normalizeCategory = (category: string) => category.trim().toLowerCase();

/**
 * The part of the basket the coupon applies to: the whole basket, or — with a category restriction — the
 * matching lines (categories compared case-insensitively), never more than the basket total (line prices are
 * list prices; the total may already include other reductions).
 */
export function eligibleTotalMinor(terms: CouponTerms, basket: Basket): number {
  if (terms.categories === undefined) return basket.basketTotalMinor;
  const wanted = new Set(terms.categories.map(normalizeCategory));
  let sum = 0;
  for (const item of basket.items ?? []) {
    if (item.category !== undefined && wanted.has(normalizeCategory(item.category))) sum += lineTotalMinor(item);
  }
  return Math.min(sum, basket.basketTotalMinor);
}

/**
 * Percent discounts are computed exactly in integers (percent as basis points) and rounded *down* to the
 * minor unit, so a customer never gets more than the advertised percentage; then capped by maxDiscount. Fixed
 * amounts are limited to the eligible total. Whatever the terms, the result never exceeds the basket total.
 */
export function discountMinor(terms: CouponTerms, basket: Basket): number {
  const eligible = eligibleTotalMinor(terms, basket);
  let discount: number;
  switch (terms.value.type) {
    case 'percent': {
      const basisPoints = BigInt(Math.round(terms.value.percent * 100));
      discount = Number((BigInt(eligible) * basisPoints) / 10_000n);
      if (terms.value.maxDiscountMinor !== undefined) discount = Math.min(discount, terms.value.maxDiscountMinor);
      break;
    }
    case 'amount':
      discount = Math.min(terms.value.amountMinor, eligible);
      break;
    case 'points':
      discount = 0;
      break;
    default: {
      const exhaustive: never = terms.value;
      return exhaustive;
    }
  }
  return Math.max(0, Math.min(discount, basket.basketTotalMinor));
}

// ---------------------------------------------------------------------------------------------------------
// Redemption

export type RedemptionFailure =
  | { reason: 'unknown' }
  /** The code fails the offline check (typo) or contains characters codes never have. */
  | { reason: 'malformed_code'; detail: string }
  | { reason: 'expired'; expiresAt: string }
  | { reason: 'revoked'; revokedAt: string }
  | { reason: 'not_yet_valid'; validFrom: string }
  | { reason: 'already_redeemed'; redeemedAt: string }
  /** A redemption id that was rolled back cannot redeem again; a new redemption needs a new id. */
  | { reason: 'redemption_rolled_back' }
  | { reason: 'wrong_customer' }
  | { reason: 'wrong_channel'; allowed: Channel }
  | { reason: 'wrong_store' }
  | { reason: 'wrong_currency'; expected: string }
  | { reason: 'limit_reached'; limit: number }
  | { reason: 'basket_too_small'; minBasketMinor: number; currency?: string }
  | { reason: 'category_not_in_basket'; categories: string[] };
export type RedemptionFailureReason = RedemptionFailure['reason'];

export type RedemptionCheck = { ok: true; discountMinor: number; pointsAwarded?: number } | ({ ok: false } & RedemptionFailure);

export interface ValidateInput {
  coupon: Coupon | undefined;
  basket: Basket;
  now: Date;
  /** How many *other* coupons of the same offer this customer has redeemed (for `limit_reached`); 0 if unknown. */
  otherRedemptionsOfOffer?: number;
}

/**
 * Checks run from "this coupon cannot be used anywhere" to "not with this basket", so the reason given is
 * the one that a different basket would not fix. A basket without a customer id is accepted (a POS may scan
 * a printed coupon without identifying the customer); the redemption is attributed to the coupon's owner.
 * Stores restrict POS baskets only. A money coupon that would give nothing is refused as basket_too_small
 * rather than burnt for zero.
 */
export function validateRedemption(input: ValidateInput): RedemptionCheck {
  const { coupon, basket, now } = input;
  if (coupon === undefined) return { ok: false, reason: 'unknown' };
  if (coupon.revoked) return { ok: false, reason: 'revoked', revokedAt: coupon.revoked.at };
  const terms = coupon.terms;
  if (coupon.status === 'redeemed') return { ok: false, reason: 'already_redeemed', redeemedAt: coupon.redemption?.at ?? coupon.issuedAt };
  if (now.getTime() < Date.parse(coupon.validFrom)) return { ok: false, reason: 'not_yet_valid', validFrom: coupon.validFrom };
  // Released is expired for good, even for a caller whose clock lags the one that released it.
  if (now.getTime() >= Date.parse(coupon.expiresAt) || coupon.reservationReleased) return { ok: false, reason: 'expired', expiresAt: coupon.expiresAt };
  if (basket.customerId !== undefined && basket.customerId !== coupon.customerId) return { ok: false, reason: 'wrong_customer' };
  if (terms.channel !== 'both' && terms.channel !== basket.channel) return { ok: false, reason: 'wrong_channel', allowed: terms.channel };
  if (terms.stores !== undefined && basket.channel === 'pos' && (basket.storeId === undefined || !terms.stores.includes(basket.storeId))) {
    return { ok: false, reason: 'wrong_store' };
  }
  if (terms.currency !== undefined && terms.currency !== basket.currency) return { ok: false, reason: 'wrong_currency', expected: terms.currency };
  if (terms.perCustomerLimit !== undefined && (input.otherRedemptionsOfOffer ?? 0) >= terms.perCustomerLimit) {
    return { ok: false, reason: 'limit_reached', limit: terms.perCustomerLimit };
  }
  const minBasket = terms.minBasketMinor ?? 0;
  if (basket.basketTotalMinor < minBasket) {
    return { ok: false, reason: 'basket_too_small', minBasketMinor: minBasket, ...(terms.currency === undefined ? {} : { currency: terms.currency }) };
  }
  if (terms.categories !== undefined && eligibleTotalMinor(terms, basket) === 0) {
    return { ok: false, reason: 'category_not_in_basket', categories: terms.categories };
  }
  if (terms.value.type === 'points') return { ok: true, discountMinor: 0, pointsAwarded: terms.value.points };
  const discount = discountMinor(terms, basket);
  if (discount === 0) {
    return { ok: false, reason: 'basket_too_small', minBasketMinor: Math.max(minBasket, 1), ...(terms.currency === undefined ? {} : { currency: terms.currency }) };
  }
  return { ok: true, discountMinor: discount };
}

export interface RedemptionFacts {
  redemptionId: string;
  orderId: string;
  source: string;
}

export type ApplyRedemptionResult =
  | { ok: true; coupon: Coupon; changed: boolean }
  | { ok: false; reason: 'already_redeemed' | 'redemption_rolled_back' };

function wasRolledBack(coupon: Coupon, redemptionId: string): boolean {
  return coupon.history.some((e) => e.event === 'rolled_back' && e.redemptionId === redemptionId);
}

/** The state change alone (validate first). Re-applying the same redemption id changes nothing. */
export function applyRedemption(coupon: Coupon, redemption: Redemption, now: Date): ApplyRedemptionResult {
  if (coupon.redemption !== undefined) {
    if (coupon.redemption.redemptionId === redemption.redemptionId) return { ok: true, coupon, changed: false };
    return { ok: false, reason: 'already_redeemed' };
  }
  if (wasRolledBack(coupon, redemption.redemptionId)) return { ok: false, reason: 'redemption_rolled_back' };
  const at = now.toISOString();
  return {
    ok: true,
    changed: true,
    coupon: {
      ...coupon,
      status: 'redeemed',
      redemption: { ...redemption, at },
      history: [
        ...coupon.history,
        { at, event: 'redeemed', redemptionId: redemption.redemptionId, orderId: redemption.orderId, discountMinor: redemption.discountMinor },
      ],
    },
  };
}

export type RedeemDecision =
  /** Replace the coupon with `coupon` (ifMatch the etag read); then adjust the budget by `budgetDeltaMinor`. */
  | { kind: 'redeemed'; coupon: Coupon; redemption: Redemption; budgetDeltaMinor: number }
  /** This redemption id already redeemed the coupon: answer as before, write nothing. */
  | { kind: 'replay'; coupon: Coupon; redemption: Redemption }
  | ({ kind: 'refused' } & RedemptionFailure);

/** Validation and state change in one step: what the redemption endpoint and the webhooks call. */
export function redeem(input: ValidateInput & RedemptionFacts): RedeemDecision {
  const { coupon } = input;
  if (coupon?.redemption !== undefined && coupon.redemption.redemptionId === input.redemptionId) {
    return { kind: 'replay', coupon, redemption: coupon.redemption };
  }
  if (coupon !== undefined && coupon.status !== 'redeemed' && wasRolledBack(coupon, input.redemptionId)) {
    return { kind: 'refused', reason: 'redemption_rolled_back' };
  }
  const check = validateRedemption(input);
  if (!check.ok) {
    const { ok: _ok, ...failure } = check;
    return { kind: 'refused', ...failure };
  }
  if (coupon === undefined) return { kind: 'refused', reason: 'unknown' };
  const redemption: Redemption = {
    redemptionId: input.redemptionId,
    orderId: input.orderId,
    source: input.source,
    at: input.now.toISOString(),
    discountMinor: check.discountMinor,
    ...(check.pointsAwarded === undefined ? {} : { pointsAwarded: check.pointsAwarded }),
    basketTotalMinor: input.basket.basketTotalMinor,
    currency: input.basket.currency,
    channel: input.basket.channel,
    ...(input.basket.storeId === undefined ? {} : { storeId: input.basket.storeId }),
  };
  const applied = applyRedemption(coupon, redemption, input.now);
  if (!applied.ok) return applied.reason === 'already_redeemed' ? { kind: 'refused', reason: 'already_redeemed', redeemedAt: coupon.redemption?.at ?? coupon.issuedAt } : { kind: 'refused', reason: applied.reason };
  return { kind: 'redeemed', coupon: applied.coupon, redemption, budgetDeltaMinor: couponExposureMinor(applied.coupon) - couponExposureMinor(coupon) };
}

export type RollbackResult =
  /** Write `coupon` (ifMatch); adjust the budget by `budgetDeltaMinor`. `usable`: still valid at `now`. */
  | { kind: 'rolled_back'; coupon: Coupon; usable: boolean; budgetDeltaMinor: number }
  /** Already done earlier: write nothing, answer the same. */
  | { kind: 'already_rolled_back'; coupon: Coupon; usable: boolean }
  | { kind: 'unknown_redemption' };

function usableAt(coupon: Coupon, now: Date): boolean {
  return coupon.status === 'issued' && !coupon.revoked && now.getTime() < Date.parse(coupon.expiresAt);
}

export function applyRollback(coupon: Coupon, redemptionId: string, now: Date): RollbackResult {
  if (coupon.redemption?.redemptionId === redemptionId) {
    const { redemption, ...rest } = coupon;
    const next: Coupon = {
      ...rest,
      // A revoked coupon handed back by a return can never be used again: it holds no reservation either.
      ...(coupon.revoked ? { reservationReleased: true as const } : {}),
      status: 'issued',
      history: [...coupon.history, { at: now.toISOString(), event: 'rolled_back', redemptionId, orderId: redemption.orderId }],
    };
    // A deferred redemption delta that was never applied never will be (the consumer finds the redemption
    // gone), so the budget still holds the exposure from before the redemption: correct from there.
    const pendingMinor = redemption.budgetApplied === false ? (redemption.budgetDeltaMinor ?? 0) : 0;
    return { kind: 'rolled_back', coupon: next, usable: usableAt(next, now), budgetDeltaMinor: couponExposureMinor(next) - couponExposureMinor(coupon) + pendingMinor };
  }
  if (wasRolledBack(coupon, redemptionId)) return { kind: 'already_rolled_back', coupon, usable: usableAt(coupon, now) };
  return { kind: 'unknown_redemption' };
}

/** What the coupon currently commits of its offer's budget (see budget.ts). */
export function couponExposureMinor(coupon: Coupon): number {
  if (coupon.status === 'redeemed') return coupon.redemption?.discountMinor ?? 0;
  return coupon.reservationReleased ? 0 : coupon.budgetReservedMinor;
}

export type EffectiveStatus = 'active' | 'not_yet_valid' | 'expired' | 'redeemed' | 'revoked';

export function effectiveStatus(coupon: Coupon, now: Date): EffectiveStatus {
  if (coupon.status === 'redeemed') return 'redeemed';
  if (coupon.revoked) return 'revoked';
  if (now.getTime() >= Date.parse(coupon.expiresAt)) return 'expired';
  if (now.getTime() < Date.parse(coupon.validFrom)) return 'not_yet_valid';
  return 'active';
}

/** The customer-facing view (`GET /api/customers/{id}/coupons`): no budget internals, code also grouped. */
export function couponView(coupon: Coupon, now: Date) {
  return {
    code: coupon.code,
    displayCode: formatCode(coupon.code as CouponCode),
    barcode: coupon.code,
    offerId: coupon.offerId,
    terms: coupon.terms,
    status: effectiveStatus(coupon, now),
    issuedAt: coupon.issuedAt,
    validFrom: coupon.validFrom,
    expiresAt: coupon.expiresAt,
    ...(coupon.journeyId === undefined ? {} : { journeyId: coupon.journeyId }),
    ...(coupon.variant === undefined ? {} : { variant: coupon.variant }),
    ...(coupon.revoked === undefined ? {} : { revoked: coupon.revoked }),
    ...(coupon.redemption === undefined
      ? {}
      : { redemption: { redemptionId: coupon.redemption.redemptionId, orderId: coupon.redemption.orderId, at: coupon.redemption.at, discountMinor: coupon.redemption.discountMinor } }),
  };
}
export type CouponView = ReturnType<typeof couponView>;
