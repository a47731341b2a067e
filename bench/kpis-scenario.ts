import type { KpiEvent } from '../shared/kpis/events.js';
import { seededRandom } from './random.js';

/**
 * A day of KPI events for a three-arm journey (control / message / message + coupon), with the truth every
 * count must equal: purchases inside and outside the window, one sent late with an earlier occurredAt,
 * refunds, and a purchase before entry that must not count.
 */
export interface Scenario {
  events: KpiEvent[];
  truth: Record<string, { enrolled: number; reactivated: number; revenueMinor: number; messaged: number; couponsIssued: number; couponsRedeemed: number; discountMinor: number }>;
}

export const scenarioJourney = 'jr-winback';
const day = '2026-11-02';
const split = { control: 10, message: 45, coupon: 45 };

export function dayOfEvents(enrollments: number, seed = 1): Scenario {
  const random = seededRandom(seed);
  const events: KpiEvent[] = [];
  const truth: Scenario['truth'] = {};
  for (let i = 0; i < enrollments; i++) {
    const u = random.uniform();
    const arm = u < 0.1 ? 'control' : u < 0.55 ? 'message' : 'coupon';
    const customerId = `cust-${i}`;
    const enrollmentId = `${scenarioJourney}:${customerId}:1`;
    const base = { journeyId: scenarioJourney, enrollmentId, customerId };
    const minute = Math.floor(random.uniform() * 1440);
    const entered = new Date(Date.parse(`${day}T00:00:00Z`) + minute * 60_000);
    const t = (truth[arm] ??= { enrolled: 0, reactivated: 0, revenueMinor: 0, messaged: 0, couponsIssued: 0, couponsRedeemed: 0, discountMinor: 0 });
    t.enrolled++;
    const at = (hours: number) => new Date(entered.getTime() + hours * 3_600_000).toISOString();
    events.push({
      ...base,
      eventId: `${enrollmentId}:enrolled`,
      type: 'enrolled',
      version: 1,
      arm,
      enteredAt: entered.toISOString(),
      attributionDays: 30,
      segment: random.bernoulli(0.5) ? 'at_risk' : 'hibernating',
      channel: 'email',
      preSpendMinor: Math.round(random.logNormal(8, 1)),
      currency: 'EUR',
      analysis: 'fixedHorizon',
      split,
      armIssuesCoupon: arm === 'coupon',
    });
    if (arm !== 'control') {
      events.push({ ...base, eventId: `${enrollmentId}:send:day0`, type: 'messaged', channel: 'email', at: at(0) });
      t.messaged++;
      if (random.bernoulli(0.5)) events.push({ ...base, eventId: `${enrollmentId}:send:day7`, type: 'messaged', channel: 'email', at: at(24 * 7) });
    }
    let code: string | undefined;
    if (arm === 'coupon') {
      code = `WB-${i}`;
      events.push({ ...base, eventId: `${enrollmentId}:coupon`, type: 'couponIssued', code, offerId: 'winback-default', at: at(0) });
      t.couponsIssued++;
    }
    // A purchase before entry (sent because the window could still be reached): never counts.
    if (random.bernoulli(0.2)) {
      events.push({ ...base, eventId: `${enrollmentId}:pre`, type: 'purchase', orderId: `PRE-${i}`, source: 'pos', amountMinor: 1999, currency: 'EUR', occurredAt: new Date(entered.getTime() - 3_600_000).toISOString(), refund: false });
    }
    const rate = arm === 'control' ? 0.1 : arm === 'message' ? 0.15 : 0.25;
    if (random.bernoulli(rate)) {
      const amount = Math.round(random.logNormal(8.5, 0.8));
      const hours = random.uniform() * 24 * 29;
      const orderId = `ORD-${i}`;
      events.push({ ...base, eventId: `${enrollmentId}:purchase:${orderId}`, type: 'purchase', orderId, source: random.bernoulli(0.5) ? 'pos' : 'shopify', amountMinor: amount, currency: 'EUR', occurredAt: at(hours), refund: false });
      let net = amount;
      if (random.bernoulli(0.15)) {
        // Refund, part or whole, arriving whenever.
        const refund = random.bernoulli(0.5) ? amount : Math.round(amount / 3);
        events.push({ ...base, eventId: `${enrollmentId}:refund:${orderId}`, type: 'purchase', orderId, source: 'pos', amountMinor: -refund, currency: 'EUR', occurredAt: at(hours + 48), refund: true });
        net -= refund;
      }
      if (code && random.bernoulli(0.6)) {
        events.push({ ...base, eventId: `${enrollmentId}:redeem:${code}`, type: 'couponRedeemed', code, discountMinor: 500, currency: 'EUR', at: at(hours) });
        t.couponsRedeemed++;
        t.discountMinor += 500;
      }
      t.revenueMinor += net;
      if (net > 0) t.reactivated++;
    }
    // A purchase 40 days later: outside the 30-day window.
    if (random.bernoulli(0.1)) {
      events.push({ ...base, eventId: `${enrollmentId}:late`, type: 'purchase', orderId: `LATE-${i}`, source: 'shopware', amountMinor: 4999, currency: 'EUR', occurredAt: at(24 * 40), refund: false });
    }
  }
  return { events, truth };
}

/** The same events in a shuffled order with `duplicateShare` of them sent twice (fixed seed). */
export function shuffledWithDuplicates(events: readonly KpiEvent[], duplicateShare: number, seed = 2): KpiEvent[] {
  const random = seededRandom(seed);
  const out = [...events];
  for (const e of events) if (random.bernoulli(duplicateShare)) out.push(e);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random.uniform() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
