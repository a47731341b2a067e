import { z } from 'zod';
import { foreignId } from '../ids.js';
import { fallbackCustomerId } from '../links/schema.js';
import { asPurchase, isoInstant, issuesOf, nonEmpty, orderIdentity, truncate, type DiscountCode, type OrderIdentity, type WebhookMapping } from './common.js';

/**
 * Shopware 6 app webhooks: `{ data: { event, payload }, source: { url, shopId, eventId, appVersion },
 * timestamp }`. For `checkout.order.placed` the payload holds the order entity. Loose schemas: only the
 * fields the mapping uses are validated.
 */

const number = z.number().refine(Number.isFinite, 'not a finite number');

export const ShopwareLineItem = z.looseObject({
  type: z.string().nullish(),
  label: z.string().nullish(),
  quantity: z.number().nonnegative(),
  unitPrice: number.nullish(),
  totalPrice: number.nullish(),
  identifier: z.string().nullish(),
  referencedId: z.string().nullish(),
  productId: z.string().nullish(),
  // PHP serialises an empty payload as [] rather than {}.
  payload: z.union([z.looseObject({ productNumber: z.string().nullish(), code: z.string().nullish() }), z.array(z.unknown())]).nullish(),
});
export type ShopwareLineItem = z.infer<typeof ShopwareLineItem>;

export const ShopwareOrder = z.looseObject({
  id: z.string().min(1),
  orderNumber: z.string().nullish(),
  orderDateTime: z.string(),
  amountTotal: number.nullish(),
  price: z.looseObject({ totalPrice: number }).nullish(),
  currency: z.looseObject({ isoCode: z.string() }).nullish(),
  orderCustomer: z
    .looseObject({
      customerNumber: z.string().nullish(),
      customerId: z.string().nullish(),
      email: z.string().nullish(),
      customer: z.looseObject({ guest: z.boolean().nullish() }).nullish(),
    })
    .nullish(),
  lineItems: z.array(ShopwareLineItem).nullish(),
  stateMachineState: z.looseObject({ technicalName: z.string() }).nullish(),
});
export type ShopwareOrder = z.infer<typeof ShopwareOrder>;

export const ShopwareWebhook = z.looseObject({
  data: z.looseObject({ event: z.string(), payload: z.looseObject({}) }),
  source: z.looseObject({ shopId: z.string().min(1), eventId: z.string().nullish(), url: z.string().nullish() }),
  timestamp: z.number().nullish(),
});
export type ShopwareWebhook = z.infer<typeof ShopwareWebhook>;

export const shopwareOrderPlaced = 'checkout.order.placed';

export interface ShopwareMappingOptions {
  /** Used when the order carries no `currency` association (only `currencyId`). */
  defaultCurrency?: string;
}

/**
 * The id to deduplicate a delivery on: `source.eventId` (Shopware ≥ 6.5 sends one per event and keeps it
 * across retries); older shops without it fall back to shop + event + order id, which a retry also repeats.
 */
export function shopwareDedupeId(body: unknown): string | undefined {
  const parsed = ShopwareWebhook.safeParse(body);
  if (!parsed.success) return undefined;
  const eventId = nonEmpty(parsed.data.source.eventId);
  if (eventId !== undefined) return eventId;
  const order = parsed.data.data.payload['order'];
  const orderId = typeof order === 'object' && order !== null && 'id' in order && typeof order.id === 'string' ? order.id : undefined;
  return orderId === undefined ? undefined : `${parsed.data.source.shopId}:${parsed.data.data.event}:${orderId}`;
}

function payloadField(item: ShopwareLineItem, field: 'productNumber' | 'code'): string | undefined {
  const payload = item.payload;
  if (payload == null || Array.isArray(payload)) return undefined;
  return nonEmpty(payload[field]);
}

/**
 * checkout.order.placed → purchase.
 * - orderId: the order's `id` (a UUID). `orderNumber` is only unique within one shop, and several shops
 *   feed the same `shopware` source; storeId is `source.shopId`.
 * - customerId: `orderCustomer.customerNumber` (what merchants sync with ERP and loyalty systems), else
 *   `customerId`. Guest accounts get a new number per order, so for guests — and when neither is present —
 *   the hashed e-mail is used (`emailCustomerId`, the same rule as Shopify). No identity at all → ignored.
 * - total: `amountTotal` (else `price.totalPrice`); currency: `currency.isoCode` (else the option default).
 * - items: product and custom line items with label, quantity and unit price; sku = `payload.productNumber`,
 *   else the product id. Category ids are UUIDs without names, so no category is set.
 * - discount codes: promotion line items with a `payload.code` (automatic promotions have none); the amount
 *   is the promotion line's absolute total.
 * - Ignored: other events and orders already cancelled.
 */
export function mapShopwareOrderPlaced(body: unknown, options: ShopwareMappingOptions = {}): WebhookMapping {
  const envelope = ShopwareWebhook.safeParse(body);
  if (!envelope.success) return { kind: 'invalid', errors: issuesOf(envelope.error) };
  const { data, source } = envelope.data;
  if (data.event !== shopwareOrderPlaced) {
    return { kind: 'ignored', reason: 'unsupported_event', detail: `event ${data.event} is not handled` };
  }
  const parsedOrder = ShopwareOrder.safeParse(data.payload['order']);
  if (!parsedOrder.success) return { kind: 'invalid', errors: issuesOf(parsedOrder.error).map((e) => `data.payload.order.${e}`) };
  const order = parsedOrder.data;

  if (order.stateMachineState?.technicalName === 'cancelled') {
    return { kind: 'ignored', reason: 'cancelled', detail: 'order is cancelled' };
  }
  const identity = shopwareIdentity(order);
  if (identity === undefined) {
    return { kind: 'ignored', reason: 'no_customer', detail: 'order without customer number, id or e-mail cannot be attributed' };
  }
  const occurredAt = isoInstant(order.orderDateTime);
  if (occurredAt === undefined) return { kind: 'invalid', errors: ['data.payload.order.orderDateTime: not a date'] };
  const currency = nonEmpty(order.currency?.isoCode) ?? options.defaultCurrency;
  if (currency === undefined) return { kind: 'invalid', errors: ['data.payload.order.currency: missing and no default currency configured'] };
  const total = order.amountTotal ?? order.price?.totalPrice;
  if (total == null) return { kind: 'invalid', errors: ['data.payload.order.amountTotal: missing'] };

  const lineItems = order.lineItems ?? [];
  const items = lineItems
    .filter((item) => (item.type === 'product' || item.type === 'custom') && item.quantity > 0 && (item.unitPrice ?? 0) >= 0)
    .map((item) => {
      const sku = payloadField(item, 'productNumber') ?? nonEmpty(item.productId) ?? nonEmpty(item.referencedId) ?? nonEmpty(item.identifier) ?? 'unknown';
      const name = nonEmpty(item.label);
      return {
        sku: truncate(sku, 128),
        ...(name === undefined ? {} : { name: truncate(name, 256) }),
        quantity: item.quantity,
        unitPrice: item.unitPrice ?? 0,
      };
    });
  const discountCodes: DiscountCode[] = lineItems.flatMap((item) => {
    const code = item.type === 'promotion' ? payloadField(item, 'code') : undefined;
    return code === undefined ? [] : [{ code, amount: Math.abs(item.totalPrice ?? 0) }];
  });

  return asPurchase(
    {
      orderId: foreignId(order.id),
      source: 'shopware',
      customerId: fallbackCustomerId(identity.ref),
      occurredAt,
      total,
      currency,
      storeId: truncate(source.shopId, 128),
      channel: 'shop',
      type: 'purchase',
      items,
      couponCodes: discountCodes.map((d) => truncate(d.code, 64)),
    },
    discountCodes,
    identity,
  );
}

/** The Shopware customer number (`shopware` identity); guests, and orders without a number, by e-mail. */
export function shopwareIdentity(order: ShopwareOrder): OrderIdentity | undefined {
  const customer = order.orderCustomer;
  const email = nonEmpty(customer?.email);
  if (customer?.customer?.guest === true && email !== undefined) return orderIdentity('shopware', undefined, email);
  const known = nonEmpty(customer?.customerNumber) ?? nonEmpty(customer?.customerId);
  return orderIdentity('shopware', known === undefined ? undefined : foreignId(known), email);
}
