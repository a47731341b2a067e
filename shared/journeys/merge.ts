import type { MergeConflict, MergeParticipant } from '../links/merge.js';
import type { Enrollment, Membership } from './enrollment.js';
import type { EnrollmentStore } from './store.js';

/**
 * Enrollments and memberships follow a customer into a merge. The decisions are pure; the participant at
 * the end applies them with ETags. What the survivor keeps: every enrollment of both customers (different
 * journeys side by side, ended ones as history), and per journey one membership that counts the entries of
 * both. Two active enrollments in the same journey cannot both go on and neither can be picked for the
 * marketer, so that is a conflict reported before the merge starts.
 */

/** One conflict per journey in which both customers hold an active enrollment. */
export function enrollmentConflicts(from: readonly Enrollment[], into: readonly Enrollment[]): MergeConflict[] {
  const activeInto = new Map(into.filter((e) => e.status === 'active').map((e) => [e.journeyId, e.id]));
  const conflicts: MergeConflict[] = [];
  for (const e of from) {
    const other = e.status === 'active' ? activeInto.get(e.journeyId) : undefined;
    if (other !== undefined) conflicts.push({ field: `journeys.${e.journeyId}`, values: [e.id, other] });
  }
  return conflicts;
}

/**
 * The absorbed customer's enrollment as the survivor keeps it: same id (its KPI outcome, coupon requests and
 * message ids stay attached), the survivor's customer id, and why it moved in its history. `supersededBy` is
 * the survivor's own active enrollment in the same journey when one started after the conflict check (a race
 * the check cannot see): the absorbed one then ends as exited rather than running twice at once.
 */
export function movedEnrollment(enrollment: Enrollment, into: string, now: Date, supersededBy?: string): Enrollment {
  const at = now.toISOString();
  const moved: Enrollment = {
    ...enrollment,
    customerId: into,
    history: [...enrollment.history, { at, event: 'merged', reason: `customer ${enrollment.customerId} merged into ${into}` }],
  };
  if (supersededBy === undefined || enrollment.status !== 'active') return moved;
  return { ...moved, status: 'exited', endedAt: at, history: [...moved.history, { at, event: 'exited', reason: `merge: already in the journey (enrollment ${supersededBy})` }] };
}

/**
 * Whether a moved copy should be written over what the survivor's partition already holds under the id: only
 * when the absorbed original went further (a step ran on it after an earlier, interrupted attempt copied it).
 */
export function moveWrite(original: Enrollment, existing: Enrollment | undefined): 'create' | 'replace' | 'keep' {
  if (existing === undefined) return 'create';
  return original.history.length + 1 > existing.history.length ? 'replace' : 'keep';
}

/**
 * The survivor's membership of one journey after the merge: entries of both counted (re-entry rules see the
 * person's whole history), the later entry as `lastEnteredAt`, and as `current` the one still running, else
 * the later one. `activeIds` are the enrollments that are active now. Undefined: nothing to write (the
 * absorbed customer was folded in before).
 */
export function mergedMembership(from: Membership, into: Membership | undefined, intoId: string, activeIds: ReadonlySet<string>): Membership | undefined {
  if (into?.mergedFrom?.includes(from.customerId)) return undefined;
  const mergedFrom = [...new Set([...(into?.mergedFrom ?? []), from.customerId, ...(from.mergedFrom ?? [])])];
  if (into === undefined) return { ...from, customerId: intoId, mergedFrom };
  const pick = (): Membership['current'] => {
    const [a, b] = [into.current, from.current];
    if (a && activeIds.has(a.enrollmentId)) return a;
    if (b && activeIds.has(b.enrollmentId)) return b;
    if (!a || !b) return a ?? b;
    return b.enteredAt > a.enteredAt ? b : a;
  };
  const current = pick();
  const last = [into.lastEnteredAt, from.lastEnteredAt].filter((x): x is string => x !== undefined).sort().pop();
  const next: Membership = { ...into, entries: into.entries + from.entries, mergedFrom };
  if (current) next.current = current;
  else delete next.current;
  if (last !== undefined) next.lastEnteredAt = last;
  return next;
}

const maxAttempts = 50;
const contention = (what: string) => Object.assign(new Error(`too much contention on ${what}`), { code: 503 });

/**
 * Moves enrollments first, memberships second: a membership folded in already points at enrollments that
 * are in the survivor's partition. Each enrollment is copied, then the original is deleted only if it did
 * not change meanwhile (a step that ran on it is copied again). A step message still naming the absorbed
 * id finds the enrollment through the survivor (runStep). A crash anywhere: the retry starts again from
 * what is left under the absorbed id, and a repeat finds nothing there.
 */
export function enrollmentParticipant(enrollments: EnrollmentStore): MergeParticipant {
  const moveEnrollment = async (id: string, from: string, into: string, now: Date) => {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const original = await enrollments.get(from, id);
      if (!original) return;
      const existing = await enrollments.get(into, id);
      const rival = original.value.status === 'active' ? await activeRival(into, original.value.journeyId, id) : undefined;
      const copy = movedEnrollment(original.value, into, now, rival);
      const write = moveWrite(original.value, existing?.value);
      const written = write === 'create' ? await enrollments.create(copy) : write === 'replace' ? await enrollments.replace(copy, existing!.etag) : 'ok';
      if (written === 'conflict') continue;
      const again = await enrollments.get(from, id);
      if (again && again.etag !== original.etag) continue;
      await enrollments.delete(from, id);
      return;
    }
    throw contention(`enrollment ${id}`);
  };
  const activeRival = async (customerId: string, journeyId: string, except: string) =>
    (await enrollments.forCustomer(customerId)).find((e) => e.journeyId === journeyId && e.status === 'active' && e.id !== except)?.id;
  const moveMembership = async (membership: Membership, into: string) => {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const target = await enrollments.membership(into, membership.id);
      const active = new Set((await enrollments.forCustomer(into)).filter((e) => e.status === 'active').map((e) => e.id));
      const next = mergedMembership(membership, target?.value, into, active);
      if (next !== undefined && (await enrollments.putMembership(next, target?.etag)) === 'conflict') continue;
      await enrollments.delete(membership.customerId, membership.id);
      return;
    }
    throw contention(`the membership of ${into} in ${membership.journeyId}`);
  };
  return {
    name: 'enrollments',
    holds: async (customerId) => (await enrollments.documentsOf(customerId)).length > 0,
    conflicts: async (from, into) => enrollmentConflicts(await enrollments.forCustomer(from), await enrollments.forCustomer(into)),
    async merge(from, into, now) {
      for (const e of await enrollments.forCustomer(from)) await moveEnrollment(e.id, from, into, now);
      for (const doc of await enrollments.documentsOf(from)) if (doc.type === 'membership') await moveMembership(doc, into);
    },
  };
}
