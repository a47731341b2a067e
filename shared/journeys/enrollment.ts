import { createHash } from 'node:crypto';
import { z } from 'zod';
import { durationMs, type Audience, type Condition, type Experiment, type JourneyDefinition, type Reentry, type Step } from './definition.js';
import { nextLocalTime } from './local-time.js';

/**
 * Enrollments live in the `enrollments` container (partition /customerId), next to one membership document
 * per (customer, journey) that guards re-entry with its ETag. Everything here is pure: decisions as functions
 * of the stored documents and `now`; shared/journeys/engine.ts applies them.
 */
export const EnrollmentStatus = z.enum(['active', 'converted', 'exited', 'completed', 'dormant']);
export type EnrollmentStatus = z.infer<typeof EnrollmentStatus>;

export const HistoryEntry = z.object({
  at: z.string(),
  /** entered, step, skipped, deferred, converted, exited, completed, dormant, holdout, paused … */
  event: z.string(),
  stepId: z.string().optional(),
  reason: z.string(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const EnrollmentTrigger = z.object({
  type: z.string(),
  /** What makes this entry distinct (a segmentation run, an event id, a coupon code, a day …). */
  key: z.string(),
  code: z.string().optional(),
  eventName: z.string().optional(),
  eventProperties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** The segment the trigger names (segmentEntered: the segment entered), which wins over the stored one. */
  segment: z.string().optional(),
});
export type EnrollmentTrigger = z.infer<typeof EnrollmentTrigger>;

export const Enrollment = z.object({
  id: z.string(),
  type: z.literal('enrollment'),
  customerId: z.string(),
  journeyId: z.string(),
  version: z.number().int().min(1),
  /** Arm name, or "control" for the holdout. */
  arm: z.string(),
  holdout: z.boolean(),
  status: EnrollmentStatus,
  enteredAt: z.string(),
  endedAt: z.string().optional(),
  trigger: EnrollmentTrigger,
  segmentAtEntry: z.string().nullable(),
  attributionDays: z.number().int(),
  exitOnPurchase: z.boolean(),
  /** The step the next journey-steps message runs; `visit` numbers step executions (loops revisit steps). */
  cursor: z.object({ visit: z.number().int().min(1), stepId: z.string().nullable(), dueAt: z.string() }),
  completedSteps: z.array(z.object({ visit: z.number().int(), stepId: z.string(), type: z.string(), at: z.string(), outcome: z.string() })),
  history: z.array(HistoryEntry),
});
export type Enrollment = z.infer<typeof Enrollment>;

export const Membership = z.object({
  id: z.string(),
  type: z.literal('membership'),
  customerId: z.string(),
  journeyId: z.string(),
  current: z.object({ enrollmentId: z.string(), enteredAt: z.string(), version: z.number().int(), arm: z.string(), triggerKey: z.string() }).optional(),
  lastEnteredAt: z.string().optional(),
  entries: z.number().int().min(0),
  /** Customers whose membership of this journey was folded into this one by a merge (makes the fold idempotent). */
  mergedFrom: z.array(z.string()).optional(),
});
export type Membership = z.infer<typeof Membership>;

export function membershipId(journeyId: string): string {
  return `membership:${journeyId}`;
}

const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest();

/** Deterministic: the same trigger for the same customer and journey always names the same enrollment. */
export function enrollmentId(journeyId: string, customerId: string, triggerKey: string): string {
  return 'e_' + digest('enrollment', journeyId, customerId, triggerKey).toString('base64url').slice(0, 32);
}

/** A uniform number in [0, 1) from a hash: stable across processes, versions and redeliveries. */
export function unitHash(...parts: string[]): number {
  return digest(...parts).readUInt32BE(0) / 2 ** 32;
}

/**
 * Holdout and arm from (customer, journey) only, so a customer lands in the same place on every version and
 * every delivery. Two independent hashes: changing the arms' weights never moves anyone into or out of the
 * holdout.
 */
export function assignArm(customerId: string, journeyId: string, experiment: Pick<Experiment, 'holdoutPercent' | 'arms'>): { arm: string; holdout: boolean } {
  if (unitHash('holdout', journeyId, customerId) * 100 < experiment.holdoutPercent) return { arm: 'control', holdout: true };
  const total = experiment.arms.reduce((sum, a) => sum + a.weight, 0);
  let point = unitHash('arm', journeyId, customerId) * total;
  for (const arm of experiment.arms) {
    if (point < arm.weight) return { arm: arm.name, holdout: false };
    point -= arm.weight;
  }
  return { arm: experiment.arms[experiment.arms.length - 1]!.name, holdout: false };
}

/** The facts the audience filter reads from a customer document (scores written by segmentation). */
export interface AudienceFacts {
  segment: string | null;
  clv12m?: number | undefined;
  pAlive?: number | undefined;
  locale?: string | undefined;
  consents: Partial<Record<'email' | 'sms' | 'push' | 'mail', boolean>>;
  engagementRate?: number | undefined;
  couponRedemptionRate?: number | undefined;
}

/** A bound on a fact that may be unknown: an unknown value matches no bound (like a comparison with null in SQL). */
function bounded(label: string, value: number | undefined, min: number | undefined, max: number | undefined): string | undefined {
  if (min !== undefined && !(value !== undefined && value >= min)) return `${label} ${value ?? 'unknown'} below ${min}`;
  if (max !== undefined && !(value !== undefined && value <= max)) return `${label} ${value ?? 'unknown'} above ${max}`;
  return undefined;
}

export function audienceMatches(audience: Audience, facts: AudienceFacts): { ok: true } | { ok: false; reason: string } {
  if (audience.segments && (facts.segment === null || !audience.segments.includes(facts.segment))) return { ok: false, reason: `segment ${facts.segment ?? 'none'} is not in ${audience.segments.join(', ')}` };
  if (audience.excludeSegments && facts.segment !== null && audience.excludeSegments.includes(facts.segment)) return { ok: false, reason: `segment ${facts.segment} is excluded` };
  const outOfBounds =
    bounded('CLV', facts.clv12m, audience.minClv12m, audience.maxClv12m) ??
    bounded('P(alive)', facts.pAlive, audience.minPAlive, audience.maxPAlive) ??
    bounded('engagement rate', facts.engagementRate, audience.minEngagementRate, audience.maxEngagementRate) ??
    bounded('coupon redemption rate', facts.couponRedemptionRate, audience.minCouponRedemptionRate, audience.maxCouponRedemptionRate);
  if (outOfBounds) return { ok: false, reason: outOfBounds };
  if (audience.locales) {
    const locale = facts.locale?.toLowerCase();
    if (!locale || !audience.locales.some((l) => locale === l.toLowerCase() || locale.startsWith(`${l.toLowerCase()}-`))) return { ok: false, reason: `locale ${facts.locale ?? 'unknown'} is not in ${audience.locales.join(', ')}` };
  }
  if (audience.hasConsentFor && !audience.hasConsentFor.some((c) => facts.consents[c] === true)) return { ok: false, reason: `no consent for ${audience.hasConsentFor.join(' or ')}` };
  return { ok: true };
}

export type ReentryDecision =
  /** Enter under this id. */
  | { kind: 'enter' }
  /** This very entry was decided before (a redelivery): finish what may be missing, change nothing else. */
  | { kind: 'same'; enteredAt: string; version: number; arm: string }
  | { kind: 'refused'; reason: string };

/**
 * Never twice at once in the same journey; not again within `minDaysBetween`; never again when re-entry is off.
 * `currentEnded` says whether the membership's current enrollment has ended (read by the caller).
 */
export function reentryDecision(membership: Membership | undefined, currentEnded: boolean, reentry: Reentry, id: string, now: Date): ReentryDecision {
  const current = membership?.current;
  if (current?.enrollmentId === id) return { kind: 'same', enteredAt: current.enteredAt, version: current.version, arm: current.arm };
  if (current && !currentEnded) return { kind: 'refused', reason: `already in the journey (enrollment ${current.enrollmentId})` };
  if (membership && membership.entries > 0) {
    if (!reentry.allowed) return { kind: 'refused', reason: 're-entry is off for this journey' };
    const last = membership.lastEnteredAt ? Date.parse(membership.lastEnteredAt) : undefined;
    if (last !== undefined && now.getTime() - last < reentry.minDaysBetween * 86_400_000) {
      return { kind: 'refused', reason: `entered ${membership.lastEnteredAt}; re-entry needs ${reentry.minDaysBetween} days` };
    }
  }
  return { kind: 'enter' };
}

/** The enrollment as created: holdout members get no steps, only the end of their attribution window. */
export function newEnrollment(input: {
  id: string;
  customerId: string;
  journeyId: string;
  version: number;
  definition: JourneyDefinition;
  assignment: { arm: string; holdout: boolean };
  enteredAt: Date;
  trigger: EnrollmentTrigger;
  segment: string | null;
  reason: string;
}): Enrollment {
  const { definition, assignment } = input;
  const firstStep = assignment.holdout ? null : (definition.experiment.arms.find((a) => a.name === assignment.arm)?.steps[0]?.id ?? null);
  const at = input.enteredAt.toISOString();
  const dueAt = assignment.holdout ? new Date(input.enteredAt.getTime() + definition.attributionDays * 86_400_000).toISOString() : at;
  const history: HistoryEntry[] = [{ at, event: 'entered', reason: input.reason }];
  history.push(
    assignment.holdout
      ? { at, event: 'holdout', reason: `holdout (${definition.experiment.holdoutPercent} %): tracked for ${definition.attributionDays} days, receives nothing` }
      : { at, event: 'assigned', reason: `arm ${assignment.arm}` },
  );
  return {
    id: input.id,
    type: 'enrollment',
    customerId: input.customerId,
    journeyId: input.journeyId,
    version: input.version,
    arm: assignment.arm,
    holdout: assignment.holdout,
    status: 'active',
    enteredAt: at,
    trigger: input.trigger,
    segmentAtEntry: input.segment,
    attributionDays: definition.attributionDays,
    exitOnPurchase: definition.exitOn.purchase,
    cursor: { visit: 1, stepId: firstStep, dueAt },
    completedSteps: [],
    history,
  };
}

export type StepEffect =
  | { type: 'send'; step: Extract<Step, { type: 'send' }> }
  | { type: 'issueCoupon'; step: Extract<Step, { type: 'issueCoupon' }> }
  | { type: 'markDormant'; action: 'flag' | 'close' };

export interface StepFacts {
  segment: string | null;
  timeZone: string;
  /** Only read by branches that ask. */
  couponRedeemed?: boolean | undefined;
  purchasedSinceEntry?: boolean | undefined;
}

export type StepDecision = {
  effects: StepEffect[];
  history: HistoryEntry[];
  outcome: string;
} & ({ kind: 'advance'; next: { stepId: string; dueAt: Date } } | { kind: 'end'; status: Exclude<EnrollmentStatus, 'active'> });

/** What a branch needs to know before it can decide, so the engine only reads what it must. */
export function factsNeeded(step: Step | undefined): 'couponRedeemed' | 'purchasedSinceEntry' | undefined {
  if (step?.type !== 'branch') return undefined;
  if (step.condition.type === 'couponRedeemed') return 'couponRedeemed';
  if (step.condition.type === 'purchasedSinceEntry') return 'purchasedSinceEntry';
  return undefined;
}

function conditionHolds(condition: Condition, enrollment: Enrollment, stepId: string, facts: StepFacts): { holds: boolean; why: string } {
  switch (condition.type) {
    case 'couponRedeemed':
      return { holds: facts.couponRedeemed === true, why: facts.couponRedeemed ? `coupon of ${condition.step} redeemed` : `coupon of ${condition.step} not redeemed` };
    case 'purchasedSinceEntry':
      return { holds: facts.purchasedSinceEntry === true, why: facts.purchasedSinceEntry ? 'purchased since entry' : 'no purchase since entry' };
    case 'inSegment': {
      const holds = facts.segment !== null && condition.segments.includes(facts.segment);
      return { holds, why: `segment now ${facts.segment ?? 'none'}` };
    }
    case 'randomSplit': {
      const u = unitHash('split', enrollment.id, stepId) * 100;
      return { holds: u < condition.percent, why: `random split ${condition.percent} %` };
    }
    default: {
      const exhaustive: never = condition;
      return exhaustive;
    }
  }
}

/**
 * What the step under the cursor does now. Exit checks (status, pause, purchase) happen before: this only
 * runs for an active enrollment whose step is due.
 */
export function stepDecision(now: Date, enrollment: Enrollment, definition: JourneyDefinition, facts: StepFacts): StepDecision {
  const at = now.toISOString();
  const stepId = enrollment.cursor.stepId;
  if (enrollment.holdout || stepId === null) {
    const reason = enrollment.holdout ? 'holdout: attribution window over' : 'all steps done';
    return { kind: 'end', status: 'completed', effects: [], history: [{ at, event: 'completed', reason }], outcome: 'completed' };
  }
  const steps = definition.experiment.arms.find((a) => a.name === enrollment.arm)?.steps ?? [];
  const index = steps.findIndex((s) => s.id === stepId);
  if (index < 0) {
    return { kind: 'end', status: 'exited', effects: [], history: [{ at, event: 'exited', stepId, reason: `step ${stepId} is not in version ${enrollment.version}, arm ${enrollment.arm}` }], outcome: 'unknown_step' };
  }
  const step = steps[index]!;
  const following = steps[index + 1]?.id;
  const advance = (target: string | undefined, dueAt: Date, effects: StepEffect[], entry: HistoryEntry, outcome: string): StepDecision =>
    target === undefined
      ? { kind: 'end', status: 'completed', effects, history: [entry, { at, event: 'completed', reason: 'all steps done' }], outcome }
      : { kind: 'advance', next: { stepId: target, dueAt }, effects, history: [entry], outcome };

  switch (step.type) {
    case 'send':
      return advance(step.next ?? following, now, [{ type: 'send', step }], { at, event: 'step', stepId, reason: `send ${step.template} (${step.channel}) queued` }, 'queued');
    case 'issueCoupon':
      return advance(step.next ?? following, now, [{ type: 'issueCoupon', step }], { at, event: 'step', stepId, reason: `coupon of offer ${step.offer} requested` }, 'requested');
    case 'wait': {
      // From when the step was due, not when it ran: a late delivery keeps the journey on its calendar.
      let due = new Date(Math.min(now.getTime(), Date.parse(enrollment.cursor.dueAt)));
      if (step.duration) due = new Date(due.getTime() + durationMs(step.duration));
      if (step.untilLocalTime) due = nextLocalTime(due, step.untilLocalTime, facts.timeZone);
      return advance(step.next ?? following, due, [], { at, event: 'step', stepId, reason: `wait until ${due.toISOString()}` }, `until ${due.toISOString()}`);
    }
    case 'branch': {
      const { holds, why } = conditionHolds(step.condition, enrollment, stepId, facts);
      const target = holds ? step.then : step.else;
      return advance(target, now, [], { at, event: 'step', stepId, reason: `${why} → ${target}` }, holds ? 'then' : 'else');
    }
    case 'exit':
      return { kind: 'end', status: 'exited', effects: [], history: [{ at, event: 'exited', stepId, reason: step.reason ?? `exit step ${stepId}` }], outcome: 'exited' };
    case 'markDormant':
      return {
        kind: 'end',
        status: 'dormant',
        effects: [{ type: 'markDormant', action: step.action }],
        history: [{ at, event: 'dormant', stepId, reason: step.action === 'close' ? 'no purchase: account closed' : 'no purchase: account flagged dormant' }],
        outcome: step.action,
      };
    default: {
      const exhaustive: never = step;
      return exhaustive;
    }
  }
}

/** The enrollment after a decision: cursor moved (or ended), the step recorded, its reasons appended. */
export function applyStepDecision(enrollment: Enrollment, decision: StepDecision, now: Date): Enrollment {
  const at = now.toISOString();
  const completed = enrollment.cursor.stepId === null
    ? enrollment.completedSteps
    : [...enrollment.completedSteps, { visit: enrollment.cursor.visit, stepId: enrollment.cursor.stepId, type: 'step', at, outcome: decision.outcome }];
  const history = [...enrollment.history, ...decision.history];
  switch (decision.kind) {
    case 'advance':
      return { ...enrollment, completedSteps: completed, history, cursor: { visit: enrollment.cursor.visit + 1, stepId: decision.next.stepId, dueAt: decision.next.dueAt.toISOString() } };
    case 'end':
      return { ...enrollment, completedSteps: completed, history, status: decision.status, endedAt: at };
    default: {
      const exhaustive: never = decision;
      return exhaustive;
    }
  }
}

/** A purchase ends an active enrollment that exits on purchase, recorded as converted. */
export function conversionDecision(enrollment: Enrollment, purchase: { orderId: string; occurredAt: string; refund: boolean }, now: Date): Enrollment | undefined {
  if (enrollment.status !== 'active' || !enrollment.exitOnPurchase || purchase.refund) return undefined;
  if (purchase.occurredAt < enrollment.enteredAt) return undefined;
  const at = now.toISOString();
  return { ...enrollment, status: 'converted', endedAt: at, history: [...enrollment.history, { at, event: 'converted', reason: `purchase ${purchase.orderId} at ${purchase.occurredAt}` }] };
}
