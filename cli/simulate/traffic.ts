import { createHmac } from 'node:crypto';
import { zonedToUtc } from '../import/dates.js';
import { Rng } from '../../sim/random.js';
import { dayMs, type RetailerConfig, type SimCustomer } from '../../sim/retailer.js';
import type { NaturalPurchase } from '../../sim/timeline.js';

/**
 * The HTTP requests a simulated purchase becomes, the way a retailer's systems send them: most through the
 * till (POST /api/purchases, source pos), web orders directly (source shop) or through the Shopify webhook
 * (signed), a coupon at the till through POST /api/redemptions, a few refunded days later, a few sent twice.
 */
export interface SimRequest {
  method: 'POST';
  path: string;
  /** Raw body: webhooks are signed over these exact bytes. */
  body: string;
  headers: Record<string, string>;
  /** When it is sent (the host's clock must have passed it: purchases may not lie in the future). */
  at: Date;
  kind: 'pos' | 'shop' | 'shopify' | 'redemption' | 'refund' | 'shopify-refund';
  /** Only for redemptions: what to send instead when the host refuses the coupon (422/409/410). */
  fallback?: SimRequest;
  /** What the request books for its order, in minor units (a refund negative); a redemption's discount comes off at the host. */
  bookedMinor: number;
  /** A till's or shop's retry of the request before it: the host must ignore it, and so does the revenue truth. */
  repeat?: true;
  /** For an order of an enrolled customer: its enrollment, and what this request would have booked without the journey. */
  effect?: RevenueEffect & { orderId: string };
}

/** A refund of an earlier order (through the API or Shopify): it follows its order's window. */
export const isRefund = (request: Pick<SimRequest, 'kind'>): boolean => request.kind === 'refund' || request.kind === 'shopify-refund';

/**
 * How an order of an enrolled customer compares with the world without the journey, which the simulation
 * knows and the KPIs must estimate: a purchase the message caused books everything (it would not have
 * happened), a natural purchase on the coupon books its top-up minus the discount, any other natural purchase
 * the same in both worlds.
 */
export interface RevenueEffect {
  arm: string;
  /** The enrollment's attribution window [start, end) in ms: the KPIs count an order whose first event falls in it. */
  window: [number, number];
  /** What the order (or, for a refund, its refund) would have booked without the journey: 0 for an induced purchase. */
  counterfactualMinor: number;
}

export interface TrafficConfig {
  seed: number;
  retailer: RetailerConfig;
  shopifySecret?: string;
  /** Shares: web orders through the Shopify webhook; purchases refunded; requests sent twice. */
  shopifyShare: number;
  refundShare: number;
  duplicateShare: number;
}

const money = (minor: number) => minor / 100;

export function occurredAt(retailer: RetailerConfig, customer: SimCustomer, day: number, localMinute: number): Date {
  const date = new Date(retailer.start.getTime() + day * dayMs);
  return zonedToUtc(
    { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: Math.floor(localMinute / 60), minute: localMinute % 60, second: 0 },
    customer.profile.timeZone,
  );
}

function storeOf(customer: SimCustomer): string {
  return `store-${(customer.profile.address?.city ?? customer.profile.timeZone.split('/')[1] ?? 'x').toLowerCase().replace(/[^a-z]/g, '')}-${1 + (customer.index % 3)}`;
}

function json(path: string, body: unknown, at: Date, kind: SimRequest['kind'], bookedMinor: number, headers: Record<string, string> = {}): SimRequest {
  return { method: 'POST', path, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers }, at, kind, bookedMinor };
}

function shopifyRequest(config: TrafficConfig, topic: string, webhookId: string, body: unknown, at: Date, kind: SimRequest['kind'], bookedMinor: number): SimRequest {
  const raw = JSON.stringify(body);
  const hmac = createHmac('sha256', config.shopifySecret ?? '').update(raw, 'utf8').digest('base64');
  return {
    method: 'POST',
    path: '/api/webhooks/shopify',
    body: raw,
    headers: { 'content-type': 'application/json', 'x-shopify-topic': topic, 'x-shopify-hmac-sha256': hmac, 'x-shopify-webhook-id': webhookId, 'x-shopify-shop-domain': 'sim-shop.myshopify.com' },
    at,
    kind,
    bookedMinor,
  };
}

/** A stable numeric id for Shopify objects (orders, refunds, lines) from a text key. */
function numericId(key: string): string {
  let h = 1469598103934665603n;
  for (const ch of key) h = ((h ^ BigInt(ch.codePointAt(0)!)) * 1099511628211n) & 0xffffffffffffn;
  return String(1_000_000_000_000n + h);
}

export interface PlannedPurchase {
  customer: SimCustomer;
  purchase: NaturalPurchase;
  /** Distinguishes the customer's purchases (their n-th natural one, or an induced one). */
  key: string;
  /** A coupon the customer uses on this purchase. */
  couponCode?: string;
  /** Set for a purchase of an enrolled customer (natural, on the coupon, or caused by the message). */
  effect?: RevenueEffect;
}

/**
 * Whether a purchase belongs to the history loaded before the clock starts: by its instant, not its local
 * day — an evening purchase in New York on the day before the start is already after 00:00 UTC.
 */
export function isHistory(config: TrafficConfig, planned: PlannedPurchase): boolean {
  return occurredAt(config.retailer, planned.customer, planned.purchase.day, planned.purchase.localMinute) < config.retailer.start;
}

/** The history before the simulation starts: plain purchase bodies for POST /api/purchases batches. */
export function historyPurchaseBody(config: TrafficConfig, planned: PlannedPurchase) {
  const { customer, purchase } = planned;
  return {
    orderId: `${purchase.online ? 'web' : 'bon'}-${customer.id}-${planned.key}`,
    source: purchase.online ? 'shop' : 'pos',
    customerId: customer.id,
    occurredAt: occurredAt(config.retailer, customer, purchase.day, purchase.localMinute).toISOString(),
    total: money(purchase.totalMinor),
    currency: config.retailer.currency,
    channel: purchase.online ? ('shop' as const) : ('pos' as const),
    ...(purchase.online ? {} : { storeId: storeOf(customer) }),
    items: purchase.items.map((item, i) => ({ sku: `${item.category}-${(customer.index + i) % 50}`, category: item.category, quantity: item.quantity, unitPrice: money(item.unitPriceMinor) })),
  };
}

/** The requests of one purchase in the simulated period (the purchase itself, maybe a repeat, maybe a refund). */
export function purchaseRequests(config: TrafficConfig, planned: PlannedPurchase): SimRequest[] {
  const { customer, purchase } = planned;
  const rng = new Rng(config.seed, `traffic:${customer.id}:${planned.key}`);
  const at = occurredAt(config.retailer, customer, purchase.day, purchase.localMinute);
  const base = historyPurchaseBody(config, planned);
  const viaShopify = purchase.online && config.shopifySecret !== undefined && rng.chance(config.shopifyShare);
  const requests: SimRequest[] = [];
  let refundable: { orderId: string; shopifyOrderId?: string } | undefined;

  if (viaShopify) {
    const orderId = numericId(`order:${customer.id}:${planned.key}`);
    const order = {
      id: Number(orderId),
      admin_graphql_api_id: `gid://shopify/Order/${orderId}`,
      created_at: at.toISOString(),
      currency: config.retailer.currency,
      total_price: money(purchase.totalMinor).toFixed(2),
      test: false,
      source_name: 'web',
      customer: { id: Number(customer.id), email: customer.profile.email ?? null },
      line_items: base.items.map((item, i) => ({ id: Number(numericId(`line:${orderId}:${i}`)), sku: item.sku, title: item.category, price: item.unitPrice.toFixed(2), quantity: item.quantity, product_type: item.category })),
      discount_codes: planned.couponCode ? [{ code: planned.couponCode, amount: '0.00', type: 'percentage' }] : [],
    };
    requests.push(shopifyRequest(config, 'orders/create', `sim-${orderId}`, order, at, 'shopify', purchase.totalMinor));
    refundable = { orderId, shopifyOrderId: orderId };
  } else if (planned.couponCode && !purchase.online) {
    const redemption = {
      code: planned.couponCode,
      customerId: customer.id,
      orderId: base.orderId,
      source: 'pos',
      basketTotal: base.total,
      currency: base.currency,
      storeId: base.storeId,
      channel: 'pos',
      items: base.items,
    };
    const request = json('/api/redemptions', redemption, at, 'redemption', purchase.totalMinor, { 'idempotency-key': `sim-${base.orderId}` });
    requests.push({ ...request, fallback: json('/api/purchases', base, at, 'pos', purchase.totalMinor) });
    refundable = { orderId: base.orderId };
  } else {
    requests.push(json('/api/purchases', { ...base, couponCodes: planned.couponCode ? [planned.couponCode] : [] }, at, purchase.online ? 'shop' : 'pos', purchase.totalMinor));
    refundable = { orderId: base.orderId };
  }
  // Tills and shops retry: the same request again changes nothing.
  if (rng.chance(config.duplicateShare)) requests.push({ ...requests[0]!, at: new Date(at.getTime() + 60_000), repeat: true });

  if (rng.chance(config.refundShare)) {
    const refundAt = new Date(at.getTime() + (1 + rng.int(0, 5)) * dayMs);
    if (refundable.shopifyOrderId) {
      const refundId = numericId(`refund:${refundable.shopifyOrderId}`);
      const refund = {
        id: Number(refundId),
        order_id: Number(refundable.shopifyOrderId),
        created_at: refundAt.toISOString(),
        processed_at: refundAt.toISOString(),
        transactions: [{ kind: 'refund', status: 'success', amount: money(purchase.totalMinor).toFixed(2), currency: config.retailer.currency }],
      };
      requests.push(shopifyRequest(config, 'refunds/create', `sim-${refundId}`, refund, refundAt, 'shopify-refund', -purchase.totalMinor));
    } else {
      const body = { orderId: `refund-${refundable.orderId}`, source: base.source, customerId: customer.id, occurredAt: refundAt.toISOString(), total: base.total, currency: base.currency, type: 'refund', originalOrderId: refundable.orderId };
      requests.push(json('/api/purchases', body, refundAt, 'refund', -purchase.totalMinor));
    }
  }
  if (!planned.effect) return requests;
  const effect = planned.effect;
  return requests.map((request) => {
    const counterfactualMinor = isRefund(request) ? -effect.counterfactualMinor : effect.counterfactualMinor;
    const annotate = (r: SimRequest): SimRequest => ({ ...r, effect: { ...effect, counterfactualMinor, orderId: base.orderId } });
    return { ...annotate(request), ...(request.fallback ? { fallback: annotate(request.fallback) } : {}) };
  });
}
