import type { SegmentFields, SummaryColumns } from '../analytics/index.js';
import type { Scorer } from '../analytics/index.js';
import { formatDay } from '../analytics/days.js';
import type { CustomerAnalytics } from './customer-update.js';
import type { ShardWork } from './work.js';

/** One customer as pass 2 scored them: the segment and the scores that go onto the document and the CSV. */
export interface ScoredCustomer {
  customerId: string;
  segment: string;
  analytics: Omit<CustomerAnalytics, 'segmentFrom'>;
}

export interface RecordContext {
  runId: string;
  asOf: string;
  timeUnit: CustomerAnalytics['timeUnit'];
  currency: string | null;
  computedAt: string;
}

/**
 * Scores customer `i` of a shard's work file. Pure apart from the scorer's memo tables; `f` is scratch space
 * reused across calls. The profile-scores route calls it too (on a one-customer work file), so an answer
 * recomputed from a run's models is the same record the run computed.
 */
export function scoreCustomerAt(
  work: Pick<ShardWork, 'customers' | 'topCategory'>,
  columns: SummaryColumns,
  i: number,
  scorer: Scorer,
  f: SegmentFields,
  context: RecordContext,
  /** What delivery reports put on the customer document; only read when segment rules use it. */
  engagement?: { engagementRate?: number | null; couponRedemptionRate?: number | null },
): ScoredCustomer {
  const first = columns.firstDay[i]!;
  const last = columns.lastDay[i]!;
  const x = columns.purchaseDays[i]! - 1;
  const index = scorer.evaluate(
    {
      x,
      txDays: last - first,
      TDays: columns.asOfDay - first,
      repeatSpendMinor: columns.repeatSpendMinor[i]!,
      totalSpendMinor: columns.totalSpendMinor[i]!,
      medianGapDays: columns.medianGapDays[i]!,
      orders: columns.orders[i]!,
      couponOrders: columns.couponOrders[i]!,
      engagementRate: engagement?.engagementRate ?? null,
      couponRedemptionRate: engagement?.couponRedemptionRate ?? null,
    },
    f,
  );
  const rfm = { recency: f.recencyScore!, frequency: f.frequencyScore!, monetary: f.monetaryScore! };
  return {
    customerId: work.customers[i]!,
    segment: scorer.segmentNames[index]!,
    analytics: {
      runId: context.runId,
      asOf: context.asOf,
      computedAt: context.computedAt,
      timeUnit: context.timeUnit,
      firstPurchaseDay: formatDay(first),
      lastPurchaseDay: formatDay(last),
      purchaseDays: x + 1,
      x,
      txDays: last - first,
      TDays: columns.asOfDay - first,
      daysSinceLastPurchase: columns.asOfDay - last,
      totalSpendMinor: Math.round(columns.totalSpendMinor[i]!),
      repeatAovMinor: x > 0 ? columns.repeatSpendMinor[i]! / x : null,
      typicalIntervalDays: f.typicalIntervalDays,
      couponUsageRate: f.couponUsageRate!,
      topCategory: work.topCategory[i] ?? null,
      currency: context.currency,
      rfm: { ...rfm, code: `${rfm.recency}${rfm.frequency}${rfm.monetary}` },
      pAlive: f.pAlive!,
      expectedPurchases90d: f.expectedPurchases90d!,
      expectedAovMinor: f.expectedAovMinor!,
      clv12mMinor: f.clv12mMinor!,
      churnRisk: { ...scorer.lastChurn },
    },
  };
}
