import { OfferRouteParams } from '../shared/coupons/requests.js';
import { getOffer } from '../shared/coupons/service.js';
import { offerView } from '../shared/coupons/views.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { services } from '../shared/services.js';

/** GET /api/offers/{offerId} — a stored offer, or a built-in one (`winback-default`), with its budget usage. */
export const offersGet = httpHandler(async (request) => {
  const params = validateParams(OfferRouteParams, request.params);
  if (!params.ok) return params.failure;
  const { coupons } = services();
  const doc = await getOffer(coupons, params.value.offerId);
  if (!doc) return { kind: 'not_found', detail: `no offer ${params.value.offerId}` };
  const budget = await coupons.offers.getBudget(doc.id);
  return jsonResponse(200, offerView(doc, budget?.value));
});

httpFunction('offers-get', {
  route: 'offers/{offerId}',
  methods: ['GET'],
  authLevel: 'function',
  handler: offersGet,
  doc: {
    summary: 'An offer with its budget usage',
    tags: ['offers'],
    params: OfferRouteParams,
    responses: { 200: { description: 'The offer', example: { id: 'autumn-10', name: '10 % off', status: 'active', builtin: false, budgetUsage: { issued: 120, discountCommitted: 540 } } } },
    errors: { 404: 'No such offer' },
  },
});
