import { withBuiltins } from '../shared/coupons/catalog.js';
import { couponStats } from '../shared/coupons/stats.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler } from '../shared/http/request.js';
import { containers } from '../shared/resources.js';
import { services } from '../shared/services.js';

/** GET /api/coupons/stats — issued and redeemed per offer and tier, budget use, coupons expiring within 7 days. */
export const couponsStats = httpHandler(async () => {
  const { runtime, coupons } = services();
  const offers = withBuiltins(await coupons.offers.list());
  const stats = await couponStats(
    runtime.container(containers.coupons.name),
    offers,
    async (offerId) => (await coupons.offers.getBudget(offerId))?.value,
    runtime.clock.now(),
  );
  return jsonResponse(200, stats);
});

httpFunction('coupons-stats', {
  route: 'coupons/stats',
  methods: ['GET'],
  authLevel: 'function',
  handler: couponsStats,
  doc: {
    summary: 'Coupons issued and redeemed per offer and tier, budget use, and coupons expiring within 7 days',
    tags: ['coupons', 'offers'],
    responses: {
      200: {
        description: 'Offers that issued coupons; `redemptionRate` is redeemed ÷ issued, `usedShare` the tighter budget limit in use',
        example: {
          asOf: '2026-11-02T12:00:00.000Z',
          offers: [{ offerId: 'winback-default', name: 'Win-back (default ladder)', tiers: [{ tier: 'at_risk', issued: 120, redeemed: 44, redemptionRate: 0.367 }], budget: { issued: 120, maxCoupons: null, maxDiscount: null, discountCommitted: 1320, currency: 'EUR', usedShare: null } }],
          expiringNext7Days: 18,
        },
      },
    },
  },
});
