import { redemptionProblem } from '../shared/coupons/problems.js';
import { IdempotencyKey, RedemptionRequest } from '../shared/coupons/requests.js';
import { redeemCoupon } from '../shared/coupons/service.js';
import { asFailure, redemptionView } from '../shared/coupons/views.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { correlationId, httpHandler, readJson } from '../shared/http/request.js';
import { logger } from '../shared/log.js';
import { services } from '../shared/services.js';

/**
 * POST /api/redemptions with `Idempotency-Key` (required: missing → 428 Precondition Required, malformed →
 * 400). 201 with the redemption; the same key and body again → the same answer (`idempotent-replayed:
 * true`), nothing changes; the same key with another body → 409 `idempotency_key_reused`; a used code →
 * 409 `already_redeemed`. The purchase and the budget bookkeeping follow asynchronously (`purchase: "queued"`,
 * see redemptions-record.ts). Other refusals carry their status and reason from shared/coupons/problems.ts.
 */
export const redemptionsCreate = httpHandler(async (request, context) => {
  const header = request.headers.get('idempotency-key');
  if (header === null || header.trim() === '') {
    return { kind: 'precondition_required', detail: 'send an Idempotency-Key header (e.g. a UUID per redemption attempt; reuse it when retrying)' };
  }
  const key = IdempotencyKey.safeParse(header.trim());
  if (!key.success) {
    return { kind: 'invalid', detail: 'invalid Idempotency-Key header', errors: [{ pointer: 'header/Idempotency-Key', message: key.error.issues[0]?.message ?? 'invalid' }] };
  }
  const body = await readJson(request, RedemptionRequest);
  if (!body.ok) return body.failure;
  const { runtime, coupons } = services();
  const log = logger(context, { correlationId: correlationId(request, context) });
  const outcome = await redeemCoupon(
    { ...coupons, bus: runtime.bus, correlationId: correlationId(request, context), log: (line) => log.warn('coupon.warning', { detail: line }) },
    body.value,
    key.data,
    runtime.clock.now(),
  );
  switch (outcome.kind) {
    case 'redeemed':
      if (!outcome.replayed) log.info('coupon.redeemed', { code: outcome.coupon.code, customerId: outcome.coupon.customerId, journeyId: outcome.coupon.journeyId, offerId: outcome.coupon.offerId });
      return jsonResponse(201, redemptionView(outcome.coupon, outcome.redemption), outcome.replayed ? { 'idempotent-replayed': 'true' } : {});
    case 'key_reused':
      return { kind: 'conflict', detail: 'this Idempotency-Key was used for a different redemption request', reason: 'idempotency_key_reused' };
    case 'refused': {
      const { kind: _kind, ...failure } = outcome;
      return asFailure(redemptionProblem(failure));
    }
    default: {
      const exhaustive: never = outcome;
      return exhaustive;
    }
  }
});

httpFunction('redemptions-create', {
  route: 'redemptions',
  methods: ['POST'],
  authLevel: 'function',
  handler: redemptionsCreate,
  doc: {
    summary: 'Redeem a coupon: single use, atomic, idempotent on the Idempotency-Key header',
    tags: ['redemptions'],
    headers: [{ name: 'Idempotency-Key', required: true, description: 'one per redemption attempt; reuse it when retrying', schema: IdempotencyKey }],
    body: {
      schema: RedemptionRequest,
      example: { code: 'WBGT4CDMRXAUAX', customerId: 'C-42', orderId: 'A-2001', source: 'pos', basketTotal: 45, currency: 'EUR', storeId: 'berlin-01' },
    },
    responses: { 201: { description: 'Redeemed (a replay answers the same with `idempotent-replayed: true`)', example: { redemptionId: 'WBGT4CDMRXAUAX.r_…', discount: 4.5, currency: 'EUR', purchase: 'queued' } } },
    errors: { 404: 'Unknown code', 409: 'Already redeemed, limit reached or key reused', 410: 'Expired or revoked', 422: 'Not valid for this basket, customer, channel or store', 428: 'No Idempotency-Key' },
  },
});
