import type { Container } from '@azure/cosmos';
import { mapWithConcurrency } from '../concurrency.js';
import { fromMinorUnits } from '../money.js';
import type { BudgetState } from './budget.js';
import { ladderOf, type OfferDocument } from './offer.js';

/**
 * Redemption by offer and tier, budget use, and what expires soon — for the dashboard. Each figure is one
 * index-served COUNT, so the cost grows with the number of offers and tiers, not with the coupons.
 */
export interface TierCounts {
  tier: string | null;
  issued: number;
  redeemed: number;
  /** redeemed ÷ issued; null while nothing is issued. */
  redemptionRate: number | null;
}

export function tierCounts(tier: string | null, issued: number, redeemed: number): TierCounts {
  return { tier, issued, redeemed, redemptionRate: issued === 0 ? null : redeemed / issued };
}

/** Share of the tighter of the two budget limits in use; null without a budget. */
export function budgetUsedShare(offer: OfferDocument['offer'], budget: BudgetState | undefined): number | null {
  const limits = offer.budget;
  if (!limits) return null;
  const shares: number[] = [];
  if (limits.maxCoupons !== undefined) shares.push((budget?.issuedCount ?? 0) / limits.maxCoupons);
  if (limits.maxDiscount !== undefined && offer.currency !== undefined) {
    shares.push(fromMinorUnits(budget?.discountCommittedMinor ?? 0, offer.currency) / limits.maxDiscount);
  }
  return shares.length === 0 ? null : Math.max(...shares);
}

async function count(coupons: Container, where: string, parameters: { name: string; value: string }[]): Promise<number> {
  const { resources } = await coupons.items.query<number>({ query: `SELECT VALUE COUNT(1) FROM c WHERE c.type = 'coupon' AND ${where}`, parameters }).fetchAll();
  return resources[0] ?? 0;
}

export async function couponStats(
  coupons: Container,
  offers: readonly OfferDocument[],
  budgets: (offerId: string) => Promise<BudgetState | undefined>,
  now: Date,
) {
  const perOffer = await mapWithConcurrency(offers, 4, async (doc) => {
    const tierNames: (string | null)[] = ladderOf(doc.offer)?.tiers.map((tier) => tier.name) ?? [null];
    const tiers = await mapWithConcurrency(tierNames, 4, async (tier) => {
      const tierClause = tier === null ? 'NOT IS_DEFINED(c.terms.tier)' : 'c.terms.tier = @tier';
      const parameters = [{ name: '@offer', value: doc.id }, ...(tier === null ? [] : [{ name: '@tier', value: tier }])];
      const [issued, redeemed] = await Promise.all([
        count(coupons, `c.offerId = @offer AND ${tierClause}`, parameters),
        count(coupons, `c.offerId = @offer AND ${tierClause} AND c.status = 'redeemed'`, parameters),
      ]);
      return tierCounts(tier, issued, redeemed);
    });
    const budget = await budgets(doc.id);
    return {
      offerId: doc.id,
      name: doc.offer.name,
      tiers: tiers.filter((t) => t.issued > 0),
      budget: {
        issued: budget?.issuedCount ?? 0,
        maxCoupons: doc.offer.budget?.maxCoupons ?? null,
        maxDiscount: doc.offer.budget?.maxDiscount ?? null,
        discountCommitted: doc.offer.currency ? fromMinorUnits(budget?.discountCommittedMinor ?? 0, doc.offer.currency) : null,
        currency: doc.offer.currency ?? null,
        usedShare: budgetUsedShare(doc.offer, budget),
      },
    };
  });
  const in7Days = new Date(now.getTime() + 7 * 24 * 60 * 60 * 1000).toISOString();
  const expiringNext7Days = await count(coupons, "c.status = 'issued' AND c.expiresAt > @now AND c.expiresAt <= @until", [
    { name: '@now', value: now.toISOString() },
    { name: '@until', value: in7Days },
  ]);
  return { asOf: now.toISOString(), offers: perOffer.filter((o) => o.tiers.length > 0 || o.budget.issued > 0), expiringNext7Days };
}
