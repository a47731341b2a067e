import type { Container } from '@azure/cosmos';
import { parseDay } from '../analytics/days.js';
import type { Coupon } from '../coupons/coupon.js';
import type { Trigger } from './definition.js';
import { enroll, type JourneyDeps } from './engine.js';
import type { EnrollmentTrigger } from './enrollment.js';
import { localDate } from './local-time.js';

/**
 * The time-based triggers (inactiveDays, birthday, couponExpiring), run by the hourly `journeys-scan` timer.
 * Each candidate enters under a key that names the occasion (the last purchase day, the birthday's year,
 * the coupon code), so the scans of a whole day enroll each occasion once; re-entry rules still apply.
 */
export interface InactiveCandidate {
  customerId: string;
  lastPurchaseDay: string;
  typicalIntervalDays: number | null;
}

export interface ScanSource {
  /** Customers whose last purchase was on this retailer-zone day (fixed thresholds). */
  lastPurchasedOn(day: string): Promise<InactiveCandidate[]>;
  /** Customers with a typical gap (gap-multiple thresholds). */
  withTypicalInterval(): Promise<InactiveCandidate[]>;
  /** Customers whose birthday is on one of these month-days ("MM-DD"), with their time zone. */
  birthdaysOn(monthDays: readonly string[]): Promise<{ customerId: string; birthday: string; timeZone: string | null }[]>;
  /** Unredeemed, unreleased coupons expiring in (from, to]. */
  couponsExpiring(from: Date, to: Date): Promise<Coupon[]>;
}

const dayMs = 86_400_000;

function addDays(day: string, days: number): string {
  return new Date((parseDay(day)! + days) * dayMs).toISOString().slice(0, 10);
}

/** The trigger key when the customer's inactivity reaches the threshold today, else undefined (pure). */
export function inactiveKey(trigger: Extract<Trigger, { type: 'inactiveDays' }>, today: string, candidate: InactiveCandidate): string | undefined {
  const since = parseDay(today)! - (parseDay(candidate.lastPurchaseDay) ?? Number.NaN);
  const threshold = trigger.days ?? (candidate.typicalIntervalDays === null ? undefined : Math.ceil((trigger.gapMultiple ?? 1) * candidate.typicalIntervalDays));
  if (threshold === undefined || !(since === threshold)) return undefined;
  return `inactive:${candidate.lastPurchaseDay}`;
}

/** The key when the birthday is `daysBefore` days after today in the customer's zone (29 Feb → 28 Feb in other years). */
export function birthdayKey(daysBefore: number, now: Date, timeZone: string, birthday: string): string | undefined {
  const target = addDays(localDate(now, timeZone), daysBefore);
  const year = Number(target.slice(0, 4));
  let monthDay = birthday.slice(5);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (monthDay === '02-29' && !leap) monthDay = '02-28';
  return target.slice(5) === monthDay ? `birthday:${year}` : undefined;
}

/** Whether a coupon is due for its reminder: within the window, and not issued inside it already. */
export function couponExpiringDue(trigger: Extract<Trigger, { type: 'couponExpiring' }>, now: Date, coupon: Pick<Coupon, 'expiresAt' | 'issuedAt' | 'offerId' | 'status'>): boolean {
  const expires = Date.parse(coupon.expiresAt);
  const window = trigger.hoursBefore * 3_600_000;
  if (coupon.status !== 'issued' || expires <= now.getTime() || expires - now.getTime() > window) return false;
  if (expires - Date.parse(coupon.issuedAt) <= window) return false;
  return trigger.offers === undefined || trigger.offers.includes(coupon.offerId);
}

export interface ScanSummary {
  journeyId: string;
  candidates: number;
  enrolled: number;
}

export async function scanTimeTriggers(deps: JourneyDeps & { scan: ScanSource }, now: Date): Promise<ScanSummary[]> {
  const journeys = (await deps.journeys.list()).filter((j) => j.status === 'active');
  const summaries: ScanSummary[] = [];
  const today = localDate(now, deps.retailerTimeZone);
  for (const journey of journeys) {
    const t = journey.definition.trigger;
    const entries: { customerId: string; trigger: EnrollmentTrigger; reason: string }[] = [];
    switch (t.type) {
      case 'inactiveDays': {
        const candidates = t.days !== undefined ? await deps.scan.lastPurchasedOn(addDays(today, -t.days)) : await deps.scan.withTypicalInterval();
        for (const c of candidates) {
          const key = inactiveKey(t, today, c);
          if (key) entries.push({ customerId: c.customerId, trigger: { type: t.type, key }, reason: `inactive since ${c.lastPurchaseDay}` });
        }
        break;
      }
      case 'birthday': {
        const monthDays = [-1, 0, 1].map((d) => addDays(today, d + t.daysBefore).slice(5));
        if (monthDays.includes('02-28')) monthDays.push('02-29');
        for (const c of await deps.scan.birthdaysOn(monthDays)) {
          const key = birthdayKey(t.daysBefore, now, c.timeZone ?? deps.retailerTimeZone, c.birthday);
          if (key) entries.push({ customerId: c.customerId, trigger: { type: t.type, key }, reason: `birthday ${c.birthday.slice(5)}${t.daysBefore > 0 ? ` in ${t.daysBefore} days` : ''}` });
        }
        break;
      }
      case 'couponExpiring': {
        for (const coupon of await deps.scan.couponsExpiring(now, new Date(now.getTime() + t.hoursBefore * 3_600_000))) {
          if (!couponExpiringDue(t, now, coupon)) continue;
          entries.push({ customerId: coupon.customerId, trigger: { type: t.type, key: `expiring:${coupon.code}`, code: coupon.code }, reason: `coupon ${coupon.code} expires ${coupon.expiresAt}` });
        }
        break;
      }
      default:
        continue;
    }
    let enrolled = 0;
    for (const entry of entries) {
      const outcome = await enroll(deps, journey, entry.customerId, entry.trigger, now, { applyAudience: true, reason: entry.reason });
      if (outcome.kind === 'enrolled') enrolled++;
    }
    summaries.push({ journeyId: journey.journeyId, candidates: entries.length, enrolled });
  }
  return summaries;
}

/** The scans on Cosmos: cross-partition queries, run hourly by one timer. */
export class CosmosScanSource implements ScanSource {
  constructor(
    private readonly customers: Container,
    private readonly coupons: Container,
  ) {}

  private async all<T>(query: string, parameters: { name: string; value: string }[]): Promise<T[]> {
    const out: T[] = [];
    const iterator = this.customers.items.query<T>({ query, parameters }, { maxItemCount: 1000 });
    for await (const page of iterator.getAsyncIterator()) out.push(...page.resources);
    return out;
  }

  lastPurchasedOn(day: string): Promise<InactiveCandidate[]> {
    return this.all(
      'SELECT c.id AS customerId, c.analytics.lastPurchaseDay AS lastPurchaseDay, c.analytics.typicalIntervalDays AS typicalIntervalDays FROM c WHERE c.analytics.lastPurchaseDay = @day',
      [{ name: '@day', value: day }],
    );
  }

  async withTypicalInterval(): Promise<InactiveCandidate[]> {
    const rows = await this.all<InactiveCandidate>(
      'SELECT c.id AS customerId, c.analytics.lastPurchaseDay AS lastPurchaseDay, c.analytics.typicalIntervalDays AS typicalIntervalDays FROM c WHERE IS_DEFINED(c.analytics.typicalIntervalDays) AND c.analytics.typicalIntervalDays != null',
      [],
    );
    return rows.filter((r) => typeof r.lastPurchaseDay === 'string');
  }

  async birthdaysOn(monthDays: readonly string[]): Promise<{ customerId: string; birthday: string; timeZone: string | null }[]> {
    const out: { customerId: string; birthday: string; timeZone: string | null }[] = [];
    for (const monthDay of monthDays) {
      const rows = await this.all<{ customerId: string; birthday: string; timeZone?: string }>('SELECT c.id AS customerId, c.birthday, c.timeZone FROM c WHERE IS_DEFINED(c.birthday) AND CONTAINS(c.birthday, @md)', [{ name: '@md', value: `-${monthDay}` }]);
      for (const r of rows) if (r.birthday.slice(5) === monthDay) out.push({ customerId: r.customerId, birthday: r.birthday, timeZone: r.timeZone ?? null });
    }
    return out;
  }

  async couponsExpiring(from: Date, to: Date): Promise<Coupon[]> {
    const out: Coupon[] = [];
    const iterator = this.coupons.items.query<Coupon>(
      {
        query: "SELECT * FROM c WHERE c.type = 'coupon' AND c.status = 'issued' AND c.expiresAt > @from AND c.expiresAt <= @to AND NOT IS_DEFINED(c.reservationReleased)",
        parameters: [
          { name: '@from', value: from.toISOString() },
          { name: '@to', value: to.toISOString() },
        ],
      },
      { maxItemCount: 1000 },
    );
    for await (const page of iterator.getAsyncIterator()) out.push(...page.resources);
    return out;
  }
}
