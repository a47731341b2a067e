import { JourneyDefinition } from './definition.js';

/**
 * The journeys winback ships, as data. They start paused: nothing is sent to a customer base until a marketer
 * resumes a journey (`POST /api/journeys/{id}/resume`), and a PUT with the same id overrides one.
 */
export const builtinJourneys: Readonly<Record<string, JourneyDefinition>> = {
  'winback-default': JourneyDefinition.parse({
    name: 'Win-back (default)',
    description: 'Day 0 ladder coupon + "we miss you"; day 7 reminder if unredeemed; day 21 a stronger offer; day 60 without a purchase → dormant.',
    trigger: { type: 'segmentEntered', segments: ['at_risk', 'cant_lose', 'hibernating'] },
    reentry: { allowed: true, minDaysBetween: 180 },
    experiment: {
      holdoutPercent: 10,
      arms: [
        {
          name: 'message_coupon',
          weight: 1,
          steps: [
            { id: 'coupon', type: 'issueCoupon', offer: 'winback-default' },
            { id: 'miss-you', type: 'send', channel: 'preferred', template: 'winback-miss-you', couponFrom: 'coupon' },
            { id: 'wait-7d', type: 'wait', duration: { days: 7 }, untilLocalTime: '10:00' },
            { id: 'redeemed', type: 'branch', condition: { type: 'couponRedeemed', step: 'coupon' }, then: 'wait-21d', else: 'reminder' },
            { id: 'reminder', type: 'send', channel: 'preferred', template: 'winback-reminder', couponFrom: 'coupon' },
            { id: 'wait-21d', type: 'wait', duration: { days: 14 }, untilLocalTime: '10:00' },
            { id: 'stronger-coupon', type: 'issueCoupon', offer: 'winback-stronger' },
            { id: 'stronger', type: 'send', channel: 'preferred', template: 'winback-stronger', couponFrom: 'stronger-coupon' },
            { id: 'wait-60d', type: 'wait', duration: { days: 39 } },
            { id: 'dormant', type: 'markDormant', action: 'flag' },
          ],
        },
      ],
    },
    exitOn: { purchase: true },
    attributionDays: 60,
  }),
  birthday: JourneyDefinition.parse({
    name: 'Birthday',
    trigger: { type: 'birthday', daysBefore: 0 },
    reentry: { allowed: true, minDaysBetween: 300 },
    experiment: {
      holdoutPercent: 10,
      arms: [
        {
          name: 'greeting_coupon',
          steps: [
            { id: 'wait-morning', type: 'wait', untilLocalTime: '09:00' },
            { id: 'coupon', type: 'issueCoupon', offer: 'birthday' },
            { id: 'greeting', type: 'send', template: 'birthday-greeting', couponFrom: 'coupon' },
          ],
        },
      ],
    },
    exitOn: { purchase: false },
    attributionDays: 14,
  }),
  'coupon-expiry-reminder': JourneyDefinition.parse({
    name: 'Coupon expiry reminder',
    description: 'Three days before each unredeemed coupon expires, a reminder carrying that coupon.',
    trigger: { type: 'couponExpiring', hoursBefore: 72 },
    reentry: { allowed: true, minDaysBetween: 0 },
    experiment: { holdoutPercent: 10, arms: [{ name: 'reminder', steps: [{ id: 'reminder', type: 'send', template: 'coupon-expiry-reminder', couponFrom: '$trigger' }] }] },
    exitOn: { purchase: true },
    attributionDays: 3,
  }),
  'welcome-back': JourneyDefinition.parse({
    name: 'Welcome back',
    description: 'A thank-you after a converted win-back enrollment.',
    trigger: { type: 'journeyConverted', journeys: ['winback-default'] },
    reentry: { allowed: true, minDaysBetween: 90 },
    experiment: {
      holdoutPercent: 10,
      arms: [{ name: 'thanks', steps: [{ id: 'wait-day', type: 'wait', duration: { days: 1 }, untilLocalTime: '10:00' }, { id: 'thanks', type: 'send', template: 'welcome-back' }] }],
    },
    exitOn: { purchase: false },
    attributionDays: 30,
  }),
};

export function builtinJourney(id: string): JourneyDefinition | undefined {
  return Object.hasOwn(builtinJourneys, id) ? builtinJourneys[id] : undefined;
}
