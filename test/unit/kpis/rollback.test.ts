import { describe, expect, it } from 'vitest';
import { DayClock } from '../../../shared/analytics/days.js';
import type { KpiEvent } from '../../../shared/kpis/events.js';
import { applyKpiEvent, contributionOf, OutcomeDocument } from '../../../shared/kpis/outcome.js';

const days = new DayClock('Europe/Berlin');
const now = new Date('2026-11-20T10:00:00Z');
const ids = { journeyId: 'winback-default', enrollmentId: 'e-1', customerId: 'C-1' };

const enrolled: KpiEvent = {
  ...ids,
  eventId: 'enrolled:e-1',
  type: 'enrolled',
  version: 1,
  arm: 'message_coupon',
  enteredAt: '2026-11-02T02:00:00Z',
  attributionDays: 60,
  segment: 'at_risk',
  preSpendMinor: 0,
  currency: 'EUR',
  analysis: 'fixedHorizon',
};
const redeemed = (redemptionId: string, discountMinor = 500): KpiEvent => ({
  ...ids,
  eventId: `couponRedeemed:WB1.${redemptionId}`,
  type: 'couponRedeemed',
  code: 'WB1',
  redemptionId,
  discountMinor,
  currency: 'EUR',
  at: '2026-11-10T12:00:00Z',
});
const rolledBack = (redemptionId: string): KpiEvent => ({
  ...ids,
  eventId: `couponRedemptionRolledBack:WB1.${redemptionId}`,
  type: 'couponRedemptionRolledBack',
  code: 'WB1',
  redemptionId,
  at: '2026-11-12T12:00:00Z',
});

/** Applies events in order; a duplicate (undefined) leaves the document as it was. */
function apply(events: KpiEvent[]): OutcomeDocument {
  let doc: OutcomeDocument | undefined;
  for (const event of events) doc = applyKpiEvent(doc, event, now, days) ?? doc;
  return doc!;
}
const redeemedCount = (events: KpiEvent[]) => {
  const c = contributionOf(apply(events));
  return { coupons: c!.couponsRedeemed, discountMinor: c!.discountMinor };
};

describe('a rolled-back redemption in the KPIs', () => {
  it('no longer counts as redeemed, in either order of arrival, and a repeat changes nothing', () => {
    expect(redeemedCount([enrolled, redeemed('r1')])).toEqual({ coupons: 1, discountMinor: 500 });
    expect(redeemedCount([enrolled, redeemed('r1'), rolledBack('r1')])).toEqual({ coupons: 0, discountMinor: 0 });
    // The rollback overtakes its redemption (another queue): the redemption arriving later counts nothing.
    expect(redeemedCount([enrolled, rolledBack('r1'), redeemed('r1')])).toEqual({ coupons: 0, discountMinor: 0 });
    expect(redeemedCount([enrolled, redeemed('r1'), rolledBack('r1'), rolledBack('r1'), redeemed('r1')])).toEqual({ coupons: 0, discountMinor: 0 });
  });

  it('keeps a later redemption of the same coupon (usable again after the return)', () => {
    expect(redeemedCount([enrolled, redeemed('r1'), rolledBack('r1'), redeemed('r2', 300)])).toEqual({ coupons: 1, discountMinor: 300 });
    // The first rollback arriving after the second redemption does not undo the second.
    expect(redeemedCount([enrolled, redeemed('r1'), redeemed('r2', 300), rolledBack('r1')])).toEqual({ coupons: 1, discountMinor: 300 });
    expect(redeemedCount([enrolled, redeemed('r1'), rolledBack('r1'), redeemed('r2', 300), rolledBack('r2')])).toEqual({ coupons: 0, discountMinor: 0 });
  });

  it('reads outcome documents written before rollbacks were reported', () => {
    const doc = apply([enrolled, redeemed('r1')]);
    const { couponRedemptionIds: _ids, rolledBackRedemptions: _rolled, ...old } = doc;
    // The store reads documents through the schema, which fills in the fields they lack.
    const stored = OutcomeDocument.parse(JSON.parse(JSON.stringify(old)));
    expect(stored.rolledBackRedemptions).toEqual([]);
    expect(contributionOf(applyKpiEvent(stored, rolledBack('r9'), now, days)!)!.couponsRedeemed).toBe(1);
    // The redemption event of an old document named no redemption: a rollback of it cannot match, and is kept for a late event.
    const unnamed = { ...stored, couponRedemptionIds: {} };
    const after = applyKpiEvent(unnamed, rolledBack('r1'), now, days)!;
    expect(contributionOf(after)!.couponsRedeemed).toBe(1);
    expect(after.rolledBackRedemptions).toEqual(['WB1.r1']);
  });
});
