import { z } from 'zod';

/**
 * What the KPI read model learns, one message per fact, on the `kpi-events` queue (consumer: `kpis-record`).
 * Journeys send `enrolled`, `messaged` and `couponIssued`; the journeys' purchase handling sends `purchase`
 * (also refunds, as negative amounts) for every enrollment of the customer whose attribution window is open or
 * could still be reached by a late `occurredAt`; redemptions send `couponRedeemed`.
 * Every event names its enrollment; `eventId` is deterministic so a redelivered or duplicated fact is counted
 * once (the consumer records applied eventIds on the per-enrollment outcome document).
 * Money is integer minor units with its currency, as in the purchases container.
 */
const base = {
  eventId: z.string().min(1).max(512),
  journeyId: z.string().min(1).max(128),
  enrollmentId: z.string().min(1).max(512),
  customerId: z.string().min(1).max(512),
};

/** A journey's coupon redeemed (sent by the redemption paths; also carried on redemption-events messages). */
export const CouponRedeemedEvent = z.object({
  ...base,
  type: z.literal('couponRedeemed'),
  code: z.string().min(1),
  /** The coupon's redemption (its internal id), which a rollback names; absent in events from before rollbacks were reported. */
  redemptionId: z.string().min(1).optional(),
  discountMinor: z.number().int().min(0),
  currency: z.string().length(3),
  at: z.iso.datetime({ offset: true }),
});
export type CouponRedeemedEvent = z.infer<typeof CouponRedeemedEvent>;

/** A journey's coupon redemption rolled back (a return): it no longer counts as redeemed. */
export const CouponRedemptionRolledBackEvent = z.object({
  ...base,
  type: z.literal('couponRedemptionRolledBack'),
  code: z.string().min(1),
  redemptionId: z.string().min(1),
  at: z.iso.datetime({ offset: true }),
});

export const KpiEvent = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('enrolled'),
    version: z.number().int().min(1),
    /** Arm name, or 'control' for the holdout. */
    arm: z.string().min(1).max(64),
    enteredAt: z.iso.datetime({ offset: true }),
    attributionDays: z.number().int().min(1).max(365),
    /** Segment at entry (null when the customer had none). */
    segment: z.string().nullable(),
    /** The customer's net spend in the 90 days before entry (CUPED covariate), recorded at enrollment. */
    preSpendMinor: z.number().int(),
    currency: z.string().length(3).nullable(),
    analysis: z.enum(['fixedHorizon', 'sequential']).default('fixedHorizon'),
    /**
     * Optional (added by the KPI read model): the channel the journey planned for the customer at entry
     * (e.g. their preferred channel with consent), a pre-treatment attribute, so `GET /api/kpis?channel=`
     * selects the same kind of customer in every arm, holdout included.
     */
    channel: z.string().min(1).max(32).nullable().optional(),
    /** Optional: the configured split of this version, arm name (and 'control') → weight, for the sample-ratio check. */
    split: z.record(z.string().min(1).max(64), z.number().min(0)).optional(),
    /** Optional: whether this arm's steps issue a coupon (message + coupon vs message only in three-arm journeys). */
    armIssuesCoupon: z.boolean().optional(),
  }),
  z.object({ ...base, type: z.literal('messaged'), channel: z.string().min(1).max(32), at: z.iso.datetime({ offset: true }) }),
  z.object({ ...base, type: z.literal('couponIssued'), code: z.string().min(1), offerId: z.string().min(1), at: z.iso.datetime({ offset: true }) }),
  CouponRedeemedEvent,
  CouponRedemptionRolledBackEvent,
  z.object({
    ...base,
    type: z.literal('purchase'),
    orderId: z.string().min(1),
    source: z.string().min(1),
    /** Net amount: negative for a refund. */
    amountMinor: z.number().int(),
    currency: z.string().length(3),
    occurredAt: z.iso.datetime({ offset: true }),
    refund: z.boolean().default(false),
  }),
]);
export type KpiEvent = z.infer<typeof KpiEvent>;
