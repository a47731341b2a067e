import { app } from '@azure/functions';
import { issueRefusalProblem } from '../shared/coupons/problems.js';
import { IssueCouponRequest } from '../shared/coupons/requests.js';
import { issueCoupon } from '../shared/coupons/service.js';
import { asFailure, issuedView } from '../shared/coupons/views.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler, readJson } from '../shared/http/request.js';
import { services } from '../shared/services.js';

/** POST /api/coupons — issue one now (service desk, tests, demos); same rules and requestId idempotency as the queue. */
export const couponsCreate = httpHandler(async (request, context) => {
  const body = await readJson(request, IssueCouponRequest);
  if (!body.ok) return body.failure;
  const { runtime, coupons } = services();
  const now = runtime.clock.now();
  const outcome = await issueCoupon({ ...coupons, log: (line) => context.warn(line) }, body.value, now);
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

app.http('coupons-create', {
  route: 'coupons',
  methods: ['POST'],
  authLevel: 'function',
  handler: couponsCreate,
});
