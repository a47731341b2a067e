import { z } from 'zod';
import { isKnownCurrency, toMinorUnits } from '../money.js';

/**
 * Offers are declarative data (`PUT /api/offers/{id}`). Money in an offer is written in major units of the
 * offer's `currency` (as people write it: `"minBasket": 20`), validated against the currency's decimals, and
 * converted to exact minor units when a coupon is issued (the coupon keeps a snapshot of the resolved terms,
 * so editing an offer never changes coupons already in customers' hands).
 */

const money = z.number().positive().max(1e9);
const label = z.string().trim().min(1).max(128);

export const PercentValue = z.strictObject({
  type: z.literal('percent'),
  /** Up to two decimals (12.5 %); computed exactly in basis points. */
  percent: z
    .number()
    .gt(0)
    .max(100)
    .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-9, 'at most two decimals'),
  /** Cap on the discount one coupon can give, in the offer's currency. */
  maxDiscount: money.optional(),
});
export const AmountValue = z.strictObject({
  type: z.literal('amount'),
  /** Fixed amount off, in the offer's currency. */
  amount: money,
});
export const PointsValue = z.strictObject({
  type: z.literal('points'),
  /** Bonus loyalty points credited on redemption; no money off. */
  points: z.number().int().positive().max(1_000_000),
});
export const OfferValue = z.discriminatedUnion('type', [PercentValue, AmountValue, PointsValue]);
export type OfferValue = z.infer<typeof OfferValue>;

export const TierCondition = z
  .strictObject({
    /** Any of these segments (e.g. `at_risk`, `cant_lose`, `lost`). */
    segments: z.array(label).min(1).max(50).optional(),
    /** Inclusive lower / exclusive upper bound on the customer's 12-month CLV, offer currency, major units. */
    minClv12m: z.number().nonnegative().optional(),
    maxClv12m: z.number().positive().optional(),
    /** Inclusive bounds on the journey step (1 = first contact). */
    minJourneyStep: z.number().int().positive().optional(),
    maxJourneyStep: z.number().int().positive().optional(),
  })
  .refine((c) => c.minClv12m === undefined || c.maxClv12m === undefined || c.minClv12m < c.maxClv12m, {
    message: 'minClv12m must be below maxClv12m',
    path: ['maxClv12m'],
  })
  .refine(
    (c) => c.minJourneyStep === undefined || c.maxJourneyStep === undefined || c.minJourneyStep <= c.maxJourneyStep,
    { message: 'minJourneyStep must not exceed maxJourneyStep', path: ['maxJourneyStep'] },
  );
export type TierCondition = z.infer<typeof TierCondition>;

export const Tier = z.strictObject({
  name: label,
  /** All given conditions must hold; an empty condition matches everyone. */
  when: TierCondition.default({}),
  value: OfferValue,
  /** Overrides the offer's minBasket for this tier ("5 € on a 30 € basket"). */
  minBasket: money.optional(),
});
export type Tier = z.infer<typeof Tier>;

/** Tiers are tried in order; the first whose conditions all hold decides the value. */
export const IncentiveLadder = z.strictObject({
  tiers: z.array(Tier).min(1).max(100),
});
export type IncentiveLadder = z.infer<typeof IncentiveLadder>;

export interface TierContext {
  segment?: string | undefined;
  /** Major units of the offer's currency. */
  clv12m?: number | undefined;
  journeyStep?: number | undefined;
}

/**
 * A condition on a fact the context does not have does not hold: a CLV-gated tier is never given to a
 * customer whose CLV is unknown, which keeps the expensive tiers for customers known to deserve them.
 */
export function tierMatches(condition: TierCondition, context: TierContext): boolean {
  if (condition.segments !== undefined) {
    if (context.segment === undefined || !condition.segments.includes(context.segment)) return false;
  }
  if (condition.minClv12m !== undefined || condition.maxClv12m !== undefined) {
    if (context.clv12m === undefined || !Number.isFinite(context.clv12m)) return false;
    if (condition.minClv12m !== undefined && context.clv12m < condition.minClv12m) return false;
    if (condition.maxClv12m !== undefined && context.clv12m >= condition.maxClv12m) return false;
  }
  if (condition.minJourneyStep !== undefined || condition.maxJourneyStep !== undefined) {
    if (context.journeyStep === undefined) return false;
    if (condition.minJourneyStep !== undefined && context.journeyStep < condition.minJourneyStep) return false;
    if (condition.maxJourneyStep !== undefined && context.journeyStep > condition.maxJourneyStep) return false;
  }
  return true;
}

export function resolveTier(ladder: IncentiveLadder, context: TierContext): Tier | undefined {
  return ladder.tiers.find((tier) => tierMatches(tier.when, context));
}

const euroCapped = (percent: number, maxDiscount: number): OfferValue => ({ type: 'percent', percent, maxDiscount });

/**
 * "Gestaffelte Anreize", shipped as the default ladder (`"ladder": "default"`). Amounts are major units of
 * the offer's currency and are sized for EUR/USD-like currencies. The idea: the more a lapse costs, the
 * more we offer; customers still buying get points rather than margin; every money tier has a minimum
 * basket and a cap so a campaign budget stays bounded.
 */
export const defaultLadder: IncentiveLadder = {
  tiers: [
    { name: 'cant_lose', when: { segments: ['cant_lose'] }, value: euroCapped(15, 30), minBasket: 20 },
    // A high-value customer drifting away is worth the can't-lose incentive before they get there.
    { name: 'at_risk_high_clv', when: { segments: ['at_risk'], minClv12m: 500 }, value: euroCapped(15, 30), minBasket: 20 },
    { name: 'at_risk', when: { segments: ['at_risk'] }, value: euroCapped(10, 20), minBasket: 20 },
    // Last-chance escalation: a lost customer who ignored the first message gets a stronger offer.
    { name: 'lost_last_chance', when: { segments: ['lost'], minJourneyStep: 3 }, value: { type: 'amount', amount: 10 }, minBasket: 50 },
    { name: 'lost', when: { segments: ['lost'] }, value: { type: 'amount', amount: 5 }, minBasket: 30 },
    { name: 'hibernating', when: { segments: ['hibernating'] }, value: { type: 'amount', amount: 5 }, minBasket: 40 },
    { name: 'slipping', when: { segments: ['about_to_sleep', 'need_attention'] }, value: euroCapped(5, 15), minBasket: 20 },
    { name: 'loyal', when: { segments: ['champions', 'loyal', 'potential_loyalist'] }, value: { type: 'points', points: 200 } },
    { name: 'newcomer', when: { segments: ['new', 'promising', 'occasional'] }, value: euroCapped(5, 15), minBasket: 20 },
    { name: 'default', when: {}, value: euroCapped(5, 15), minBasket: 20 },
  ],
};

export const Validity = z.union([
  z.strictObject({ days: z.number().int().min(1).max(3650) }),
  z
    .strictObject({ from: z.iso.datetime({ offset: true }), until: z.iso.datetime({ offset: true }) })
    .refine((v) => Date.parse(v.from) < Date.parse(v.until), { message: 'from must be before until', path: ['until'] }),
]);
export type Validity = z.infer<typeof Validity>;

export const OfferBudget = z
  .strictObject({
    maxCoupons: z.number().int().positive().optional(),
    /** Total discount the campaign may give, offer currency, major units. */
    maxDiscount: money.optional(),
  })
  .refine((b) => b.maxCoupons !== undefined || b.maxDiscount !== undefined, 'set maxCoupons and/or maxDiscount');
export type OfferBudget = z.infer<typeof OfferBudget>;

export const Channel = z.enum(['pos', 'shop', 'both']);
export type Channel = z.infer<typeof Channel>;

/**
 * An offer's lifecycle: `active` issues coupons; `paused` issues none for now (a campaign on hold, a budget
 * review); `archived` is over for good and stays on record for its KPIs. Coupons already issued keep their
 * terms and stay redeemable in every state (revoke a coupon to stop it at the till).
 */
export const OfferStatus = z.enum(['active', 'paused', 'archived']);
export type OfferStatus = z.infer<typeof OfferStatus>;

export const Offer = z
  .strictObject({
    name: label,
    description: z.string().max(2000).optional(),
    status: OfferStatus.default('active'),
    /** A single value for everyone… */
    value: OfferValue.optional(),
    /** …or a ladder choosing it by segment, CLV and journey step (`"default"` = `defaultLadder`). */
    ladder: z.union([z.literal('default'), IncentiveLadder]).optional(),
    minBasket: money.optional(),
    /** Required when any money appears (amount values, caps, minimum basket, discount budget, default ladder). */
    currency: z.string().refine(isKnownCurrency, 'not an ISO 4217 currency code').optional(),
    /** Only these categories' items count (and at least one must be in the basket); or the customer's top category. */
    categories: z.union([z.array(label).min(1).max(100), z.literal('customerTopCategory')]).optional(),
    channel: Channel.default('both'),
    /** Restricts POS redemptions to these stores; shop redemptions are governed by `channel` alone. */
    stores: z.array(label).min(1).max(1000).optional(),
    validity: Validity,
    /** How many of this offer's coupons one customer may hold or have redeemed (expired, unused ones don't count). */
    perCustomerLimit: z.number().int().positive().max(1000).optional(),
    budget: OfferBudget.optional(),
  })
  .superRefine((offer, ctx) => {
    if ((offer.value === undefined) === (offer.ladder === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'give exactly one of "value" and "ladder"' });
      return;
    }
    const ladder = offer.ladder === 'default' ? defaultLadder : offer.ladder;
    const values: { value: OfferValue; path: PropertyKey[]; minBasket?: number | undefined }[] = [];
    if (offer.value !== undefined) values.push({ value: offer.value, path: ['value'] });
    ladder?.tiers.forEach((tier, i) =>
      values.push({ value: tier.value, minBasket: tier.minBasket, path: ['ladder', 'tiers', i, 'value'] }),
    );

    const needsCurrency =
      offer.minBasket !== undefined ||
      offer.budget?.maxDiscount !== undefined ||
      values.some((v) => v.minBasket !== undefined || v.value.type === 'amount' || (v.value.type === 'percent' && v.value.maxDiscount !== undefined));
    if (offer.currency === undefined) {
      if (needsCurrency) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'required when the offer contains money amounts' });
      return;
    }
    if (!isKnownCurrency(offer.currency)) return;
    const currency = offer.currency;
    const checkDecimals = (amount: number | undefined, path: PropertyKey[]) => {
      if (amount !== undefined && toMinorUnits(amount, currency) === undefined) {
        ctx.addIssue({ code: 'custom', path, message: `more decimals than ${currency} allows` });
      }
    };
    checkDecimals(offer.minBasket, ['minBasket']);
    checkDecimals(offer.budget?.maxDiscount, ['budget', 'maxDiscount']);
    for (const { value, path, minBasket } of values) {
      if (value.type === 'amount') checkDecimals(value.amount, [...path, 'amount']);
      if (value.type === 'percent') checkDecimals(value.maxDiscount, [...path, 'maxDiscount']);
      if (offer.ladder !== 'default') checkDecimals(minBasket, [...path.slice(0, -1), 'minBasket']);
      // A discount budget can only be reserved at issue time when each coupon's discount is bounded.
      if (offer.budget?.maxDiscount !== undefined && value.type === 'percent' && value.maxDiscount === undefined) {
        ctx.addIssue({ code: 'custom', path: [...path, 'maxDiscount'], message: 'required when budget.maxDiscount is set' });
      }
    }
  });
export type Offer = z.infer<typeof Offer>;

/** The stored offer: `id` from the URL, in the `offers` container (partition `/id`). */
export const OfferDocument = z.object({
  id: z.string(),
  type: z.literal('offer'),
  offer: Offer,
  updatedAt: z.string(),
});
export type OfferDocument = z.infer<typeof OfferDocument>;

/** The status of a stored offer; documents written before `status` existed said `active: false` for paused. */
export function offerStatus(offer: Offer): OfferStatus {
  const legacy = offer as { status?: OfferStatus; active?: boolean };
  return legacy.status ?? (legacy.active === false ? 'paused' : 'active');
}

export function ladderOf(offer: Offer): IncentiveLadder | undefined {
  return offer.ladder === 'default' ? defaultLadder : offer.ladder;
}

/**
 * Picks the customer's top category from an affinity map (category → share or spend). Ties go to the
 * alphabetically first category so the choice is reproducible; non-positive weights are no affinity at all.
 */
export function topCategoryFromAffinity(affinity: Readonly<Record<string, number>> | undefined): string | undefined {
  let best: [string, number] | undefined;
  for (const [category, weight] of Object.entries(affinity ?? {})) {
    if (!(weight > 0)) continue;
    if (best === undefined || weight > best[1] || (weight === best[1] && category < best[0])) best = [category, weight];
  }
  return best?.[0];
}
