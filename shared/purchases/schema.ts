import { z } from 'zod';
import { CustomerId, OrderId } from '../ids.js';
import { isKnownCurrency, toMinorUnits } from '../money.js';

/** How far into the future a purchase timestamp may lie: tills and shop servers drift. */
export const maxClockSkewMs = 5 * 60 * 1000;
export const maxBatchSize = 1000;

const isoInstant = z.iso.datetime({ offset: true });
const identifier = z.string().trim().min(1).max(128);

export const PurchaseItemInput = z.strictObject({
  sku: identifier,
  name: z.string().max(256).optional(),
  category: z.string().trim().min(1).max(128).optional(),
  quantity: z.number().positive().max(1_000_000),
  unitPrice: z.number().nonnegative().max(1e9),
});
export type PurchaseItemInput = z.infer<typeof PurchaseItemInput>;

export const PurchaseInput = z
  .strictObject({
    orderId: OrderId,
    source: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'lowercase letters, digits, "_", "." or "-", at most 64'),
    customerId: CustomerId,
    occurredAt: isoInstant,
    total: z.number().nonnegative().max(1e9),
    currency: z.string().refine(isKnownCurrency, 'not an ISO 4217 currency code'),
    storeId: identifier.optional(),
    channel: z.enum(['pos', 'shop', 'app', 'other']).optional(),
    type: z.enum(['purchase', 'refund']).default('purchase'),
    originalOrderId: OrderId.optional(),
    items: z.array(PurchaseItemInput).max(500).default([]),
    couponCodes: z.array(z.string().trim().min(1).max(64)).max(20).default([]),
  })
  .superRefine((p, ctx) => {
    if (p.type === 'refund' && p.originalOrderId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['originalOrderId'], message: 'required when type is "refund"' });
    }
    if (p.type === 'purchase' && p.originalOrderId !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['originalOrderId'], message: 'only allowed when type is "refund"' });
    }
    if (!isKnownCurrency(p.currency)) return;
    if (toMinorUnits(p.total, p.currency) === undefined) {
      ctx.addIssue({ code: 'custom', path: ['total'], message: `more decimals than ${p.currency} allows` });
    }
    p.items.forEach((item, index) => {
      if (toMinorUnits(item.unitPrice, p.currency) === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['items', index, 'unitPrice'],
          message: `more decimals than ${p.currency} allows`,
        });
      }
    });
  });
export type PurchaseInput = z.infer<typeof PurchaseInput>;

export const PurchaseBatchInput = z.strictObject({
  purchases: z.array(z.unknown()).min(1).max(maxBatchSize),
});

/** The stored form: exact money, a deterministic id so a replay lands on the same document. */
export const Purchase = z.object({
  id: z.string(),
  customerId: z.string(),
  /** customerBucket(customerId): lets segmentation shards query a slice of customers. */
  bucket: z.number().int(),
  orderId: z.string(),
  source: z.string(),
  occurredAt: z.string(),
  receivedAt: z.string(),
  totalMinor: z.number().int(),
  currency: z.string(),
  storeId: z.string().optional(),
  channel: z.enum(['pos', 'shop', 'app', 'other']).optional(),
  type: z.enum(['purchase', 'refund']),
  originalOrderId: z.string().optional(),
  items: z.array(
    z.object({
      sku: z.string(),
      name: z.string().optional(),
      category: z.string().optional(),
      quantity: z.number(),
      unitPriceMinor: z.number().int(),
    }),
  ),
  couponCodes: z.array(z.string()),
  /** sha256 of the canonical input; a replay with another body under the same key is a conflict. */
  contentHash: z.string(),
});
export type Purchase = z.infer<typeof Purchase>;
