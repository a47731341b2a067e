import { z } from 'zod';

/**
 * What a run keeps on the customer document (next to the profile, which it never touches): the scores under
 * `analytics`, plus `segment`, `segmentSince` and `previousSegment` at the top level for queries and journeys.
 */
export const CustomerAnalytics = z.object({
  runId: z.string(),
  asOf: z.string(),
  computedAt: z.string(),
  /** The segment the customer had before this run (null on a first assignment); kept so a redelivery can
   * count the movement and re-send the event it may have sent. */
  segmentFrom: z.string().nullable(),
  timeUnit: z.enum(['day', 'week']),
  firstPurchaseDay: z.string(),
  lastPurchaseDay: z.string(),
  purchaseDays: z.number().int(),
  /** BTYD summary in whole days. */
  x: z.number().int(),
  txDays: z.number().int(),
  TDays: z.number().int(),
  daysSinceLastPurchase: z.number().int(),
  totalSpendMinor: z.number().int(),
  repeatAovMinor: z.number().nullable(),
  typicalIntervalDays: z.number().nullable(),
  couponUsageRate: z.number(),
  topCategory: z.string().nullable(),
  currency: z.string().nullable(),
  rfm: z.object({ recency: z.number().int(), frequency: z.number().int(), monetary: z.number().int(), code: z.string() }),
  pAlive: z.number(),
  expectedPurchases90d: z.number(),
  expectedAovMinor: z.number().int(),
  clv12mMinor: z.number().int(),
  churnRisk: z.object({ atRisk: z.boolean(), lowPAlive: z.boolean(), overdue: z.boolean(), overdueAfterDays: z.number() }),
});
export type CustomerAnalytics = z.infer<typeof CustomerAnalytics>;

/** The segmentation fields as read from a customer document (all optional: older or profile-only docs). */
export interface StoredSegmentation {
  analytics?: { runId?: string; asOf?: string; segmentFrom?: string | null } | undefined;
  segment?: string | undefined;
  segmentSince?: string | undefined;
  previousSegment?: string | null | undefined;
  /** Written by the delivery-events consumer; segment rules can use its rates. */
  engagement?: { engagementRate?: number | null; couponRedemptionRate?: number | null } | undefined;
}

export type CustomerDecision =
  /** A previous delivery of this shard already stamped the customer: nothing to write, event already sent. */
  | { kind: 'already_done'; from: string | null; to: string; changed: boolean }
  /** A run with a later asOf already scored this customer (a backtest must not overwrite the present). */
  | { kind: 'newer_exists' }
  | {
      kind: 'write';
      from: string | null;
      to: string;
      changed: boolean;
      segmentSince: string;
      previousSegment: string | null;
    };

/**
 * Decides what a run does with one customer. A segment change (including the first assignment, from null)
 * moves the old segment to `previousSegment` and starts `segmentSince` at the run's asOf; otherwise both stay.
 */
export function decideCustomerUpdate(
  stored: StoredSegmentation | undefined,
  run: { runId: string; asOf: string },
  segment: string,
): CustomerDecision {
  const analytics = stored?.analytics;
  if (analytics?.runId === run.runId) {
    const from = analytics.segmentFrom ?? null;
    return { kind: 'already_done', from, to: segment, changed: from !== segment };
  }
  if (analytics?.asOf !== undefined && analytics.asOf > run.asOf) return { kind: 'newer_exists' };
  const from = stored?.segment ?? null;
  if (from === segment) {
    return {
      kind: 'write',
      from,
      to: segment,
      changed: false,
      segmentSince: stored?.segmentSince ?? run.asOf,
      previousSegment: stored?.previousSegment ?? null,
    };
  }
  return { kind: 'write', from, to: segment, changed: true, segmentSince: run.asOf, previousSegment: from };
}

/** Key of a movement count: "at_risk→lost"; a first assignment comes from "none". */
export function movementKey(from: string | null, to: string): string {
  return `${from ?? 'none'}→${to}`;
}
