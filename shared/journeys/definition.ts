import { z } from 'zod';
import { MessageChannel } from '../messages/contract.js';

/**
 * A journey definition is declarative data: who enters (trigger + audience + reentry), how they are split
 * (experiment: holdout and weighted arms, each with its own step list) and the guardrails its sends obey.
 * Every PUT that changes it makes a new version; enrollments stay on the version they started on.
 */
export const JourneyId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, "_", "." or "-", at most 64');
export type JourneyId = z.infer<typeof JourneyId>;

const stepId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "_" or "-", at most 64');
const name = z.string().trim().min(1).max(200);
const segment = z.string().trim().min(1).max(64);
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM');

export const Duration = z
  .strictObject({
    days: z.number().int().min(0).max(365).optional(),
    hours: z.number().int().min(0).max(24 * 365).optional(),
    minutes: z.number().int().min(0).max(60 * 24 * 365).optional(),
  })
  .refine((d) => (d.days ?? 0) + (d.hours ?? 0) + (d.minutes ?? 0) > 0, 'a duration longer than zero');
export type Duration = z.infer<typeof Duration>;

export function durationMs(d: Duration): number {
  return (((d.days ?? 0) * 24 + (d.hours ?? 0)) * 60 + (d.minutes ?? 0)) * 60_000;
}

export const Trigger = z.discriminatedUnion('type', [
  /** A segmentation run moved the customer into one of these segments (`segment.changed`). */
  z.strictObject({ type: z.literal('segmentEntered'), segments: z.array(segment).min(1).max(50) }),
  /** N days since the last purchase, or N × the customer's own typical gap between purchases. */
  z
    .strictObject({
      type: z.literal('inactiveDays'),
      days: z.number().int().min(1).max(3650).optional(),
      gapMultiple: z.number().min(1).max(50).optional(),
    })
    .refine((t) => (t.days === undefined) !== (t.gapMultiple === undefined), { message: 'give exactly one of "days" and "gapMultiple"', path: ['days'] }),
  /** N days before the birthday, in the customer's time zone. */
  z.strictObject({ type: z.literal('birthday'), daysBefore: z.number().int().min(0).max(60).default(0) }),
  /** N hours before each coupon's own expiresAt (optionally only coupons of these offers). */
  z.strictObject({ type: z.literal('couponExpiring'), hoursBefore: z.number().int().min(1).max(24 * 60), offers: z.array(z.string().min(1).max(128)).min(1).optional() }),
  /** The customer's Nth purchase (a milestone). */
  z.strictObject({ type: z.literal('purchaseCount'), count: z.number().int().min(2).max(100_000) }),
  z.strictObject({ type: z.literal('firstPurchase') }),
  /** A named custom event posted to `POST /api/events` (its properties fill `{{event.<name>}}`). */
  z.strictObject({ type: z.literal('event'), name: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'a lowercase event name such as cart.abandoned') }),
  /** A converted enrollment in one of these journeys (e.g. welcome-back after a win-back). */
  z.strictObject({ type: z.literal('journeyConverted'), journeys: z.array(JourneyId).min(1).max(20) }),
  /** Only `POST /api/journeys/{id}/enrollments`. */
  z.strictObject({ type: z.literal('manual') }),
]);
export type Trigger = z.infer<typeof Trigger>;

export const Audience = z.strictObject({
  segments: z.array(segment).min(1).max(50).optional(),
  excludeSegments: z.array(segment).min(1).max(50).optional(),
  /** 12-month CLV in major units of the scores' currency. */
  minClv12m: z.number().min(0).optional(),
  maxClv12m: z.number().min(0).optional(),
  minPAlive: z.number().min(0).max(1).optional(),
  maxPAlive: z.number().min(0).max(1).optional(),
  /** Language or locale prefixes: "de" matches de-DE and de-AT. */
  locales: z.array(z.string().min(2).max(35)).min(1).max(50).optional(),
  /** The customer has opt-in consent for at least one of these channels. */
  hasConsentFor: z.array(z.enum(['email', 'sms', 'push', 'mail'])).min(1).optional(),
  /**
   * From delivery reports (shared/channels/engagement.ts): opened or clicked ÷ delivered e-mails, and coupons
   * redeemed ÷ received. A customer with no delivered e-mail (no coupon) has no rate and matches no bound.
   */
  minEngagementRate: z.number().min(0).max(1).optional(),
  maxEngagementRate: z.number().min(0).max(1).optional(),
  minCouponRedemptionRate: z.number().min(0).max(1).optional(),
  maxCouponRedemptionRate: z.number().min(0).max(1).optional(),
});
export type Audience = z.infer<typeof Audience>;

export const Reentry = z.strictObject({
  /** false: a customer enters this journey once, ever. */
  allowed: z.boolean().default(true),
  /** Days that must pass between two entries (a customer is never in the same journey twice at once). */
  minDaysBetween: z.number().int().min(0).max(3650).default(180),
});
export type Reentry = z.infer<typeof Reentry>;

export const Condition = z.discriminatedUnion('type', [
  /** The coupon of that issueCoupon step was redeemed. */
  z.strictObject({ type: z.literal('couponRedeemed'), step: stepId }),
  z.strictObject({ type: z.literal('purchasedSinceEntry') }),
  z.strictObject({ type: z.literal('inSegment'), segments: z.array(segment).min(1).max(50) }),
  /** Deterministic per enrollment and step: `percent` % take `then`. */
  z.strictObject({ type: z.literal('randomSplit'), percent: z.number().min(0).max(100) }),
]);
export type Condition = z.infer<typeof Condition>;

/** `"$trigger"`: the coupon that triggered the enrollment (couponExpiring). */
export const triggerCoupon = '$trigger';

const next = { next: stepId.optional() };

export const Step = z.discriminatedUnion('type', [
  z.strictObject({
    id: stepId,
    type: z.literal('send'),
    channel: z.union([MessageChannel, z.literal('preferred')]).default('preferred'),
    /** With channel "webhook": the channel the receiving ESP or CRM delivers on; its consent, suppression and quiet hours apply. */
    forChannel: z.enum(['email', 'sms', 'push', 'mail']).optional(),
    template: JourneyId,
    /** The issueCoupon step whose coupon the message carries, or "$trigger". */
    couponFrom: z.union([stepId, z.literal(triggerCoupon)]).optional(),
    /** Transactional messages are not counted against nor held by the frequency cap. */
    marketing: z.boolean().default(true),
    ...next,
  })
    .refine((s) => s.forChannel === undefined || s.channel === 'webhook', { message: '"forChannel" only goes with channel "webhook"', path: ['forChannel'] }),
  z.strictObject({ id: stepId, type: z.literal('issueCoupon'), offer: z.string().trim().min(1).max(128), ...next }),
  z
    .strictObject({ id: stepId, type: z.literal('wait'), duration: Duration.optional(), untilLocalTime: localTime.optional(), ...next })
    .refine((s) => s.duration !== undefined || s.untilLocalTime !== undefined, { message: 'give "duration", "untilLocalTime" or both', path: ['duration'] }),
  z.strictObject({ id: stepId, type: z.literal('branch'), condition: Condition, then: stepId, else: stepId }),
  z.strictObject({ id: stepId, type: z.literal('exit'), reason: z.string().trim().min(1).max(200).optional() }),
  /** The last step for members who stay passive: flag the account dormant, or close it. */
  z.strictObject({ id: stepId, type: z.literal('markDormant'), action: z.enum(['flag', 'close']).default('flag') }),
]);
export type Step = z.infer<typeof Step>;

export const Arm = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "_" or "-"').refine((n) => n !== 'control', '"control" is the holdout\'s name'),
  weight: z.number().positive().max(1000).default(1),
  steps: z.array(Step).min(1).max(200),
});
export type Arm = z.infer<typeof Arm>;

export const Experiment = z.strictObject({
  /** Share enrolled into the holdout ("control"): tracked, never messaged. */
  holdoutPercent: z.number().min(0).max(90).default(10),
  arms: z.array(Arm).min(1).max(10),
});
export type Experiment = z.infer<typeof Experiment>;

export const QuietHours = z.strictObject({
  start: localTime.default('20:00'),
  end: localTime.default('08:00'),
  /** Channels that are also quiet all Sunday. */
  sundayChannels: z.array(MessageChannel).default(['sms', 'push']),
  /** Channels quiet hours apply to at all (a letter or a webhook has no bedtime). */
  channels: z.array(MessageChannel).default(['email', 'sms', 'push']),
});
export type QuietHours = z.infer<typeof QuietHours>;

export const FrequencyCap = z.strictObject({
  perDay: z.number().int().min(1).max(100).default(1),
  perWeek: z.number().int().min(1).max(100).default(2),
  /** Over the cap: hold the message until the cap allows it, or skip it (recorded either way). */
  onCap: z.enum(['defer', 'skip']).default('defer'),
});
export type FrequencyCap = z.infer<typeof FrequencyCap>;

export const JourneyDefinition = z.strictObject({
  name,
  description: z.string().max(2000).optional(),
  trigger: Trigger,
  audience: Audience.default({}),
  reentry: Reentry.default({ allowed: true, minDaysBetween: 180 }),
  experiment: Experiment,
  exitOn: z.strictObject({ purchase: z.boolean().default(true) }).default({ purchase: true }),
  /** Days after entry during which purchases count for the journey's KPIs. */
  attributionDays: z.number().int().min(1).max(365).default(30),
  quietHours: QuietHours.default({ start: '20:00', end: '08:00', sundayChannels: ['sms', 'push'], channels: ['email', 'sms', 'push'] }),
  frequencyCap: FrequencyCap.default({ perDay: 1, perWeek: 2, onCap: 'defer' }),
  /** Channel order for "preferred" after the customer's own preferred channel. */
  channelPreference: z.array(z.enum(['email', 'sms', 'push', 'mail'])).min(1).default(['email', 'push', 'sms', 'mail']),
});
export type JourneyDefinition = z.infer<typeof JourneyDefinition>;
export type JourneyDefinitionInput = z.input<typeof JourneyDefinition>;

export const JourneyStatus = z.enum(['active', 'paused']);
export type JourneyStatus = z.infer<typeof JourneyStatus>;

/** The step a step leads to when it names none: the next one in its arm's list (undefined: the journey ends). */
export function successors(steps: readonly Step[], index: number): string[] {
  const step = steps[index]!;
  const following = steps[index + 1]?.id;
  switch (step.type) {
    case 'send':
    case 'issueCoupon':
    case 'wait': {
      const target = step.next ?? following;
      return target === undefined ? [] : [target];
    }
    case 'branch':
      return [step.then, step.else];
    case 'exit':
    case 'markDormant':
      return [];
    default: {
      const exhaustive: never = step;
      return exhaustive;
    }
  }
}
