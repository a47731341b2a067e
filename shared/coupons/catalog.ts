import { fromMinorUnits } from '../money.js';
import { Offer, topCategoryFromAffinity, type OfferDocument } from './offer.js';
import type { IssueCustomer } from './coupon.js';

/**
 * Offers that exist without a PUT: the shipped "gestaffelte Anreize" (`defaultLadder`) as a ready-to-use
 * offer, so journeys and the service desk can issue coupons on a fresh installation. Built-ins are read-only
 * (PUT and DELETE answer 409 with how to copy one): a release that changes them must not be undone by a copy
 * stored under their id, and nobody's edit should silently change what every installation calls the default.
 * A document stored under a built-in id before they were read-only still wins over the built-in.
 */
export const builtinOffers: Readonly<Record<string, Offer>> = {
  'winback-default': Offer.parse({
    name: 'Win-back (default ladder)',
    description: 'Shipped tiers: at-risk 10 %, can\'t-lose 15 %, lost 5 € on a 30 € basket, loyal customers points.',
    ladder: 'default',
    currency: 'EUR',
    validity: { days: 30 },
    perCustomerLimit: 1,
  }),
  // The default win-back journey's day-21 step: a stronger incentive for who ignored the first one.
  'winback-stronger': Offer.parse({
    name: 'Win-back (stronger, day 21)',
    value: { type: 'percent', percent: 20, maxDiscount: 40 },
    minBasket: 20,
    currency: 'EUR',
    validity: { days: 21 },
    perCustomerLimit: 1,
  }),
  // The birthday journey's gift.
  birthday: Offer.parse({
    name: 'Birthday gift',
    value: { type: 'amount', amount: 5 },
    minBasket: 25,
    currency: 'EUR',
    validity: { days: 30 },
  }),
};

export const builtinUpdatedAt = '1970-01-01T00:00:00.000Z';

export function builtinOffer(offerId: string): OfferDocument | undefined {
  const offer = Object.hasOwn(builtinOffers, offerId) ? builtinOffers[offerId] : undefined;
  return offer === undefined ? undefined : { id: offerId, type: 'offer', offer, updatedAt: builtinUpdatedAt };
}

/** Stored offers first, then built-ins whose id is not taken by a stored one. */
export function withBuiltins(stored: readonly OfferDocument[]): (OfferDocument & { builtin: boolean })[] {
  const ids = new Set(stored.map((d) => d.id));
  const builtins = Object.keys(builtinOffers)
    .filter((id) => !ids.has(id))
    .map((id) => ({ ...builtinOffer(id)!, builtin: true }));
  return [...stored.map((d) => ({ ...d, builtin: false })), ...builtins].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const record = (v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/**
 * The facts issuing needs from a customer document. Scores are written by segmentation (top level or under
 * `scores`); an unknown customer (a POS customer not synced yet) simply has none, and a ladder then falls
 * through to the tiers that need nothing. CLV is compared in major units of the offer's currency.
 */
export function issueCustomerFrom(customerId: string, doc: Record<string, unknown> | undefined, currency: string | undefined): IssueCustomer {
  const scores = record(doc?.['scores']) ?? {};
  const segment = str(doc?.['segment']) ?? str(scores['segment']);
  const clvMinor = num(doc?.['clv12mMinor']) ?? num(scores['clv12mMinor']);
  const clvMajor = num(doc?.['clv12m']) ?? num(scores['clv12m']);
  const clv12m = clvMajor ?? (clvMinor !== undefined && currency !== undefined ? fromMinorUnits(clvMinor, currency) : undefined);
  const affinity = record(doc?.['categoryAffinity']) ?? record(scores['categoryAffinity']);
  const weights: Record<string, number> = {};
  for (const [k, v] of Object.entries(affinity ?? {})) if (typeof v === 'number') weights[k] = v;
  return { id: customerId, segment, clv12m, topCategory: topCategoryFromAffinity(weights) };
}
