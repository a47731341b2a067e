import { describe, expect, it } from 'vitest';
import { RevenueLedger } from '../../../cli/simulate/revenue.js';
import { purchaseRequests, type PlannedPurchase, type RevenueEffect, type SimRequest, type TrafficConfig } from '../../../cli/simulate/traffic.js';
import { dayMs, defaultRetailer, generateCustomers } from '../../../sim/retailer.js';

const retailer = defaultRetailer(200, 60, new Date('2026-01-05T00:00:00Z'));
const customers = generateCustomers(retailer, 3);
const enteredAt = Date.parse('2026-01-10T02:06:00Z');
const window: [number, number] = [enteredAt, enteredAt + 30 * dayMs];

/** Everything through the till (no Shopify secret), refunded or repeated as asked. */
const traffic = (refundShare: number, duplicateShare: number): TrafficConfig => ({ seed: 3, retailer, shopifyShare: 0, refundShare, duplicateShare });

function planned(opts: { day: number; totalMinor: number; couponCode?: string; effect?: Partial<RevenueEffect> }): PlannedPurchase {
  const customer = customers.find((c) => c.profile.timeZone === 'Europe/Berlin')!;
  return {
    customer,
    purchase: { day: opts.day, localMinute: 12 * 60, online: false, totalMinor: opts.totalMinor, items: [{ category: 'food', quantity: 1, unitPriceMinor: opts.totalMinor }] },
    key: `t${opts.day}`,
    ...(opts.couponCode ? { couponCode: opts.couponCode } : {}),
    ...(opts.effect ? { effect: { arm: 'message_coupon', window, counterfactualMinor: 0, ...opts.effect } } : {}),
  };
}

/** Books every request as the host accepted it: redemptions at `arrival` with `discount`, the rest at their time. */
function land(ledger: RevenueLedger, requests: SimRequest[], discountMinor: number, arrival = (r: SimRequest) => r.at.getTime()) {
  for (const r of requests) ledger.book(r, r.kind === 'redemption' ? arrival(r) : r.at.getTime(), r.kind === 'redemption' ? discountMinor : 0);
}

describe('RevenueLedger: what the journey added to an arm, against the world without it', () => {
  it('an induced purchase on the coupon adds what was paid: the basket minus the discount', () => {
    const ledger = new RevenueLedger();
    const requests = purchaseRequests(traffic(0, 0), planned({ day: 8, totalMinor: 3000, couponCode: 'WB1', effect: { counterfactualMinor: 0 } }));
    expect(requests.map((r) => r.kind)).toEqual(['redemption']);
    land(ledger, requests, 500);
    expect(ledger.perArm()).toEqual(new Map([['message_coupon', 2500]]));
  });

  it('a natural purchase topped up for the coupon adds the top-up minus the discount; refunded, it costs the discount', () => {
    const kept = new RevenueLedger();
    land(kept, purchaseRequests(traffic(0, 0), planned({ day: 8, totalMinor: 3000, couponCode: 'WB1', effect: { counterfactualMinor: 2000 } })), 500);
    expect(kept.perArm().get('message_coupon')).toBe(3000 - 500 - 2000);

    const refunded = new RevenueLedger();
    const requests = purchaseRequests(traffic(1, 0), planned({ day: 8, totalMinor: 3000, couponCode: 'WB1', effect: { counterfactualMinor: 2000 } }));
    expect(requests.map((r) => r.kind)).toEqual(['redemption', 'refund']);
    land(refunded, requests, 500);
    // Booked 2500 then −3000; without the journey 2000 then −2000.
    expect(refunded.perArm().get('message_coupon')).toBe(-500);
  });

  it('a repeated request changes nothing, and a refused coupon books the plain purchase instead', () => {
    const ledger = new RevenueLedger();
    const requests = purchaseRequests(traffic(0, 1), planned({ day: 8, totalMinor: 3000, couponCode: 'WB1', effect: { counterfactualMinor: 0 } }));
    expect(requests.map((r) => [r.kind, r.repeat ?? false])).toEqual([
      ['redemption', false],
      ['redemption', true],
    ]);
    land(ledger, requests, 500);
    expect(ledger.perArm().get('message_coupon')).toBe(2500);

    const refused = new RevenueLedger();
    const [redemption] = purchaseRequests(traffic(0, 0), planned({ day: 8, totalMinor: 3000, couponCode: 'WB1', effect: { counterfactualMinor: 0 } }));
    refused.book(redemption!.fallback!, redemption!.fallback!.at.getTime());
    expect(refused.perArm().get('message_coupon')).toBe(3000);
  });

  it('an order outside the window counts for nothing, nor does its refund; the window is where the host records it', () => {
    const after = new RevenueLedger();
    land(after, purchaseRequests(traffic(1, 0), planned({ day: 40, totalMinor: 3000, couponCode: 'WB1', effect: { counterfactualMinor: 0 } })), 500);
    expect(after.perArm().size).toBe(0);

    // Bought on the window's last day at noon, but the till's redemption reaches the host (and is recorded)
    // only when its clock next stops, after the window closed.
    const late = new RevenueLedger();
    const lastDay = Math.floor((window[1] - retailer.start.getTime()) / dayMs) - 1;
    land(late, purchaseRequests(traffic(0, 0), planned({ day: lastDay, totalMinor: 3000, couponCode: 'WB1', effect: { counterfactualMinor: 0 } })), 500, () => window[1]);
    expect(late.perArm().size).toBe(0);
  });

  it('a natural purchase of an enrolled customer adds nothing, but counts in what the arm booked', () => {
    const ledger = new RevenueLedger();
    land(ledger, purchaseRequests(traffic(0, 1), planned({ day: 8, totalMinor: 3000, effect: { counterfactualMinor: 3000 } })), 0);
    expect(ledger.perArm().size).toBe(0);
    expect(ledger.bookedPerArm()).toEqual(new Map([['message_coupon', 3000]]));
    // Booked and refunded: nothing; the induced one on the coupon books what was paid.
    land(ledger, purchaseRequests(traffic(1, 0), planned({ day: 9, totalMinor: 2000, effect: { counterfactualMinor: 2000 } })), 0);
    land(ledger, purchaseRequests(traffic(0, 0), planned({ day: 10, totalMinor: 3000, couponCode: 'WB1', effect: { counterfactualMinor: 0 } })), 500);
    expect(ledger.bookedPerArm().get('message_coupon')).toBe(3000 + 0 + 2500);
    expect(ledger.perArm().get('message_coupon')).toBe(2500);
  });

  it('purchases of customers who are not enrolled are not kept', () => {
    const ledger = new RevenueLedger();
    land(ledger, purchaseRequests(traffic(1, 1), planned({ day: 8, totalMinor: 3000 })), 0);
    expect(ledger.perArm().size).toBe(0);
    expect(ledger.bookedPerArm().size).toBe(0);
  });
});
