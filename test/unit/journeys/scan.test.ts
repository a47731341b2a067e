import { describe, expect, it } from 'vitest';
import { JourneyWorld, RecordingBus } from '../../../bench/journeys-world.js';
import { birthdayKey, couponExpiringDue, inactiveKey, scanTimeTriggers, type ScanSource } from '../../../shared/journeys/scan.js';
import { queues } from '../../../shared/resources.js';
import { builtinJourney } from '../../../shared/journeys/defaults.js';
import { assignArm } from '../../../shared/journeys/enrollment.js';

describe('time-based triggers (pure)', () => {
  it('inactiveDays: fixed days, or a multiple of the customer’s own gap, on the day it is reached', () => {
    const candidate = { customerId: 'c', lastPurchaseDay: '2026-10-01', typicalIntervalDays: 20 };
    expect(inactiveKey({ type: 'inactiveDays', days: 30 }, '2026-10-31', candidate)).toBe('inactive:2026-10-01');
    expect(inactiveKey({ type: 'inactiveDays', days: 30 }, '2026-10-30', candidate)).toBeUndefined();
    expect(inactiveKey({ type: 'inactiveDays', gapMultiple: 1.5 }, '2026-10-31', candidate)).toBe('inactive:2026-10-01');
    expect(inactiveKey({ type: 'inactiveDays', gapMultiple: 1.5 }, '2026-10-31', { ...candidate, typicalIntervalDays: null })).toBeUndefined();
  });

  it('birthday: N days before, in the customer zone; 29 February falls on the 28th in other years', () => {
    // 23:30 UTC on 4 Nov is already 5 Nov in Berlin.
    expect(birthdayKey(0, new Date('2026-11-04T23:30:00Z'), 'Europe/Berlin', '1990-11-05')).toBe('birthday:2026');
    expect(birthdayKey(0, new Date('2026-11-04T23:30:00Z'), 'America/New_York', '1990-11-05')).toBeUndefined();
    expect(birthdayKey(3, new Date('2026-11-02T12:00:00Z'), 'UTC', '1990-11-05')).toBe('birthday:2026');
    expect(birthdayKey(0, new Date('2027-02-28T12:00:00Z'), 'UTC', '2000-02-29')).toBe('birthday:2027');
  });

  it('couponExpiring: within hoursBefore of its own expiry, unredeemed, not issued inside the window', () => {
    const t = { type: 'couponExpiring' as const, hoursBefore: 72 };
    const now = new Date('2026-11-10T12:00:00Z');
    const coupon = { expiresAt: '2026-11-12T00:00:00Z', issuedAt: '2026-10-13T00:00:00Z', offerId: 'o', status: 'issued' as const };
    expect(couponExpiringDue(t, now, coupon)).toBe(true);
    expect(couponExpiringDue(t, now, { ...coupon, status: 'redeemed' })).toBe(false);
    expect(couponExpiringDue(t, now, { ...coupon, expiresAt: '2026-11-14T00:00:00Z' })).toBe(false);
    expect(couponExpiringDue(t, now, { ...coupon, issuedAt: '2026-11-10T00:00:00Z' })).toBe(false);
    expect(couponExpiringDue({ ...t, offers: ['other'] }, now, coupon)).toBe(false);
  });
});

describe('coupon-expiry-reminder', () => {
  it('enrolls each expiring code once and sends the reminder carrying that code', async () => {
    const bus = new RecordingBus();
    const world = new JourneyWorld(bus);
    const experiment = builtinJourney('coupon-expiry-reminder')!.experiment;
    const id = Array.from({ length: 50 }, (_, i) => `c-${i}`).find((c) => !assignArm(c, 'coupon-expiry-reminder', experiment).holdout)!;
    const now = new Date('2026-11-10T12:00:00Z');
    const coupon = world.coupons.resolve({ customerId: id, offerId: 'winback-default', requestId: 'r-1' }, new Date('2026-10-13T12:00:00Z'));
    world.customers.set(id, { id, email: 'c1@example.com', locale: 'en-GB', consents: { email: { granted: true, at: '2026-01-01T00:00:00Z', source: 't' } } });
    await world.journeys.setStatus('coupon-expiry-reminder', 'active', now);
    const scan: ScanSource = {
      lastPurchasedOn: async () => [],
      withTypicalInterval: async () => [],
      birthdaysOn: async () => [],
      couponsExpiring: async () => [coupon],
    };
    const deps = { ...world.eventDeps(), scan };
    expect(await scanTimeTriggers(deps, now)).toEqual([{ journeyId: 'coupon-expiry-reminder', candidates: 1, enrolled: 1 }]);
    expect(await scanTimeTriggers(deps, new Date(now.getTime() + 3_600_000))).toEqual([{ journeyId: 'coupon-expiry-reminder', candidates: 1, enrolled: 0 }]);
    for (let i = 0; i < bus.sent.length; i++) {
      const { queue, message } = bus.sent[i]!;
      if (queue === queues.journeySteps.name || queue === queues.outboundMessages.name) await world.handle(queue, message.body, now);
    }
    expect((await world.enrollments.forCustomer(id))[0]).toMatchObject({ journeyId: 'coupon-expiry-reminder', trigger: { key: `expiring:${coupon.code}` } });
    const [message] = await world.messages.listForCustomer(id);
    expect(message).toMatchObject({ template: 'coupon-expiry-reminder', status: 'sent', couponCode: coupon.code });
  });
});
