import { z } from 'zod';
import { CouponRedeemedEvent } from '../kpis/events.js';
import { PurchaseInput } from '../purchases/schema.js';

/**
 * Body of a `redemption-events` message: what an API redemption still has to write after its commit point
 * (the coupon replace). Sent with `messageId = redemptionId`, so a replay of the redemption re-sends the same
 * message and duplicate detection drops it; the consumer is idempotent for the case it does not.
 */
export const RedemptionEvent = z.strictObject({
  type: z.literal('redemption.recorded'),
  code: z.string().min(1),
  redemptionId: z.string().min(1),
  offerId: z.string().min(1),
  /** The purchase as `POST /api/purchases` would take it (`redemptionPurchase`), at the redemption's time. */
  purchase: PurchaseInput,
  /**
   * Informational: the consumer applies the delta stored on the coupon's redemption, which is the truth
   * (a rollback may already have accounted for it).
   */
  budgetDeltaMinor: z.number().int(),
  /** The KPI fact to report, when the coupon was issued by a journey enrollment. */
  couponRedeemed: CouponRedeemedEvent.optional(),
});
export type RedemptionEvent = z.infer<typeof RedemptionEvent>;
