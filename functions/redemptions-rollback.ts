import { z } from 'zod';
import { parsePublicRedemptionId, rollbackRedemption } from '../shared/coupons/service.js';
import { Id } from '../shared/ids.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { services } from '../shared/services.js';

const Params = z.object({ redemptionId: Id.meta({ description: 'as POST /api/redemptions answered it', examples: ['WBGT4CDMRXAUAX.r_0aB3'] }) });

/**
 * POST /api/redemptions/{redemptionId}/rollback — the order was cancelled or returned. 200 with whether the
 * coupon can be used again (it is, unless it expired meanwhile); again → the same answer, nothing changes.
 * No body is needed; whatever is sent is ignored.
 */
export const redemptionsRollback = httpHandler(async (request) => {
  const params = validateParams(Params, request.params);
  if (!params.ok) return params.failure;
  const id = parsePublicRedemptionId(params.value.redemptionId);
  if (!id) return { kind: 'not_found', detail: `no redemption ${params.value.redemptionId}` };
  const { runtime, coupons } = services();
  const outcome = await rollbackRedemption({ ...coupons, bus: runtime.bus }, id.code, id.redemptionId, runtime.clock.now());
  switch (outcome.kind) {
    case 'unknown_redemption':
      return { kind: 'not_found', detail: `no redemption ${params.value.redemptionId}` };
    case 'rolled_back':
      return jsonResponse(
        200,
        { redemptionId: params.value.redemptionId, code: id.code, status: 'rolled_back', couponUsable: outcome.usable, expiresAt: outcome.coupon.expiresAt },
        outcome.replayed ? { 'idempotent-replayed': 'true' } : {},
      );
    default: {
      const exhaustive: never = outcome;
      return exhaustive;
    }
  }
});

httpFunction('redemptions-rollback', {
  route: 'redemptions/{redemptionId}/rollback',
  methods: ['POST'],
  authLevel: 'function',
  handler: redemptionsRollback,
  doc: {
    summary: 'Roll a redemption back (order cancelled or returned); idempotent',
    tags: ['redemptions'],
    params: Params,
    responses: { 200: { description: 'Rolled back', example: { redemptionId: 'WBGT4CDMRXAUAX.r_…', code: 'WBGT4CDMRXAUAX', status: 'rolled_back', couponUsable: true } } },
    errors: { 404: 'No such redemption' },
  },
});
