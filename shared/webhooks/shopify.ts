import { z } from 'zod';
import { foreignId } from '../ids.js';
import { fallbackCustomerId } from '../links/schema.js';
import { asPurchase, isoInstant, issuesOf, nonEmpty, orderIdentity, truncate, type DiscountCode, type OrderIdentity, type WebhookMapping } from './common.js';

/**
 * Shopify `orders/create` and `refunds/create` bodies. The schemas are loose on purpose: Shopify sends
 * dozens of fields and adds more; only what the mapping uses is validated. Parse bodies with
 * `parseWebhookJson` so 64-bit ids stay exact (they may then arrive here as digit strings).
 */

// Numbers beyond 2^53 are accepted (z.int() would refuse them): a body parsed with plain JSON.parse still maps,
// and the exact id then comes from admin_graphql_api_id where Shopify provides one.
const id = z
  .union([z.string().regex(/^\d{1,20}$/), z.number().nonnegative().refine(Number.isInteger, 'not an integer')])
  .transform((value) => (typeof value === 'number' ? BigInt(value).toString() : value));
const decimal = z
  .union([z.string().regex(/^-?\d+(\.\d+)?$/), z.number()])
  .transform(Number)
  .refine(Number.isFinite, 'not a finite number');

export const ShopifyLineItem = z.looseObject({
  id: id.optional(),
  sku: z.string().nullish(),
  title: z.string().nullish(),
  name: z.string().nullish(),
  price: decimal,
  quantity: z.number().int().nonnegative(),
  product_type: z.string().nullish(),
  product_id: id.nullish(),
  variant_id: id.nullish(),
});
export type ShopifyLineItem = z.infer<typeof ShopifyLineItem>;

export const ShopifyOrder = z.looseObject({
  id,
  admin_graphql_api_id: z.string().nullish(),
  created_at: z.string(),
  currency: z.string(),
  total_price: decimal,
  test: z.boolean().nullish(),
  cancelled_at: z.string().nullish(),
  email: z.string().nullish(),
  contact_email: z.string().nullish(),
  source_name: z.string().nullish(),
  location_id: id.nullish(),
  customer: z.looseObject({ id: id.nullish(), admin_graphql_api_id: z.string().nullish(), email: z.string().nullish() }).nullish(),
  line_items: z.array(ShopifyLineItem),
  discount_codes: z.array(z.looseObject({ code: z.string(), amount: decimal.optional(), type: z.string().nullish() })).nullish(),
});
export type ShopifyOrder = z.infer<typeof ShopifyOrder>;

export const ShopifyRefund = z.looseObject({
  id,
  order_id: id,
  created_at: z.string(),
  processed_at: z.string().nullish(),
  transactions: z
    .array(z.looseObject({ kind: z.string(), status: z.string().nullish(), amount: decimal, currency: z.string().nullish() }))
    .nullish(),
  refund_line_items: z
    .array(
      z.looseObject({
        quantity: z.number().int().nonnegative(),
        subtotal: decimal.nullish(),
        line_item: ShopifyLineItem.partial({ price: true, quantity: true }).nullish(),
      }),
    )
    .nullish(),
});
export type ShopifyRefund = z.infer<typeof ShopifyRefund>;

export interface ShopifyMappingOptions {
  /** `X-Shopify-Shop-Domain`; becomes the storeId of online orders so several shops stay apart. */
  shopDomain?: string;
  /** Orders with `test: true` (test notifications, bogus-gateway orders) are ignored unless this is set. */
  includeTestOrders?: boolean;
}

/** The numeric tail of a `gid://shopify/Order/123` id: exact even when the JSON number was rounded. */
function gidNumber(gid: string | null | undefined): string | undefined {
  const match = gid?.match(/\/(\d+)$/);
  return match?.[1];
}

/** `sku` when the merchant set one, else the variant, product or line id: PurchaseInput needs a stable key. */
function itemSku(item: ShopifyLineItem): string | undefined {
  const sku = nonEmpty(item.sku);
  if (sku !== undefined) return truncate(sku, 128);
  if (item.variant_id != null) return `variant-${item.variant_id}`;
  if (item.product_id != null) return `product-${item.product_id}`;
  if (item.id !== undefined) return `line-${item.id}`;
  return undefined;
}

function toItem(item: ShopifyLineItem, quantity: number, unitPrice: number) {
  const name = nonEmpty(item.title) ?? nonEmpty(item.name);
  const category = nonEmpty(item.product_type);
  return {
    sku: itemSku(item) ?? 'unknown',
    ...(name === undefined ? {} : { name: truncate(name, 256) }),
    ...(category === undefined ? {} : { category: truncate(category, 128) }),
    quantity,
    unitPrice,
  };
}

/**
 * orders/create → purchase.
 * - orderId: the order id as a string (from `admin_graphql_api_id` when present: exact whatever the parser).
 * - customerId: `customer.id`; without a customer (guest checkout) the hashed e-mail (`emailCustomerId`) of
 *   `customer.email`, `email` or `contact_email`; with neither the order cannot be attributed → ignored.
 * - occurredAt: `created_at` normalised to UTC; total and currency: `total_price` in the shop currency
 *   (after discounts, what the customer paid).
 * - channel: `pos` for Shopify POS orders (`source_name: "pos"`, storeId = `location_id`), else `shop`.
 * - Ignored: test orders (unless `includeTestOrders`) and orders that arrive already cancelled.
 */
export function mapShopifyOrder(body: unknown, options: ShopifyMappingOptions = {}): WebhookMapping {
  const parsed = ShopifyOrder.safeParse(body);
  if (!parsed.success) return { kind: 'invalid', errors: issuesOf(parsed.error) };
  const order = parsed.data;
  if (order.test === true && options.includeTestOrders !== true) {
    return { kind: 'ignored', reason: 'test_order', detail: 'test orders are not recorded' };
  }
  if (nonEmpty(order.cancelled_at) !== undefined) {
    return { kind: 'ignored', reason: 'cancelled', detail: `order was cancelled at ${order.cancelled_at}` };
  }
  const identity = shopifyIdentity(order);
  if (identity === undefined) {
    return { kind: 'ignored', reason: 'no_customer', detail: 'guest order without customer or e-mail cannot be attributed' };
  }
  const occurredAt = isoInstant(order.created_at);
  if (occurredAt === undefined) return { kind: 'invalid', errors: ['created_at: not a date'] };

  const isPos = order.source_name === 'pos';
  const storeId = isPos ? order.location_id ?? undefined : options.shopDomain;
  const discountCodes: DiscountCode[] = (order.discount_codes ?? [])
    .map((d) => ({ code: d.code.trim(), amount: d.amount ?? 0 }))
    .filter((d) => d.code !== '');

  return asPurchase(
    {
      orderId: foreignId(gidNumber(order.admin_graphql_api_id) ?? order.id),
      source: 'shopify',
      customerId: fallbackCustomerId(identity.ref),
      occurredAt,
      total: order.total_price,
      currency: order.currency,
      ...(storeId === undefined ? {} : { storeId }),
      channel: isPos ? 'pos' : 'shop',
      type: 'purchase',
      // Removed lines stay in line_items with quantity 0; they were not bought.
      items: order.line_items.filter((item) => item.quantity > 0).map((item) => toItem(item, item.quantity, item.price)),
      couponCodes: discountCodes.map((d) => truncate(d.code, 64)),
    },
    discountCodes,
    identity,
  );
}

/** The Shopify customer (`shopify` identity), else the guest's e-mail; the customerId is its fallback. */
export function shopifyIdentity(order: ShopifyOrder): OrderIdentity | undefined {
  const customer = order.customer;
  const exact = gidNumber(customer?.admin_graphql_api_id) ?? customer?.id ?? undefined;
  const email = nonEmpty(customer?.email) ?? nonEmpty(order.email) ?? nonEmpty(order.contact_email);
  return orderIdentity('shopify', exact === undefined ? undefined : foreignId(exact), email);
}

/** The order a refund belongs to: look up its purchase (source `shopify`) before calling `mapShopifyRefund`. */
export function shopifyRefundOrderId(body: unknown): string | undefined {
  const parsed = ShopifyRefund.safeParse(body);
  return parsed.success ? foreignId(parsed.data.order_id) : undefined;
}

export interface OriginalOrder {
  customerId: string;
  currency: string;
}

/**
 * refunds/create → a `type: 'refund'` purchase. A refund body names neither customer nor currency, so the
 * caller passes the original order's (undefined → ignored: a refund for an order winback never saw).
 * orderId is `refund-<refund id>` (refund and order ids are separate sequences), total is the money actually
 * returned — successful `refund` transactions — or, for refunds without transactions, the refunded lines'
 * subtotal; a refund of nothing (restock only) is ignored.
 */
export function mapShopifyRefund(body: unknown, original: OriginalOrder | undefined, options: ShopifyMappingOptions = {}): WebhookMapping {
  const parsed = ShopifyRefund.safeParse(body);
  if (!parsed.success) return { kind: 'invalid', errors: issuesOf(parsed.error) };
  const refund = parsed.data;
  if (original === undefined) {
    return { kind: 'ignored', reason: 'unknown_original_order', detail: `no purchase recorded for order ${refund.order_id}` };
  }
  const occurredAt = isoInstant(refund.processed_at ?? refund.created_at);
  if (occurredAt === undefined) return { kind: 'invalid', errors: ['created_at: not a date'] };

  const refunded = (refund.transactions ?? []).filter((t) => t.kind === 'refund' && (t.status ?? 'success') === 'success');
  const currency = refunded.find((t) => nonEmpty(t.currency) !== undefined)?.currency ?? original.currency;
  const lines = (refund.refund_line_items ?? []).filter((line) => line.quantity > 0);
  // Sum in integer cents-like units to avoid 0.1 + 0.2; the schema check below rejects real excess decimals.
  const sum = (values: number[]) => values.reduce((acc, v) => acc + Math.round(v * 1e6), 0) / 1e6;
  const total = refunded.length > 0 ? sum(refunded.map((t) => t.amount)) : sum(lines.map((line) => line.subtotal ?? 0));
  if (!(total > 0)) return { kind: 'ignored', reason: 'zero_amount', detail: 'the refund returns no money' };

  const items = lines.flatMap((line) =>
    line.line_item == null || line.line_item.price === undefined
      ? []
      : [toItem({ ...line.line_item, price: line.line_item.price, quantity: line.quantity }, line.quantity, line.line_item.price)],
  );
  return asPurchase(
    {
      orderId: foreignId(`refund-${refund.id}`),
      source: 'shopify',
      customerId: original.customerId,
      occurredAt,
      total,
      currency,
      ...(options.shopDomain === undefined ? {} : { storeId: options.shopDomain }),
      channel: 'shop',
      type: 'refund',
      originalOrderId: foreignId(refund.order_id),
      items,
    },
    [],
  );
}
