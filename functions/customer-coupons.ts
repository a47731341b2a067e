import { couponView } from '../shared/coupons/coupon.js';
import { CustomerRouteParams } from '../shared/customers/schema.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { survivorHeaders } from '../shared/links/http.js';
import { services } from '../shared/services.js';

/** GET /api/customers/{customerId}/coupons — newest first, with the status at this moment (active, expired…). */
export const customerCoupons = httpHandler(async (request) => {
  const params = validateParams(CustomerRouteParams, request.params);
  if (!params.ok) return params.failure;
  const { runtime, coupons, links } = services();
  const now = runtime.clock.now();
  const current = await links.resolver.current(params.value.customerId);
  const list = await coupons.coupons.listForCustomer(current.customerId);
  return jsonResponse(200, { customerId: current.customerId, coupons: list.map((c) => couponView(c, now)) }, survivorHeaders(current, '/coupons'));
});

httpFunction('customer-coupons', {
  route: 'customers/{customerId}/coupons',
  methods: ['GET'],
  authLevel: 'function',
  handler: customerCoupons,
  doc: {
    summary: "A customer's coupons, newest first, with their status now",
    tags: ['coupons'],
    params: CustomerRouteParams,
    responses: { 200: { description: 'The coupons', example: { customerId: 'C-42', coupons: [{ code: 'WBGT4CDMRXAUAX', status: 'active', offerId: 'autumn-10' }] } } },
  },
});
