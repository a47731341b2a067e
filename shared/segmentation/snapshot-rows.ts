import { fromMinorUnits } from '../money.js';
import { round6, type CsvValue } from './csv.js';
import type { ScoredCustomer } from './record.js';

/**
 * One customer's row of a snapshot part, in the order of `snapshotColumns`; money in major units of the
 * run's currency. `stored` is what the run found or left on the customer (undefined: the customer was left
 * alone because a later run scored them already), which fills previousSegment and segmentChanged.
 */
export function snapshotRow(s: ScoredCustomer, stored: { from: string | null } | undefined): CsvValue[] {
  const a = s.analytics;
  const currency = a.currency;
  const money = (minor: number) => (currency ? fromMinorUnits(Math.round(minor), currency) : Math.round(minor));
  const from = stored?.from ?? null;
  return [
    s.customerId,
    s.segment,
    stored === undefined ? null : from,
    stored === undefined ? null : from !== s.segment,
    a.rfm.recency,
    a.rfm.frequency,
    a.rfm.monetary,
    a.rfm.code,
    a.x,
    a.txDays,
    a.TDays,
    a.daysSinceLastPurchase,
    a.purchaseDays,
    money(a.totalSpendMinor),
    round6(a.pAlive),
    round6(a.expectedPurchases90d),
    money(a.expectedAovMinor),
    money(a.clv12mMinor),
    currency,
    a.churnRisk.atRisk,
    a.churnRisk.lowPAlive,
    a.churnRisk.overdue,
    round6(a.churnRisk.overdueAfterDays),
    a.typicalIntervalDays,
    round6(a.couponUsageRate),
    a.topCategory,
  ];
}
