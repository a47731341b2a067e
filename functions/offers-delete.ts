import { builtinOffer } from '../shared/coupons/catalog.js';
import { OfferRouteParams } from '../shared/coupons/requests.js';
import { builtinReadOnly, offerView } from '../shared/coupons/views.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { services } from '../shared/services.js';

/**
 * DELETE /api/offers/{offerId} — archives the offer (`status: archived`): it issues no new coupons, and stays
 * on record because issued coupons, budgets and KPIs name it. 200 with the archived offer, again on a repeat.
 * Built-in offers are read-only (409).
 */
export const offersDelete = httpHandler(async (request) => {
  const params = validateParams(OfferRouteParams, request.params);
  if (!params.ok) return params.failure;
  const builtin = builtinOffer(params.value.offerId);
  if (builtin) return builtinReadOnly(builtin);
  const { runtime, coupons } = services();
  const existing = await coupons.offers.get(params.value.offerId);
  if (!existing) return { kind: 'not_found', detail: `no offer ${params.value.offerId}` };
  const doc = existing.offer.status === 'archived' ? existing : { ...existing, offer: { ...existing.offer, status: 'archived' as const }, updatedAt: runtime.clock.now().toISOString() };
  if (doc !== existing) await coupons.offers.put(doc);
  const budget = await coupons.offers.getBudget(doc.id);
  return jsonResponse(200, offerView(doc, budget?.value));
});

httpFunction('offers-delete', {
  route: 'offers/{offerId}',
  methods: ['DELETE'],
  authLevel: 'function',
  handler: offersDelete,
  doc: {
    summary: 'Archive an offer: it issues no new coupons and stays on record',
    tags: ['offers'],
    params: OfferRouteParams,
    responses: { 200: { description: 'The archived offer (again on a repeat)', example: { id: 'autumn-10', status: 'archived', builtin: false } } },
    errors: { 404: 'No such offer', 409: 'A built-in offer (read-only; `copy` holds a body to PUT under your own id)' },
  },
});
