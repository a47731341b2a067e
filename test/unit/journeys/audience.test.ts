import { describe, expect, it } from 'vitest';
import { audienceFacts } from '../../../shared/journeys/customer-facts.js';
import { Audience } from '../../../shared/journeys/definition.js';
import { audienceMatches } from '../../../shared/journeys/enrollment.js';

/** A stored customer document as segmentation and the delivery-events consumer leave it. */
const customer = (engagement?: { engagementRate: number | null; couponRedemptionRate: number | null }) => ({
  id: 'c-1',
  segment: 'at_risk',
  analytics: { pAlive: 0.4, clv12mMinor: 12_000, currency: 'EUR' },
  consents: { email: { granted: true, at: '2026-10-01T09:00:00Z', source: 'pos' } },
  ...(engagement === undefined ? {} : { engagement: { ...engagement, version: 3, computedAt: '2026-11-01T00:00:00Z' } }),
});
const matches = (audience: object, doc: Record<string, unknown>) => audienceMatches(Audience.parse(audience), audienceFacts(doc));

describe('journey audiences on the engagement fields', () => {
  it('reads both rates from the customer document', () => {
    expect(audienceFacts(customer({ engagementRate: 0.25, couponRedemptionRate: 0.5 }))).toMatchObject({ engagementRate: 0.25, couponRedemptionRate: 0.5 });
  });

  it('keeps the engaged and drops the rest, with the reason', () => {
    const audience = { segments: ['at_risk'], minEngagementRate: 0.2 };
    expect(matches(audience, customer({ engagementRate: 0.25, couponRedemptionRate: 0 }))).toEqual({ ok: true });
    expect(matches(audience, customer({ engagementRate: 0.2, couponRedemptionRate: 0 }))).toEqual({ ok: true });
    expect(matches(audience, customer({ engagementRate: 0.1, couponRedemptionRate: 0 }))).toEqual({ ok: false, reason: 'engagement rate 0.1 below 0.2' });
    expect(matches({ maxEngagementRate: 0.05 }, customer({ engagementRate: 0.1, couponRedemptionRate: 0 }))).toEqual({ ok: false, reason: 'engagement rate 0.1 above 0.05' });
  });

  it('selects coupon redeemers (or those who never redeem) by their redemption rate', () => {
    expect(matches({ minCouponRedemptionRate: 0.5 }, customer({ engagementRate: 0, couponRedemptionRate: 0.5 }))).toEqual({ ok: true });
    expect(matches({ minCouponRedemptionRate: 0.5 }, customer({ engagementRate: 0, couponRedemptionRate: 0.25 }))).toEqual({ ok: false, reason: 'coupon redemption rate 0.25 below 0.5' });
    expect(matches({ maxCouponRedemptionRate: 0 }, customer({ engagementRate: 0, couponRedemptionRate: 0 }))).toEqual({ ok: true });
    expect(matches({ maxCouponRedemptionRate: 0 }, customer({ engagementRate: 0, couponRedemptionRate: 1 }))).toEqual({ ok: false, reason: 'coupon redemption rate 1 above 0' });
  });

  it('an unknown rate (nothing delivered yet, or no engagement at all) matches no bound, and no bound means no filter', () => {
    expect(matches({ maxEngagementRate: 1 }, customer({ engagementRate: null, couponRedemptionRate: null }))).toEqual({ ok: false, reason: 'engagement rate unknown above 1' });
    expect(matches({ minCouponRedemptionRate: 0 }, customer())).toEqual({ ok: false, reason: 'coupon redemption rate unknown below 0' });
    expect(matches({}, customer())).toEqual({ ok: true });
  });

  it('refuses a rate outside [0, 1], naming the field', () => {
    const parsed = Audience.safeParse({ minEngagementRate: 1.5 });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(['minEngagementRate']);
  });
});
