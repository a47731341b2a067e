import { couponView } from '../shared/coupons/coupon.js';
import { CustomerRouteParams } from '../shared/customers/schema.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { services } from '../shared/services.js';

/** GET /api/customers/{customerId}/coupons — newest first, with the status at this moment (active, expired…). */
export const customerCoupons = httpHandler(async (request) => {
  const params = validateParams(CustomerRouteParams, request.params);
  if (!params.ok) return params.failure;
  const { runtime, coupons } = services();
  const now = runtime.clock.now();
  const list = await coupons.coupons.listForCustomer(params.value.customerId);
  return jsonResponse(200, { customerId: params.value.customerId, coupons: list.map((c) => couponView(c, now)) });
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
