import { sha256Hex } from '../shared/canonical.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { correlationId, httpHandler, readRawBody } from '../shared/http/request.js';
import { logger } from '../shared/log.js';
import { services } from '../shared/services.js';
import { ingestOrder, webhookResponse } from '../shared/webhooks/ingest.js';
import { parseWebhookJson } from '../shared/webhooks/json.js';
import { ShopwareWebhook, mapShopwareOrderPlaced, shopwareDedupeId } from '../shared/webhooks/shopware.js';
import { verifyShopwareSignature } from '../shared/webhooks/signature.js';

/**
 * POST /api/webhooks/shopware (checkout.order.placed). `shopware-shop-signature` (hex HMAC-SHA256 of the raw
 * body) is checked before parsing: bad or missing → 401, nothing read further; no secret configured → 503.
 * Deduplicated on the event id (`source.eventId`, or shop + event + order for older shops).
 */
export const webhooksShopware = httpHandler(async (request, context) => {
  const { runtime, coupons, orders, links } = services();
  const log = logger(context, { correlationId: correlationId(request, context), source: 'webhook-shopware' });
  const secret = runtime.settings.shopwareSecret;
  if (secret === undefined) {
    log.warn('webhook.not_configured', { detail: 'SHOPWARE_WEBHOOK_SECRET is not set: webhook refused' });
    return { kind: 'unavailable', detail: 'Shopware webhooks are not configured on this installation (SHOPWARE_WEBHOOK_SECRET)', retryAfterSeconds: 60 };
  }
  const raw = await readRawBody(request);
  if (!raw.ok) return raw.failure;
  if (!verifyShopwareSignature(raw.value, request.headers.get('shopware-shop-signature'), secret)) {
    return { kind: 'unauthorized', detail: 'missing or invalid shopware-shop-signature' };
  }
  let body: unknown;
  try {
    body = parseWebhookJson(raw.value);
  } catch (error) {
    return { kind: 'malformed_json', detail: `the body is not valid JSON: ${(error as Error).message}` };
  }
  const mapping = mapShopwareOrderPlaced(body);
  switch (mapping.kind) {
    case 'invalid':
      return { kind: 'invalid', detail: 'not a valid Shopware webhook payload', errors: mapping.errors.map((message) => ({ pointer: '', message })) };
    case 'ignored':
      return jsonResponse(200, { status: 'ignored', reason: mapping.reason, detail: mapping.detail });
    case 'purchase': {
      const deliveryId = shopwareDedupeId(body) ?? `body-${sha256Hex(raw.value.toString('base64'))}`;
      const deps = { coupons: { ...coupons, bus: runtime.bus, log: (line: string) => log.warn('coupon.warning', { detail: line }) }, orders, links: links.resolver };
      const answer = await ingestOrder(deps, 'webhook-shopware', deliveryId, raw.value, mapping.purchase, mapping.discountCodes, runtime.clock.now(), mapping.identity);
      return webhookResponse(answer);
    }
    default: {
      const exhaustive: never = mapping;
      return exhaustive;
    }
  }
});

httpFunction('webhooks-shopware', {
  route: 'webhooks/shopware',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: webhooksShopware,
  doc: {
    summary: 'Shopware webhook checkout.order.placed, signature-checked',
    description: 'No function key: the `shopware-shop-signature` HMAC over the raw body is checked before anything is parsed.',
    tags: ['webhooks'],
    headers: [{ name: 'shopware-shop-signature', required: true, description: 'hex HMAC-SHA256 of the raw body with SHOPWARE_WEBHOOK_SECRET' }],
    body: { schema: ShopwareWebhook, example: { data: { event: 'checkout.order.placed', payload: { order: { id: '8f69d4874c53486a95383b2126161738' } } }, source: { shopId: 'hRCw2xo1EDZnLco4' } } },
    responses: { 200: { description: 'Recorded, a replay, or deliberately ignored (`status`, `reason`)', example: { status: 'recorded' } } },
    errors: { 401: 'Missing or invalid signature', 503: 'SHOPWARE_WEBHOOK_SECRET is not configured' },
  },
});
