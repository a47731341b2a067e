import { app } from '@azure/functions';
import { Offer, type OfferDocument } from '../shared/coupons/offer.js';
import { OfferRouteParams } from '../shared/coupons/requests.js';
import { offerView } from '../shared/coupons/views.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler, readJson, validateParams } from '../shared/http/request.js';
import { services } from '../shared/services.js';

/** PUT /api/offers/{offerId} — create or replace an offer; coupons already issued keep their terms. */
export const offersPut = httpHandler(async (request) => {
  const params = validateParams(OfferRouteParams, request.params);
  if (!params.ok) return params.failure;
  const body = await readJson(request, Offer);
  if (!body.ok) return body.failure;
  const { runtime, coupons } = services();
  const existing = await coupons.offers.get(params.value.offerId);
  const doc: OfferDocument = { id: params.value.offerId, type: 'offer', offer: body.value, updatedAt: runtime.clock.now().toISOString() };
  await coupons.offers.put(doc);
  const budget = await coupons.offers.getBudget(doc.id);
  return jsonResponse(existing ? 200 : 201, offerView(doc, budget?.value));
});

app.http('offers-put', {
  route: 'offers/{offerId}',
  methods: ['PUT'],
  authLevel: 'function',
  handler: offersPut,
});
