import { parseDay } from '../analytics/days.js';
import { addTallies, emptyTallies, type CounterDocument, type Tallies } from './counters.js';

/** Which counters a KPI read looks at: every filter is on a pre-treatment attribute, so arms stay comparable. */
export interface CounterFilter {
  version?: number;
  segment?: string;
  channel?: string;
  /** entry days, inclusive, YYYY-MM-DD */
  from?: string;
  to?: string;
}

export function filterCounters(counters: readonly CounterDocument[], filter: CounterFilter): CounterDocument[] {
  return counters.filter(
    (c) =>
      (filter.version === undefined || c.version === filter.version) &&
      (filter.segment === undefined || c.segment === filter.segment) &&
      (filter.channel === undefined || c.channel === filter.channel) &&
      (filter.from === undefined || c.entryDay >= filter.from) &&
      (filter.to === undefined || c.entryDay <= filter.to),
  );
}

/** One arm's counters summed. Money in minor units. */
export interface ArmTotals extends Tallies {
  arm: string;
  revenueMinor: number;
  preSpendMinor: number;
  /** true/false when the enrolled events said whether the arm issues a coupon; null when they did not */
  issuesCoupon: boolean | null;
  /** enrolled customers whose attribution window has not closed yet */
  openWindows: number;
}

/**
 * Sums counters per arm. `todayEpochDay` decides open windows: an entry day's windows may stay open until
 * the day after entryDay + attributionDays (entries late in the day).
 */
export function totalsByArm(counters: readonly CounterDocument[], todayEpochDay: number): Map<string, ArmTotals> {
  const arms = new Map<string, ArmTotals>();
  for (const c of counters) {
    const t = arms.get(c.arm) ?? { arm: c.arm, ...emptyTallies(), revenueMinor: 0, preSpendMinor: 0, issuesCoupon: null, openWindows: 0 };
    addTallies(t, c);
    if (c.armIssuesCoupon !== null) t.issuesCoupon = (t.issuesCoupon ?? false) || c.armIssuesCoupon;
    const entry = parseDay(c.entryDay);
    if (entry !== undefined && entry + c.attributionDays + 1 > todayEpochDay) t.openWindows += c.enrolled;
    arms.set(c.arm, t);
  }
  for (const t of arms.values()) {
    t.revenueMinor = Object.values(t.revenue).reduce((s, b) => s + b[1], 0);
    t.preSpendMinor = Object.values(t.revenue).reduce((s, b) => s + b[3], 0);
  }
  return arms;
}
