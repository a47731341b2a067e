import { fromMinorUnits } from '../shared/money.js';
import { redemptionProblem } from '../shared/coupons/problems.js';
import { CouponRouteParams, ValidateRequest } from '../shared/coupons/requests.js';
import { validateCoupon } from '../shared/coupons/service.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, readJson, validateParams } from '../shared/http/request.js';
import { services } from '../shared/services.js';

/**
 * POST /api/coupons/{code}/validate — would this basket get the coupon, and for how much? Always 200 for a
 * well-formed request: `{ valid: true, discount }` or `{ valid: false, reason, … }` with the same reasons
 * (and the status a redemption would get) as POST /api/redemptions. Changes nothing.
 */
export const couponValidate = httpHandler(async (request) => {
  const params = validateParams(CouponRouteParams, request.params);
  if (!params.ok) return params.failure;
  const body = await readJson(request, ValidateRequest);
  if (!body.ok) return body.failure;
  const { runtime, coupons } = services();
  const { code, check, coupon } = await validateCoupon(coupons, params.value.code, body.value, runtime.clock.now());
  if (check.ok) {
    const currency = coupon?.terms.currency ?? body.value.currency;
    return jsonResponse(200, {
      valid: true,
      code,
      discount: fromMinorUnits(check.discountMinor, currency),
      currency,
      ...(check.pointsAwarded === undefined ? {} : { pointsAwarded: check.pointsAwarded }),
      ...(coupon === undefined ? {} : { expiresAt: coupon.expiresAt, offerId: coupon.offerId }),
    });
  }
  const { ok: _ok, ...failure } = check;
  const problem = redemptionProblem(failure);
  const { status, title: _title, ...rest } = problem;
  return jsonResponse(200, { valid: false, code, redemptionStatus: status, ...rest });
});

httpFunction('coupon-validate', {
  route: 'coupons/{code}/validate',
  methods: ['POST'],
  authLevel: 'function',
  handler: couponValidate,
  doc: {
    summary: 'Would this basket get the coupon, and for how much? Changes nothing',
    tags: ['redemptions'],
    params: CouponRouteParams,
    body: { schema: ValidateRequest, example: { customerId: 'C-42', basketTotal: 45, currency: 'EUR', channel: 'pos', storeId: 'berlin-01' } },
    responses: {
      200: {
        description: '`valid: true` with the discount, or `valid: false` with the `reason` and the status a redemption would get',
        example: { valid: true, code: 'WBGT4CDMRXAUAX', discount: 4.5, currency: 'EUR', expiresAt: '2026-12-01T10:00:00.000Z', offerId: 'autumn-10' },
      },
    },
  },
});
