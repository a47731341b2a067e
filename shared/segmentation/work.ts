import { z } from 'zod';
import { formatDay, summaryColumnsFrom, type CustomerSummary, type SummaryColumns } from '../analytics/index.js';

/**
 * What pass 1 keeps of a shard for pass 2: its customers' summaries, columnar JSON in Blob. Pass 2 scores
 * exactly the base the statistics were built from (a purchase ingested between the passes cannot make the
 * cut points and the scores disagree), and Cosmos is scanned once per run, not twice.
 */
const ints = z.array(z.number().int());
export const ShardWork = z.object({
  version: z.literal(1),
  runId: z.string(),
  shard: z.number().int(),
  asOfDay: z.number().int(),
  customers: z.array(z.string()),
  firstDay: ints,
  lastDay: ints,
  purchaseDays: ints,
  repeatSpendMinor: z.array(z.number()),
  totalSpendMinor: z.array(z.number()),
  medianGapDays: z.array(z.number().nullable()),
  orders: ints,
  couponOrders: ints,
  topCategory: z.array(z.string().nullable()),
  currencies: z.array(z.string()),
});
export type ShardWork = z.infer<typeof ShardWork>;

/** The category with the largest share of net spend; ties go to the alphabetically first (deterministic). */
export function topCategory(affinity: Record<string, number>): string | null {
  let best: string | null = null;
  let bestShare = -Infinity;
  for (const [category, share] of Object.entries(affinity)) {
    if (share > bestShare || (share === bestShare && best !== null && category < best)) {
      best = category;
      bestShare = share;
    }
  }
  return best;
}

/** Customers in id order, so a shard's CSV part and its statistics do not depend on query order. */
export function shardWork(
  runId: string,
  shard: number,
  asOfDay: number,
  summaries: readonly CustomerSummary[],
  currencies: Iterable<string>,
): ShardWork {
  const sorted = [...summaries].sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
  const columns = summaryColumnsFrom(sorted, asOfDay);
  return {
    version: 1,
    runId,
    shard,
    asOfDay,
    customers: sorted.map((s) => s.customerId),
    firstDay: Array.from(columns.firstDay),
    lastDay: Array.from(columns.lastDay),
    purchaseDays: Array.from(columns.purchaseDays),
    repeatSpendMinor: Array.from(columns.repeatSpendMinor),
    totalSpendMinor: Array.from(columns.totalSpendMinor),
    medianGapDays: Array.from(columns.medianGapDays, (v) => (Number.isNaN(v) ? null : v)),
    orders: Array.from(columns.orders),
    couponOrders: Array.from(columns.couponOrders),
    topCategory: sorted.map((s) => topCategory(s.categoryAffinity)),
    currencies: [...new Set(currencies)].sort(),
  };
}

export function workColumns(work: ShardWork): SummaryColumns {
  const n = work.customers.length;
  return {
    asOfDay: work.asOfDay,
    length: n,
    customer: Int32Array.from({ length: n }, (_, i) => i),
    firstDay: Int32Array.from(work.firstDay),
    lastDay: Int32Array.from(work.lastDay),
    purchaseDays: Int32Array.from(work.purchaseDays),
    repeatSpendMinor: Float64Array.from(work.repeatSpendMinor),
    totalSpendMinor: Float64Array.from(work.totalSpendMinor),
    medianGapDays: Float64Array.from(work.medianGapDays, (v) => v ?? Number.NaN),
    orders: Int32Array.from(work.orders),
    couponOrders: Int32Array.from(work.couponOrders),
  };
}

export { formatDay };
