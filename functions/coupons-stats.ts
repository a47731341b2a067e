import { app } from '@azure/functions';
import { withBuiltins } from '../shared/coupons/catalog.js';
import { couponStats } from '../shared/coupons/stats.js';
import { jsonResponse } from '../shared/http/problem.js';
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

app.http('coupons-stats', {
  route: 'coupons/stats',
  methods: ['GET'],
  authLevel: 'function',
  handler: couponsStats,
});
