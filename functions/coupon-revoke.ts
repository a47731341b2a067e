import { couponView } from '../shared/coupons/coupon.js';
import { CouponRouteParams } from '../shared/coupons/requests.js';
import { RevokeRequest } from '../shared/coupons/revocation.js';
import { revokeCoupon } from '../shared/coupons/service.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { correlationId, httpHandler, readJson, validateParams } from '../shared/http/request.js';
import { logger } from '../shared/log.js';
import { services } from '../shared/services.js';

/**
 * POST /api/coupons/{code}/revoke `{ "reason": "…" }` — stops a leaked or misused code at every till and
 * shop: validate and redeem answer 410 `revoked` from now on. Idempotent: revoking again answers 200 with the
 * first revocation (`idempotent-replayed: true`). An unredeemed coupon's budget reservation is given back.
 */
export const couponRevoke = httpHandler(async (request, context) => {
  const params = validateParams(CouponRouteParams, request.params);
  if (!params.ok) return params.failure;
  const body = await readJson(request, RevokeRequest);
  if (!body.ok) return body.failure;
  const { runtime, coupons } = services();
  const now = runtime.clock.now();
  const outcome = await revokeCoupon(coupons, params.value.code, body.value, now);
  switch (outcome.kind) {
    case 'unknown':
      return { kind: 'not_found', detail: 'no coupon has this code' };
    case 'malformed':
      return { kind: 'rejected', status: 422, title: 'Malformed coupon code', detail: outcome.detail, reason: 'malformed_code' };
    case 'revoked':
      if (!outcome.replayed) {
        logger(context, { correlationId: correlationId(request, context) }).info('coupon.revoked', {
          code: outcome.coupon.code,
          customerId: outcome.coupon.customerId,
          detail: `coupon ${outcome.coupon.code} revoked: ${body.value.reason}`,
        });
      }
      return jsonResponse(200, couponView(outcome.coupon, now), outcome.replayed ? { 'idempotent-replayed': 'true' } : {});
    default: {
      const exhaustive: never = outcome;
      return exhaustive;
    }
  }
});

httpFunction('coupon-revoke', {
  route: 'coupons/{code}/revoke',
  methods: ['POST'],
  authLevel: 'function',
  handler: couponRevoke,
  doc: {
    summary: 'Revoke a coupon (a leaked or misused code): refused at every till from now on',
    description: 'Idempotent: revoking again answers 200 with the first revocation and `idempotent-replayed: true`.',
    tags: ['coupons'],
    params: CouponRouteParams,
    body: { schema: RevokeRequest, example: { reason: 'code posted on a deal forum' } },
    responses: {
      200: {
        description: 'The revoked coupon',
        example: { code: 'WBGT4CDMRXAUAX', displayCode: 'WB-GT4C-DMRX-AUAX', status: 'revoked', revoked: { at: '2026-11-02T12:00:00.000Z', reason: 'code posted on a deal forum' } },
      },
    },
    errors: { 404: 'No coupon has this code', 422: 'Not a coupon code (fails the check character)' },
  },
});
