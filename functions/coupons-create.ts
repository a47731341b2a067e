import { issueRefusalProblem } from '../shared/coupons/problems.js';
import { IssueCouponRequest } from '../shared/coupons/requests.js';
import { issueCoupon } from '../shared/coupons/service.js';
import { asFailure, issuedView } from '../shared/coupons/views.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { correlationId, httpHandler, readJson } from '../shared/http/request.js';
import { logger } from '../shared/log.js';
import { services } from '../shared/services.js';

/** POST /api/coupons — issue one now (service desk, tests, demos); same rules and requestId idempotency as the queue. */
export const couponsCreate = httpHandler(async (request, context) => {
  const body = await readJson(request, IssueCouponRequest);
  if (!body.ok) return body.failure;
  const { runtime, coupons } = services();
  const now = runtime.clock.now();
  const log = logger(context, { correlationId: correlationId(request, context), customerId: body.value.customerId, offerId: body.value.offerId, requestId: body.value.requestId });
  const outcome = await issueCoupon({ ...coupons, log: (line) => log.warn('coupon.warning', { detail: line }) }, body.value, now);
  switch (outcome.kind) {
    case 'issued':
      return jsonResponse(201, issuedView(outcome.coupon, now), { location: `/api/customers/${encodeURIComponent(outcome.coupon.customerId)}/coupons` });
    case 'existing':
      return jsonResponse(200, issuedView(outcome.coupon, now), { 'idempotent-replayed': 'true' });
    case 'refused':
      return asFailure(issueRefusalProblem(outcome.reason, outcome.detail));
    default: {
      const exhaustive: never = outcome;
      return exhaustive;
    }
  }
});

httpFunction('coupons-create', {
  route: 'coupons',
  methods: ['POST'],
  authLevel: 'function',
  handler: couponsCreate,
  doc: {
    summary: 'Issue a coupon now (service desk, demos); idempotent on requestId',
    tags: ['coupons'],
    body: { schema: IssueCouponRequest, example: { customerId: 'C-42', offerId: 'autumn-10', requestId: 'goodwill-0001' } },
    responses: {
      201: { description: 'Issued', headers: { location: "the customer's coupons" }, example: { code: 'WBGT4CDMRXAUAX', displayCode: 'WB-GT4C-DMRX-AUAX', status: 'active', customerId: 'C-42', requestId: 'goodwill-0001' } },
      200: { description: 'This requestId was served before: the same coupon (`idempotent-replayed: true`)', example: { code: 'WBGT4CDMRXAUAX', status: 'active' } },
    },
    errors: { 404: 'Unknown offer', 409: 'Offer paused, limit or budget reached, requestId used for another request', 410: 'Customer erased, offer archived or ended', 422: 'No tier of the ladder applies' },
  },
});
