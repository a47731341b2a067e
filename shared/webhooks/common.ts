import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { normalizeCode, type CouponCode } from '../coupons/code.js';
import { redemptionId } from '../coupons/requests.js';
import type { CustomerRef } from '../links/schema.js';
import { PurchaseInput } from '../purchases/schema.js';

export interface DiscountCode {
  /** As the shop sent it; run it through `normalizeCode` to tell winback coupons from the shop's own codes. */
  code: string;
  /** Discount the shop applied for it, major units of the order currency (0 when the shop does not say). */
  amount: number;
}

/**
 * Who placed an order, as the shop knows them: the identity the customer is resolved through (shared/links;
 * `purchase.customerId` is its fallback customer) and the order's e-mail, which may link a new shop account
 * to a profile that verified that address.
 */
export interface OrderIdentity {
  ref: CustomerRef;
  email?: string | undefined;
}

export type WebhookMapping =
  | { kind: 'purchase'; purchase: PurchaseInput; discountCodes: DiscountCode[]; identity?: OrderIdentity }
  /** A well-formed payload that is deliberately not recorded (answer 200 so the shop stops retrying). */
  | { kind: 'ignored'; reason: IgnoredReason; detail: string }
  /** The payload is not what the topic promises; nothing is stored. */
  | { kind: 'invalid'; errors: string[] };

export type IgnoredReason =
  | 'test_order'
  | 'cancelled'
  | 'no_customer'
  | 'unsupported_event'
  | 'unknown_original_order'
  | 'zero_amount';

/**
 * Guests have no customer id but usually an e-mail address, and a guest who buys twice with the same
 * address is the same person for win-back. The address is lower-cased, trimmed and hashed so no personal
 * data ends up in ids, partition keys or logs; the same rule on every channel makes guests match across
 * shops.
 */
export function emailCustomerId(email: string): string {
  return 'email:' + createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

export function isoInstant(value: string): string | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Runs the mapped object through the same schema `POST /api/purchases` uses. */
export function asPurchase(candidate: unknown, discountCodes: DiscountCode[], identity?: OrderIdentity): WebhookMapping {
  const parsed = PurchaseInput.safeParse(candidate);
  if (!parsed.success) return { kind: 'invalid', errors: issuesOf(parsed.error) };
  return { kind: 'purchase', purchase: parsed.data, discountCodes, ...(identity === undefined ? {} : { identity }) };
}

/** A shop customer number if there is one, else the order's e-mail (a guest). */
export function orderIdentity(source: 'shopify' | 'shopware', customerNumber: string | undefined, email: string | undefined): OrderIdentity | undefined {
  if (customerNumber !== undefined) return { ref: { source, externalId: customerNumber }, email };
  if (email !== undefined) return { ref: { source: 'email', externalId: email.trim().toLowerCase() }, email };
  return undefined;
}

export function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
}

export function truncate(value: string, max: number): string {
  return value.length <= max ? value : value.slice(0, max);
}

export function nonEmpty(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/**
 * The winback coupons among an order's discount codes (the shop's own codes fail `normalizeCode` and are
 * skipped), each with a redemption id derived from (source, orderId, code): a replayed webhook, or the same
 * order arriving through two paths, lands on the same redemption.
 */
export function winbackRedemptions(purchase: PurchaseInput, discountCodes: readonly DiscountCode[]): { code: CouponCode; redemptionId: string; amount: number }[] {
  const seen = new Set<string>();
  const out: { code: CouponCode; redemptionId: string; amount: number }[] = [];
  for (const discount of discountCodes) {
    const normalized = normalizeCode(discount.code);
    if (!normalized.ok || seen.has(normalized.code)) continue;
    seen.add(normalized.code);
    out.push({ code: normalized.code, redemptionId: redemptionId(purchase.source, purchase.orderId, normalized.code), amount: discount.amount });
  }
  return out;
}
