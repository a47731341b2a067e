import { withBuiltins } from '../shared/coupons/catalog.js';
import { defaultLadder } from '../shared/coupons/offer.js';
import { offerView } from '../shared/coupons/views.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler } from '../shared/http/request.js';
import { services } from '../shared/services.js';

/** GET /api/offers — stored and built-in offers, and the shipped default ladder (`"ladder": "default"`). */
export const offersList = httpHandler(async () => {
  const { coupons } = services();
  const offers = withBuiltins(await coupons.offers.list());
  return jsonResponse(200, { offers: offers.map((doc) => offerView(doc, undefined)), defaultLadder });
});

httpFunction('offers-list', {
  route: 'offers',
  methods: ['GET'],
  authLevel: 'function',
  handler: offersList,
  doc: {
    summary: 'Stored and built-in offers, and the shipped default ladder',
    tags: ['offers'],
    responses: { 200: { description: 'All offers', example: { offers: [{ id: 'winback-default', builtin: true, status: 'active' }], defaultLadder: { tiers: [] } } } },
  },
});
