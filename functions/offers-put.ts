import { builtinOffer } from '../shared/coupons/catalog.js';
import { Offer, type OfferDocument } from '../shared/coupons/offer.js';
import { OfferRouteParams } from '../shared/coupons/requests.js';
import { builtinReadOnly, offerView } from '../shared/coupons/views.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, readJson, validateParams } from '../shared/http/request.js';
import { services } from '../shared/services.js';

/**
 * PUT /api/offers/{offerId} — create or replace an offer, `status` included (`active`, `paused`, `archived`);
 * coupons already issued keep their terms. Built-in offers are read-only: 409 with a copy to PUT elsewhere.
 */
export const offersPut = httpHandler(async (request) => {
  const params = validateParams(OfferRouteParams, request.params);
  if (!params.ok) return params.failure;
  const builtin = builtinOffer(params.value.offerId);
  if (builtin) return builtinReadOnly(builtin);
  const body = await readJson(request, Offer);
  if (!body.ok) return body.failure;
  const { runtime, coupons } = services();
  const existing = await coupons.offers.get(params.value.offerId);
  const doc: OfferDocument = { id: params.value.offerId, type: 'offer', offer: body.value, updatedAt: runtime.clock.now().toISOString() };
  await coupons.offers.put(doc);
  const budget = await coupons.offers.getBudget(doc.id);
  return jsonResponse(existing ? 200 : 201, offerView(doc, budget?.value));
});

httpFunction('offers-put', {
  route: 'offers/{offerId}',
  methods: ['PUT'],
  authLevel: 'function',
  handler: offersPut,
  doc: {
    summary: 'Create or replace an offer, its status included',
    tags: ['offers'],
    params: OfferRouteParams,
    body: {
      schema: Offer,
      example: { name: '10 % off', value: { type: 'percent', percent: 10 }, minBasket: 20, currency: 'EUR', validity: { days: 30 }, perCustomerLimit: 1, budget: { maxCoupons: 10000 }, status: 'active' },
    },
    responses: {
      201: { description: 'Created', example: { id: 'autumn-10', name: '10 % off', status: 'active', builtin: false } },
      200: { description: 'Replaced', example: { id: 'autumn-10', name: '10 % off', status: 'paused', builtin: false } },
    },
    errors: { 409: 'A built-in offer (read-only; `copy` holds a body to PUT under your own id)' },
  },
});
