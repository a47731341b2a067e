import { z } from 'zod';
import type { IssueCouponRequest } from '../coupons/requests.js';
import type { KpiEvent } from '../kpis/events.js';
import type { OutboundRequest } from '../messages/message.js';
import type { MessageBus, OutboundMessage } from '../messaging/bus.js';
import { queues } from '../resources.js';
import { audienceFacts, segmentOf, timeZoneOf } from './customer-facts.js';
import { triggerCoupon, type JourneyDefinition, type Step } from './definition.js';
import {
  applyStepDecision,
  assignArm,
  audienceMatches,
  conversionDecision,
  enrollmentId,
  factsNeeded,
  membershipId,
  newEnrollment,
  reentryDecision,
  stepDecision,
  type Enrollment,
  type EnrollmentTrigger,
  type StepEffect,
} from './enrollment.js';
import { enrolledEvent, sendKpiEvents } from './kpi.js';
import type { Versioned } from '../storage/documents.js';
import type { EnrollmentStore, JourneyState, JourneyStore } from './store.js';

/**
 * The journey use cases: start an enrollment, run the step under its cursor, end it on a purchase. Reads,
 * decides with the pure functions in enrollment.ts, writes with ETags. Every side effect has an id derived
 * from the enrollment and the step (step messages, outbound messages, coupon requests, KPI events), so a
 * redelivered message repeats nothing: the completed step is recorded on the enrollment, and a stale step
 * message only re-sends the message for the step that is current.
 */
export interface JourneyDeps {
  journeys: JourneyStore;
  enrollments: EnrollmentStore;
  customers: {
    get(customerId: string): Promise<{ customer: Record<string, unknown> } | undefined>;
    tombstone(customerId: string): Promise<{ erasedAt: string } | undefined>;
  };
  purchases: {
    /** Net spend (refunds negative) with occurredAt in [from, to), minor units, and its currency. */
    netSpend(customerId: string, from: Date, to: Date): Promise<{ minor: number; currency: string | null }>;
    purchasedSince(customerId: string, since: Date): Promise<boolean>;
  };
  coupons: {
    /** Whether the coupon issued for this request was redeemed (false when none was issued). */
    redeemedForRequest(requestId: string): Promise<boolean>;
  };
  dormancy: { mark(customerId: string, action: 'flag' | 'close', journeyId: string, now: Date): Promise<void> };
  /** The customer a merged-away id now belongs to (its enrollments moved there); undefined when not merged. */
  survivorOf?(customerId: string): Promise<string | undefined>;
  bus: Pick<MessageBus, 'send'>;
  retailerTimeZone: string;
  log?: (line: string) => void;
}

export const StepMessage = z.object({ enrollmentId: z.string().min(1), customerId: z.string().min(1), visit: z.number().int().min(1) });
export type StepMessage = z.infer<typeof StepMessage>;

const maxAttempts = 50;

function contention(what: string): Error {
  return Object.assign(new Error(`too much contention on ${what}`), { code: 503 });
}

export function stepMessage(enrollment: Enrollment, suffix = ''): OutboundMessage {
  const body: StepMessage = { enrollmentId: enrollment.id, customerId: enrollment.customerId, visit: enrollment.cursor.visit };
  const due = new Date(enrollment.cursor.dueAt);
  return { messageId: `${enrollment.id}.${enrollment.cursor.visit}${suffix}`, subject: 'journey.step', body, scheduledEnqueueTime: due };
}

function armSteps(definition: JourneyDefinition, arm: string): readonly Step[] {
  return definition.experiment.arms.find((a) => a.name === arm)?.steps ?? [];
}

/** The one coupon request of an issueCoupon step: the same for the step and for every send that carries it. */
export function couponRequest(enrollment: Enrollment, definition: JourneyDefinition, stepId: string): IssueCouponRequest | undefined {
  const steps = armSteps(definition, enrollment.arm);
  const index = steps.findIndex((s) => s.id === stepId);
  const step = steps[index];
  if (step?.type !== 'issueCoupon') return undefined;
  return {
    customerId: enrollment.customerId,
    offerId: step.offer,
    requestId: `${enrollment.id}.${step.id}`,
    journeyId: enrollment.journeyId,
    variant: enrollment.arm,
    journeyStep: index + 1,
    ...(enrollment.segmentAtEntry === null ? {} : { segment: enrollment.segmentAtEntry }),
    enrollmentId: enrollment.id,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Entering

export type EnrollOutcome =
  | { kind: 'enrolled'; enrollment: Enrollment }
  /** This entry was made before (a redelivery); whatever was missing was completed. */
  | { kind: 'already'; enrollment: Enrollment }
  | { kind: 'refused'; reason: string };

export interface EnrollOptions {
  /** The journey's audience filter applies (triggers: always; API enrollments: only when asked). */
  applyAudience: boolean;
  /** Why the customer enters, for the history ("segment.changed at_risk", "API enrollment" …). */
  reason: string;
}

export async function enroll(deps: JourneyDeps, journey: JourneyState, customerId: string, trigger: EnrollmentTrigger, now: Date, options: EnrollOptions): Promise<EnrollOutcome> {
  if (await deps.customers.tombstone(customerId)) return { kind: 'refused', reason: 'customer_erased' };
  const customer = (await deps.customers.get(customerId))?.customer;
  if (options.applyAudience) {
    const match = audienceMatches(journey.definition.audience, audienceFacts(customer));
    if (!match.ok) return { kind: 'refused', reason: `audience: ${match.reason}` };
  }
  const id = enrollmentId(journey.journeyId, customerId, trigger.key);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const membership = await deps.enrollments.membership(customerId, membershipId(journey.journeyId));
    const current = membership?.value.current;
    let currentEnded = true;
    if (current && current.enrollmentId !== id) {
      const running = await deps.enrollments.get(customerId, current.enrollmentId);
      currentEnded = running === undefined || running.value.status !== 'active';
    }
    const decision = reentryDecision(membership?.value, currentEnded, journey.definition.reentry, id, now);
    switch (decision.kind) {
      case 'refused':
        return { kind: 'refused', reason: decision.reason };
      case 'same': {
        // A redelivery: the enrollment, its first step message and its KPI event may be missing after a crash.
        const existing = await deps.enrollments.get(customerId, id);
        if (existing) {
          if (existing.value.status === 'active' && existing.value.cursor.visit === 1) {
            await start(deps, existing.value, (await deps.journeys.getVersion(journey.journeyId, existing.value.version)) ?? journey.definition, customer);
          }
          return { kind: 'already', enrollment: existing.value };
        }
        const definition = (await deps.journeys.getVersion(journey.journeyId, decision.version)) ?? journey.definition;
        const enrollment = newEnrollment({ id, customerId, journeyId: journey.journeyId, version: decision.version, definition, assignment: { arm: decision.arm, holdout: decision.arm === 'control' }, enteredAt: new Date(decision.enteredAt), trigger, segment: trigger.segment ?? segmentOf(customer), reason: options.reason });
        await deps.enrollments.create(enrollment);
        await start(deps, enrollment, definition, customer);
        return { kind: 'already', enrollment };
      }
      case 'enter':
        break;
      default: {
        const exhaustive: never = decision;
        return exhaustive;
      }
    }
    const assignment = assignArm(customerId, journey.journeyId, journey.definition.experiment);
    const enrollment = newEnrollment({ id, customerId, journeyId: journey.journeyId, version: journey.version, definition: journey.definition, assignment, enteredAt: now, trigger, segment: trigger.segment ?? segmentOf(customer), reason: options.reason });
    const next = {
      id: membershipId(journey.journeyId),
      type: 'membership' as const,
      customerId,
      journeyId: journey.journeyId,
      current: { enrollmentId: id, enteredAt: enrollment.enteredAt, version: journey.version, arm: assignment.arm, triggerKey: trigger.key },
      lastEnteredAt: enrollment.enteredAt,
      entries: (membership?.value.entries ?? 0) + 1,
    };
    // The membership's ETag is the commit point: two triggers racing for the same customer enter once.
    if ((await deps.enrollments.putMembership(next, membership?.etag)) === 'conflict') continue;
    if ((await deps.enrollments.create(enrollment)) === 'conflict') {
      const existing = await deps.enrollments.get(customerId, id);
      if (existing) return { kind: 'already', enrollment: existing.value };
    }
    await start(deps, enrollment, journey.definition, customer);
    return { kind: 'enrolled', enrollment };
  }
  throw contention(`the membership of ${customerId} in ${journey.journeyId}`);
}

/** The first step message and the `enrolled` KPI fact; both deterministic, so repeating them is harmless. */
async function start(deps: JourneyDeps, enrollment: Enrollment, definition: JourneyDefinition, customer: Record<string, unknown> | undefined): Promise<void> {
  const enteredAt = new Date(enrollment.enteredAt);
  const preSpend = await deps.purchases.netSpend(enrollment.customerId, new Date(enteredAt.getTime() - 90 * 86_400_000), enteredAt);
  const event = enrolledEvent(enrollment, definition, { customer, segment: segmentOf(customer), preSpend, retailerTimeZone: deps.retailerTimeZone });
  await deps.bus.send(queues.journeySteps.name, stepMessage(enrollment));
  await sendKpiEvents(deps.bus, [event]);
}

// ---------------------------------------------------------------------------------------------------------
// Steps

export type StepOutcome =
  | 'done'
  | 'ended'
  | 'stale'
  | 'early'
  | 'paused'
  | 'unknown_enrollment'
  | 'unknown_journey_version';

/** How often a step of a paused journey looks again whether the journey was resumed. */
export const pausedRecheckMs = 60 * 60 * 1000;

/**
 * Steps due at once in a row (a coupon, its message, the wait after it) run in one invocation: the enrollment,
 * the tombstone and the customer are read once for the row, each step is still written under the ETag before
 * the next one runs, and a crash anywhere leaves the enrollment at the last step written — its step message
 * was not sent yet, so the redelivered message finds a cursor ahead of it and sends the one for that step.
 */
const maxStepsPerRun = 16;

export async function runStep(deps: JourneyDeps, message: StepMessage, now: Date): Promise<StepOutcome> {
  let visit = message.visit;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const found = await deps.enrollments.get(message.customerId, message.enrollmentId);
    if (!found) {
      // Scheduled before a merge moved the enrollment to the survivor: it carries on there.
      const survivor = await deps.survivorOf?.(message.customerId);
      return survivor === undefined || survivor === message.customerId ? 'unknown_enrollment' : runStep(deps, { ...message, customerId: survivor, visit }, now);
    }
    const enrollment = found.value;
    if (enrollment.status !== 'active') return 'ended';
    if (visit < enrollment.cursor.visit) {
      // This step already ran; the message for the current one may have been lost in a crash: send it again.
      await deps.bus.send(queues.journeySteps.name, stepMessage(enrollment));
      return 'stale';
    }
    if (visit > enrollment.cursor.visit) return 'stale';
    if (Date.parse(enrollment.cursor.dueAt) > now.getTime()) {
      await deps.bus.send(queues.journeySteps.name, stepMessage(enrollment));
      return 'early';
    }
    const journey = await deps.journeys.get(enrollment.journeyId);
    if (journey?.status === 'paused') {
      const recheck = new Date(now.getTime() + pausedRecheckMs);
      await deps.bus.send(queues.journeySteps.name, { ...stepMessage(enrollment, `.p${Math.floor(now.getTime() / 60_000)}`), scheduledEnqueueTime: recheck });
      return 'paused';
    }
    const definition = await deps.journeys.getVersion(enrollment.journeyId, enrollment.version);
    if (!definition) {
      const ended = applyStepDecision(enrollment, { kind: 'end', status: 'exited', effects: [], outcome: 'unknown_version', history: [{ at: now.toISOString(), event: 'exited', reason: `version ${enrollment.version} of journey ${enrollment.journeyId} no longer exists` }] }, now);
      if ((await deps.enrollments.replace(ended, found.etag)) === 'conflict') continue;
      return 'unknown_journey_version';
    }
    if (await deps.customers.tombstone(enrollment.customerId)) {
      const ended = applyStepDecision(enrollment, { kind: 'end', status: 'exited', effects: [], outcome: 'erased', history: [{ at: now.toISOString(), event: 'exited', reason: 'customer_erased' }] }, now);
      if ((await deps.enrollments.replace(ended, found.etag)) === 'conflict') continue;
      return 'ended';
    }
    const customer = (await deps.customers.get(enrollment.customerId))?.customer;
    let current: Versioned<Enrollment> = found;
    for (let ran = 0; ; ran++) {
      const next = await runOneStep(deps, current.value, definition, customer, now);
      const written = await deps.enrollments.replaceTagged(next, current.etag);
      // Lost to a concurrent change (a purchase that converted it, a redelivery): read again and decide anew.
      if (written === 'conflict') break;
      const due = next.status === 'active' && Date.parse(next.cursor.dueAt) <= now.getTime();
      if (!due || ran + 1 >= maxStepsPerRun) {
        if (next.status === 'active') await deps.bus.send(queues.journeySteps.name, stepMessage(next));
        return 'done';
      }
      current = { value: next, etag: written.etag };
      visit = next.cursor.visit;
    }
  }
  throw contention(`enrollment ${message.enrollmentId}`);
}

/** The step under the cursor: its facts read, its decision taken, its effects sent; answers the enrollment to write. */
async function runOneStep(deps: JourneyDeps, enrollment: Enrollment, definition: JourneyDefinition, customer: Record<string, unknown> | undefined, now: Date): Promise<Enrollment> {
  const step = armSteps(definition, enrollment.arm).find((s) => s.id === enrollment.cursor.stepId);
  const needed = factsNeeded(step);
  const facts = {
    segment: segmentOf(customer),
    timeZone: timeZoneOf(customer, deps.retailerTimeZone),
    couponRedeemed:
      needed === 'couponRedeemed' && step?.type === 'branch' && step.condition.type === 'couponRedeemed'
        ? await deps.coupons.redeemedForRequest(`${enrollment.id}.${step.condition.step}`)
        : undefined,
    purchasedSinceEntry: needed === 'purchasedSinceEntry' ? await deps.purchases.purchasedSince(enrollment.customerId, new Date(enrollment.enteredAt)) : undefined,
  };
  const decision = stepDecision(now, enrollment, definition, facts);
  // Effects first, each under an id derived from enrollment + visit + step: a retry after a lost ETag race
  // or a crash repeats the same ids, which Service Bus drops and the consumers recognise.
  for (const effect of decision.effects) await applyEffect(deps, enrollment, definition, effect, now);
  return applyStepDecision(enrollment, decision, now);
}

async function applyEffect(deps: JourneyDeps, enrollment: Enrollment, definition: JourneyDefinition, effect: StepEffect, now: Date): Promise<void> {
  switch (effect.type) {
    case 'issueCoupon': {
      const request = couponRequest(enrollment, definition, effect.step.id)!;
      await deps.bus.send(queues.couponRequests.name, { messageId: request.requestId, subject: 'coupon.request', body: request });
      return;
    }
    case 'send': {
      const step = effect.step;
      const coupon =
        step.couponFrom === undefined
          ? undefined
          : step.couponFrom === triggerCoupon
            ? enrollment.trigger.code === undefined
              ? undefined
              : { code: enrollment.trigger.code }
            : { request: couponRequest(enrollment, definition, step.couponFrom)! };
      const request: OutboundRequest = {
        messageId: `${enrollment.id}.${enrollment.cursor.visit}.${step.id}`,
        customerId: enrollment.customerId,
        templateId: step.template,
        channel: step.channel,
        ...(step.forChannel === undefined ? {} : { forChannel: step.forChannel }),
        channelPreference: definition.channelPreference,
        journeyId: enrollment.journeyId,
        version: enrollment.version,
        enrollmentId: enrollment.id,
        stepId: step.id,
        ...(coupon === undefined ? {} : { coupon }),
        ...(enrollment.trigger.eventProperties === undefined ? {} : { eventProperties: enrollment.trigger.eventProperties }),
        marketing: step.marketing,
        quietHours: definition.quietHours,
        frequencyCap: definition.frequencyCap,
        createdAt: now.toISOString(),
        attempt: 0,
      };
      await deps.bus.send(queues.outboundMessages.name, { messageId: request.messageId, subject: 'message.send', body: request });
      return;
    }
    case 'markDormant':
      await deps.dormancy.mark(enrollment.customerId, effect.action, enrollment.journeyId, now);
      return;
    default: {
      const exhaustive: never = effect;
      return exhaustive;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Purchases

export interface RecordedPurchase {
  customerId: string;
  purchaseId: string;
  orderId: string;
  source: string;
  occurredAt: string;
  totalMinor: number;
  currency: string;
  refund: boolean;
  /** A refund's original order (absent for purchases, and for refunds stored without it). */
  originalOrderId?: string | undefined;
}

/** The enrollments a purchase is reported to, and the order it counts for (pure). */
export function purchaseKpiEvents(enrollments: readonly Enrollment[], purchase: RecordedPurchase): KpiEvent[] {
  const occurred = Date.parse(purchase.occurredAt);
  // A refund nets out against its original order whenever it comes, so it goes to every enrollment that had
  // started when it happened; the KPI side counts it only if that order fell inside the window.
  const orderId = purchase.refund ? (purchase.originalOrderId ?? purchase.orderId) : purchase.orderId;
  const events: KpiEvent[] = [];
  for (const e of enrollments) {
    const entered = Date.parse(e.enteredAt);
    if (occurred < entered) continue;
    if (!purchase.refund && occurred >= entered + e.attributionDays * 86_400_000) continue;
    events.push({
      eventId: `purchase:${e.id}:${purchase.purchaseId}`,
      type: 'purchase',
      journeyId: e.journeyId,
      enrollmentId: e.id,
      customerId: e.customerId,
      orderId,
      source: purchase.source,
      amountMinor: purchase.refund ? -Math.abs(purchase.totalMinor) : purchase.totalMinor,
      currency: purchase.currency,
      occurredAt: purchase.occurredAt,
      refund: purchase.refund,
    });
  }
  return events;
}

/**
 * A purchase ends every active enrollment that exits on purchase (converted), and is reported to KPIs for
 * every enrollment whose attribution window contains it (refunds: see purchaseKpiEvents). Returns the
 * journeys converted, for follow-ups such as welcome-back.
 */
export async function onPurchase(deps: JourneyDeps, purchase: RecordedPurchase, now: Date): Promise<{ converted: Enrollment[]; reported: number }> {
  const enrollments = await deps.enrollments.forCustomer(purchase.customerId);
  const events = purchaseKpiEvents(enrollments, purchase);
  await sendKpiEvents(deps.bus, events);
  const converted: Enrollment[] = [];
  for (const e of enrollments) {
    // Converted by this very purchase on an earlier delivery: reported again, so follow-ups are not lost.
    if (e.status === 'converted' && e.history.some((h) => h.event === 'converted' && h.reason.startsWith(`purchase ${purchase.orderId} `))) converted.push(e);
    if (e.status !== 'active') continue;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const found = await deps.enrollments.get(e.customerId, e.id);
      if (!found) break;
      const next = conversionDecision(found.value, { orderId: purchase.orderId, occurredAt: purchase.occurredAt, refund: purchase.refund }, now);
      if (!next) break;
      if ((await deps.enrollments.replace(next, found.etag)) === 'ok') {
        converted.push(next);
        break;
      }
    }
  }
  return { converted, reported: events.length };
}
