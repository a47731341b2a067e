import { z } from 'zod';
import { getOffer, type CouponDeps } from '../coupons/service.js';
import type { ChannelSettings } from '../channels/config.js';
import type { Failure } from '../http/failure.js';
import { fieldErrors } from '../http/problem.js';
import { validateParams } from '../http/request.js';
import type { TemplateStore } from '../templates/store.js';
import { CustomerId } from '../customers/schema.js';
import { JourneyDefinition, JourneyId, type Step } from './definition.js';
import type { Enrollment } from './enrollment.js';
import type { JourneyState } from './store.js';
import { validateJourney } from './validate.js';

export const JourneyRouteParams = z.object({ journeyId: JourneyId });

/** Parses and validates a PUT body against the stored templates and offers: the definition, or a 400. */
export async function parseJourney(
  body: unknown,
  deps: { templates: TemplateStore; coupons: Pick<CouponDeps, 'offers'>; runtime: { settings: { channels: Pick<ChannelSettings, 'smsMaxSegments'> } } },
): Promise<{ ok: true; definition: JourneyDefinition } | { ok: false; failure: Failure }> {
  const parsed = JourneyDefinition.safeParse(body);
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error);
    return { ok: false, failure: { kind: 'invalid', detail: `${errors.length} invalid field(s): ${errors.map((e) => e.pointer).join(', ')}`, errors } };
  }
  const templates = await deps.templates.all();
  const offers = new Set<string>();
  const steps: Step[] = parsed.data.experiment.arms.flatMap((a) => a.steps);
  for (const step of steps) {
    if (step.type === 'issueCoupon' && !offers.has(step.offer) && (await getOffer(deps.coupons, step.offer))) offers.add(step.offer);
  }
  const errors = validateJourney(parsed.data, { template: (id) => templates.get(id), offerExists: (id) => offers.has(id), smsMaxSegments: deps.runtime.settings.channels.smsMaxSegments });
  if (errors.length > 0) return { ok: false, failure: { kind: 'invalid', detail: errors.map((e) => `${e.pointer}: ${e.message}`).join('; '), errors } };
  return { ok: true, definition: parsed.data };
}

export function journeyView(state: JourneyState) {
  return { journeyId: state.journeyId, version: state.version, status: state.status, builtin: state.builtin, updatedAt: state.updatedAt, ...state.definition };
}

/** The README's `PUT /api/journeys/cart-rescue` body, for the API description. */
export const journeyInputExample = {
  name: 'Abandoned cart',
  trigger: { type: 'event', name: 'cart.abandoned' },
  audience: { hasConsentFor: ['email', 'push'] },
  reentry: { allowed: true, minDaysBetween: 7 },
  experiment: {
    holdoutPercent: 10,
    arms: [
      { name: 'message', weight: 1, steps: [{ id: 'wait', type: 'wait', duration: { hours: 2 } }, { id: 'nudge', type: 'send', channel: 'preferred', template: 'welcome-back' }] },
      {
        name: 'message_coupon',
        weight: 1,
        steps: [
          { id: 'wait', type: 'wait', duration: { hours: 2 } },
          { id: 'coupon', type: 'issueCoupon', offer: 'winback-default' },
          { id: 'nudge', type: 'send', template: 'winback-miss-you', couponFrom: 'coupon' },
        ],
      },
    ],
  },
  exitOn: { purchase: true },
  attributionDays: 14,
};

/** What the journey routes answer for that body: made by `journeyView` itself, so the example has its exact shape (defaults filled). */
export const journeyViewExample = journeyView({
  journeyId: 'cart-rescue',
  version: 1,
  status: 'active',
  builtin: false,
  updatedAt: '2026-11-05T10:00:00.000Z',
  definition: JourneyDefinition.parse(journeyInputExample),
});

/** `GET /api/customers/{id}/journeys` items: where the customer is, in which arm, and why. */
export function enrollmentView(e: Enrollment) {
  return {
    enrollmentId: e.id,
    journeyId: e.journeyId,
    version: e.version,
    arm: e.arm,
    status: e.status,
    enteredAt: e.enteredAt,
    endedAt: e.endedAt ?? null,
    currentStep: e.status === 'active' ? e.cursor.stepId : null,
    nextStepAt: e.status === 'active' ? e.cursor.dueAt : null,
    trigger: { type: e.trigger.type, key: e.trigger.key },
    history: e.history,
  };
}

export const maxEnrollmentBatch = 10_000;

/** `POST /api/journeys/{id}/enrollments`. */
export const EnrollmentRequest = z
  .strictObject({
    customerIds: z.array(CustomerId).min(1).max(maxEnrollmentBatch).optional(),
    segment: z.string().trim().min(1).max(64).optional(),
    applyAudience: z.boolean().default(false),
    /**
     * What makes this campaign distinct for idempotency: the same campaign posted again enrolls nobody twice.
     * Defaults to the UTC day, so a repeated POST on the same day is a replay.
     */
    campaignId: z.string().trim().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, "_", ".", ":" or "-"').optional(),
  })
  .refine((r) => (r.customerIds === undefined) !== (r.segment === undefined), { message: 'give exactly one of "customerIds" and "segment"', path: ['customerIds'] });
export type EnrollmentRequest = z.infer<typeof EnrollmentRequest>;

/** `POST /api/events`: a named custom event from a shop or app. */
export const CustomEventInput = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'a lowercase event name such as cart.abandoned'),
  customerId: CustomerId,
  /** The sender's id of the event: posting it again is a replay. */
  eventId: z.string().trim().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
  occurredAt: z.iso.datetime({ offset: true }),
  properties: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'property names: letters, digits, "_"'), z.union([z.string().max(1000), z.number(), z.boolean()])).default({}),
});
export type CustomEventInput = z.infer<typeof CustomEventInput>;

/** `POST /api/journeys/{id}/pause` and `/resume`: the same use case with the status to set. */
export async function setJourneyStatus(
  params: unknown,
  status: 'active' | 'paused',
  deps: { journeys: { setStatus(id: string, status: 'active' | 'paused', now: Date): Promise<JourneyState | undefined> }; now: Date },
): Promise<{ ok: true; state: JourneyState } | { ok: false; failure: Failure }> {
  const parsed = validateParams(JourneyRouteParams, params);
  if (!parsed.ok) return parsed;
  const state = await deps.journeys.setStatus(parsed.value.journeyId, status, deps.now);
  if (!state) return { ok: false, failure: { kind: 'not_found', detail: `no journey ${parsed.value.journeyId}` } };
  return { ok: true, state };
}
