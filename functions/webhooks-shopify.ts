import { sha256Hex } from '../shared/canonical.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { correlationId, httpHandler, readRawBody } from '../shared/http/request.js';
import { logger } from '../shared/log.js';
import { services } from '../shared/services.js';
import { ingestOrder, ingestRefund, webhookResponse } from '../shared/webhooks/ingest.js';
import { parseWebhookJson } from '../shared/webhooks/json.js';
import { ShopifyOrder, mapShopifyOrder, mapShopifyRefund, shopifyRefundOrderId } from '../shared/webhooks/shopify.js';
import { verifyShopifyHmac } from '../shared/webhooks/signature.js';
import type { WebhookMapping } from '../shared/webhooks/common.js';

/**
 * POST /api/webhooks/shopify (orders/create, refunds/create). The HMAC is checked on the raw bytes before
 * anything is parsed; a bad or missing signature is 401 and nothing is read further. Without a configured
 * secret the endpoint answers 503 (Shopify retries, so deliveries are not lost while it is being set).
 * Deduplicated on X-Shopify-Webhook-Id. Well-formed payloads winback does not record (test orders, other
 * topics, refunds of unknown orders) get 200 so Shopify stops retrying; malformed ones 400.
 */
export const webhooksShopify = httpHandler(async (request, context) => {
  const { runtime, coupons, orders, links } = services();
  const log = logger(context, { correlationId: correlationId(request, context), source: 'webhook-shopify' });
  const secret = runtime.settings.shopifySecret;
  if (secret === undefined) {
    log.warn('webhook.not_configured', { detail: 'SHOPIFY_WEBHOOK_SECRET is not set: webhook refused' });
    return { kind: 'unavailable', detail: 'Shopify webhooks are not configured on this installation (SHOPIFY_WEBHOOK_SECRET)', retryAfterSeconds: 60 };
  }
  const raw = await readRawBody(request);
  if (!raw.ok) return raw.failure;
  if (!verifyShopifyHmac(raw.value, request.headers.get('x-shopify-hmac-sha256'), secret)) {
    return { kind: 'unauthorized', detail: 'missing or invalid X-Shopify-Hmac-Sha256 signature' };
  }
  let body: unknown;
  try {
    body = parseWebhookJson(raw.value);
  } catch (error) {
    return { kind: 'malformed_json', detail: `the body is not valid JSON: ${(error as Error).message}` };
  }
  const topic = request.headers.get('x-shopify-topic') ?? 'orders/create';
  const deliveryId = request.headers.get('x-shopify-webhook-id')?.trim() || `body-${sha256Hex(raw.value.toString('base64'))}`;
  const shopDomain = request.headers.get('x-shopify-shop-domain')?.trim().slice(0, 128) || undefined;
  const now = runtime.clock.now();
  const deps = { coupons: { ...coupons, bus: runtime.bus, log: (line: string) => log.warn('coupon.warning', { detail: line }) }, orders, links: links.resolver };

  let mapping: WebhookMapping;
  switch (topic) {
    case 'orders/create':
    case 'orders/paid':
      mapping = mapShopifyOrder(body, { shopDomain });
      break;
    case 'refunds/create': {
      const orderId = shopifyRefundOrderId(body);
      const original = orderId === undefined ? undefined : await orders.find('shopify', orderId);
      mapping = mapShopifyRefund(body, original && { customerId: original.customerId, currency: original.currency }, { shopDomain });
      break;
    }
    default:
      return jsonResponse(200, { status: 'ignored', reason: 'unsupported_event', detail: `topic ${topic} is not handled` });
  }
  switch (mapping.kind) {
    case 'invalid':
      return { kind: 'invalid', detail: `not a valid ${topic} payload`, errors: mapping.errors.map((message) => ({ pointer: '', message })) };
    case 'ignored':
      return jsonResponse(200, { status: 'ignored', reason: mapping.reason, detail: mapping.detail });
    case 'purchase': {
      const answer =
        mapping.purchase.type === 'refund'
          ? await ingestRefund(deps, 'webhook-shopify', deliveryId, raw.value, mapping.purchase, now)
          : await ingestOrder(deps, 'webhook-shopify', deliveryId, raw.value, mapping.purchase, mapping.discountCodes, now, mapping.identity);
      return webhookResponse(answer);
    }
    default: {
      const exhaustive: never = mapping;
      return exhaustive;
    }
  }
});

httpFunction('webhooks-shopify', {
  route: 'webhooks/shopify',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: webhooksShopify,
  doc: {
    summary: 'Shopify webhooks (orders/create, orders/paid, refunds/create), HMAC-checked',
    description: 'No function key: the `X-Shopify-Hmac-Sha256` signature over the raw body is checked before anything is parsed.',
    tags: ['webhooks'],
    headers: [
      { name: 'X-Shopify-Hmac-Sha256', required: true, description: 'base64 HMAC-SHA256 of the raw body with SHOPIFY_WEBHOOK_SECRET' },
      { name: 'X-Shopify-Topic', required: false, description: 'orders/create (default), orders/paid or refunds/create' },
      { name: 'X-Shopify-Webhook-Id', required: false, description: 'delivery id; deliveries are deduplicated on it' },
    ],
    body: { schema: ShopifyOrder, example: { id: 820982911946154500, created_at: '2026-11-01T10:15:00-05:00', currency: 'USD', total_price: '59.90', customer: { id: 115310627314723950 }, line_items: [] } },
    responses: { 200: { description: 'Recorded, a replay, or deliberately ignored (`status`, `reason`)', example: { status: 'recorded' } } },
    errors: { 401: 'Missing or invalid signature', 503: 'SHOPIFY_WEBHOOK_SECRET is not configured' },
  },
});
