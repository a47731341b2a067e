import type { Failure } from '../http/failure.js';
import { jsonResponse } from '../http/problem.js';
import { sha256Hex } from '../canonical.js';
import { retryKeyTtlSeconds } from '../idempotency.js';
import { normalizeCode } from '../coupons/code.js';
import { redeemForOrder, rollbackRedemption, type OrderRedemption, type RedeemDeps } from '../coupons/service.js';
import { redemptionId } from '../coupons/requests.js';
import { temporalIssues, toPurchase } from '../purchases/ingest.js';
import type { PurchaseInput } from '../purchases/schema.js';
import { aliasRef } from '../links/schema.js';
import type { CustomerResolver } from '../links/resolve.js';
import type { DiscountCode, OrderIdentity } from './common.js';
import { winbackRedemptions } from './common.js';
import type { OrderLookup } from './orders.js';

/**
 * What a verified, mapped webhook does. Deduplication is on the shop's delivery id (`X-Shopify-Webhook-Id`,
 * Shopware's event id): the first delivery claims it, the answer is stored on the claim, and a replay gets
 * that answer without touching anything. The writes themselves are idempotent too (purchase per
 * (source, orderId), redemption ids derived from (source, orderId, code)), so a delivery that failed halfway
 * and is retried completes what is missing. Only well-formed, mapped payloads claim an id: an invalid or
 * ignored payload stores nothing at all.
 */
export interface WebhookDeps {
  /** With the bus: a journey's coupon redeemed in the shop is reported to KPIs. */
  coupons: RedeemDeps;
  orders: OrderLookup;
  /** Resolves the order's identity to its customer through the links (one point read). */
  links: Pick<CustomerResolver, 'forIngest'>;
}

export type WebhookAnswer =
  | { kind: 'done'; body: Record<string, unknown>; replayed: boolean }
  | { kind: 'invalid'; errors: { pointer: string; message: string }[] }
  | { kind: 'conflict'; detail: string };

async function deduplicated(
  deps: WebhookDeps,
  scope: string,
  deliveryId: string,
  raw: Uint8Array,
  now: Date,
  customerId: string | undefined,
  work: () => Promise<Record<string, unknown>>,
): Promise<WebhookAnswer> {
  const claim = await deps.coupons.idempotency.claim(scope, deliveryId, sha256Hex(Buffer.from(raw).toString('base64')), now, {
    ...(customerId === undefined ? {} : { customerId }),
    ttlSeconds: retryKeyTtlSeconds,
  });
  if (claim.kind === 'conflict') return { kind: 'conflict', detail: `delivery ${deliveryId} was seen before with a different body` };
  if (claim.kind === 'replay' && claim.record.response !== undefined) {
    return { kind: 'done', body: claim.record.response.body as Record<string, unknown>, replayed: true };
  }
  const body = await work();
  await deps.coupons.idempotency.complete(claim.record, { status: 200, body });
  return { kind: 'done', body, replayed: false };
}

/** The customer an order lands on: through its identity's link, or its customer id (an alias if merged). */
function resolveOrderCustomer(deps: WebhookDeps, purchase: PurchaseInput, identity: OrderIdentity | undefined, now: Date) {
  return deps.links.forIngest(identity?.ref ?? aliasRef(purchase.customerId), { occurredAt: purchase.occurredAt, email: identity?.email, now });
}

/** An order: the purchase, then each winback code among its discount codes as a redemption. */
export async function ingestOrder(
  deps: WebhookDeps,
  scope: string,
  deliveryId: string,
  raw: Uint8Array,
  purchase: PurchaseInput,
  discountCodes: readonly DiscountCode[],
  now: Date,
  identity?: OrderIdentity,
): Promise<WebhookAnswer> {
  const temporal = temporalIssues(purchase, now);
  if (temporal.length > 0) return { kind: 'invalid', errors: temporal };
  const customer = await resolveOrderCustomer(deps, purchase, identity, now);
  const customerId = customer.kind === 'customer' ? customer.customerId : undefined;
  return deduplicated(deps, scope, deliveryId, raw, now, customerId, async () => {
    // An identity erased before this order happened: the order is not recorded (a replayed old webhook).
    const recorded = customerId === undefined ? { kind: 'erased' as const } : await deps.coupons.purchases.record(toPurchase(purchase, now, customerId), now);
    const redemptions: OrderRedemption[] = [];
    for (const r of winbackRedemptions(purchase, discountCodes)) {
      const outcome = await redeemForOrder(deps.coupons, purchase, r.code, r.redemptionId, r.amount, now);
      if (outcome.status === 'refused') deps.coupons.log?.(`order ${purchase.orderId}: coupon ${r.code} not redeemed (${outcome.reason})`);
      redemptions.push(outcome);
    }
    return { status: 'processed', orderId: purchase.orderId, purchase: recorded.kind, redemptions };
  });
}

/**
 * A refund: recorded as a `type: 'refund'` purchase. When it returns the whole amount paid the order is
 * undone, so the winback coupons it redeemed are rolled back (usable again while still valid). A partial
 * refund — one item of several sent back — keeps the coupon used: the customer still had the discounted
 * order. (Several partial refunds that add up to the whole are not summed yet.)
 */
export async function ingestRefund(
  deps: WebhookDeps,
  scope: string,
  deliveryId: string,
  raw: Uint8Array,
  refund: PurchaseInput,
  now: Date,
): Promise<WebhookAnswer> {
  const originalOrderId = refund.originalOrderId;
  if (originalOrderId === undefined) return { kind: 'invalid', errors: [{ pointer: '/order_id', message: 'missing' }] };
  const customer = await resolveOrderCustomer(deps, refund, undefined, now);
  const customerId = customer.kind === 'customer' ? customer.customerId : undefined;
  return deduplicated(deps, scope, deliveryId, raw, now, customerId, async () => {
    const recorded = customerId === undefined ? { kind: 'erased' as const } : await deps.coupons.purchases.record(toPurchase(refund, now, customerId), now);
    const original = await deps.orders.find(refund.source, originalOrderId);
    const refundMinor = toPurchase(refund, now).totalMinor;
    const full = original !== undefined && refundMinor >= original.totalMinor;
    const rolledBack: { code: string; usable: boolean }[] = [];
    if (full) {
      for (const raw of original.couponCodes) {
        const normalized = normalizeCode(raw);
        if (!normalized.ok) continue;
        const outcome = await rollbackRedemption(deps.coupons, normalized.code, redemptionId(refund.source, originalOrderId, normalized.code), now);
        if (outcome.kind === 'rolled_back') rolledBack.push({ code: normalized.code, usable: outcome.usable });
      }
    }
    return { status: 'processed', orderId: refund.orderId, originalOrderId, purchase: recorded.kind, fullRefund: full, rolledBack };
  });
}

/** The HTTP answer to a webhook delivery, shared by the Shopify and Shopware endpoints. */
export function webhookResponse(answer: WebhookAnswer) {
  switch (answer.kind) {
    case 'done':
      return jsonResponse(200, answer.body, answer.replayed ? { 'idempotent-replayed': 'true' } : {});
    case 'invalid':
      return { kind: 'invalid', detail: 'the payload is invalid', errors: answer.errors } satisfies Failure;
    case 'conflict':
      return { kind: 'conflict', detail: answer.detail, reason: 'delivery_id_reused' } satisfies Failure;
    default: {
      const exhaustive: never = answer;
      return exhaustive;
    }
  }
}
