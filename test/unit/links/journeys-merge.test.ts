import { describe, expect, it } from 'vitest';
import { JourneyWorld, RecordingBus } from '../../../bench/journeys-world.js';
import { builtinJourney } from '../../../shared/journeys/defaults.js';
import { membershipId, newEnrollment, type Enrollment, type Membership } from '../../../shared/journeys/enrollment.js';
import { enrollmentConflicts, enrollmentParticipant, mergedMembership, movedEnrollment, moveWrite } from '../../../shared/journeys/merge.js';
import { EnrollmentStore } from '../../../shared/journeys/store.js';
import { dispatch } from '../../../shared/messages/dispatcher.js';
import type { ContactLedger, MessageRecord, SuppressionDocument } from '../../../shared/messages/message.js';
import { mergedLedger, mergedSuppressions, messageParticipant, movedMessage } from '../../../shared/messages/merge.js';
import type { MessagesDoc } from '../../../shared/messages/store.js';
import { MemoryDocumentStore } from '../../../shared/storage/documents.js';

const t0 = new Date('2026-11-02T10:00:00.000Z');
const later = (days: number) => new Date(t0.getTime() + days * 86_400_000);
const definition = builtinJourney('winback-default')!;

function enrollment(customerId: string, journeyId: string, status: Enrollment['status'] = 'active', enteredAt = t0, key = 'k'): Enrollment {
  const e = newEnrollment({ id: `e-${customerId}-${journeyId}-${key}`, customerId, journeyId, version: 1, definition, assignment: { arm: 'message', holdout: false }, enteredAt, trigger: { type: 'manual', key }, segment: 'at_risk', reason: 'test' });
  return status === 'active' ? e : { ...e, status, endedAt: later(1).toISOString() };
}

function membership(customerId: string, journeyId: string, current: Enrollment | undefined, entries: number): Membership {
  return {
    id: membershipId(journeyId),
    type: 'membership',
    customerId,
    journeyId,
    entries,
    ...(current ? { current: { enrollmentId: current.id, enteredAt: current.enteredAt, version: 1, arm: current.arm, triggerKey: current.trigger.key }, lastEnteredAt: current.enteredAt } : {}),
  };
}

describe('enrollment merge decisions', () => {
  it('reports each journey in which both customers hold an active enrollment, and nothing else', () => {
    const from = [enrollment('A', 'winback-default'), enrollment('A', 'birthday'), enrollment('A', 'welcome-back', 'converted')];
    const into = [enrollment('B', 'winback-default'), enrollment('B', 'birthday', 'completed'), enrollment('B', 'welcome-back')];
    expect(enrollmentConflicts(from, into)).toEqual([{ field: 'journeys.winback-default', values: ['e-A-winback-default-k', 'e-B-winback-default-k'] }]);
    expect(enrollmentConflicts([], into)).toEqual([]);
  });

  it('moves an enrollment under the survivor with its id and says why; one racing a survivor enrollment ends', () => {
    const e = enrollment('A', 'winback-default');
    const moved = movedEnrollment(e, 'B', later(2));
    expect(moved).toMatchObject({ id: e.id, customerId: 'B', status: 'active', cursor: e.cursor });
    expect(moved.history.at(-1)).toEqual({ at: later(2).toISOString(), event: 'merged', reason: 'customer A merged into B' });
    const superseded = movedEnrollment(e, 'B', later(2), 'e-B');
    expect(superseded).toMatchObject({ status: 'exited', endedAt: later(2).toISOString() });
    expect(superseded.history.at(-1)?.reason).toBe('merge: already in the journey (enrollment e-B)');
    // An ended enrollment is kept as it ended.
    expect(movedEnrollment(enrollment('A', 'birthday', 'converted'), 'B', later(2), 'e-B').status).toBe('converted');
  });

  it('writes a copy over an earlier one only when the original went further', () => {
    const e = enrollment('A', 'winback-default');
    const copied = movedEnrollment(e, 'B', t0);
    expect(moveWrite(e, undefined)).toBe('create');
    expect(moveWrite(e, copied)).toBe('keep');
    const stepped = { ...e, history: [...e.history, { at: t0.toISOString(), event: 'step', reason: 'ran' }] };
    expect(moveWrite(stepped, copied)).toBe('replace');
    const advanced = { ...copied, history: [...copied.history, { at: t0.toISOString(), event: 'step', reason: 'ran' }] };
    expect(moveWrite(e, advanced)).toBe('keep');
  });

  it('folds memberships: entries of both, the running one current, the later entry last; once', () => {
    const old = enrollment('B', 'winback-default', 'completed', t0, 'old');
    const running = enrollment('A', 'winback-default', 'active', later(30), 'new');
    const merged = mergedMembership(membership('A', 'winback-default', running, 1), membership('B', 'winback-default', old, 2), 'B', new Set([running.id]))!;
    expect(merged).toMatchObject({ customerId: 'B', entries: 3, lastEnteredAt: running.enteredAt, mergedFrom: ['A'], current: { enrollmentId: running.id } });
    expect(mergedMembership(membership('A', 'winback-default', running, 1), merged, 'B', new Set([running.id]))).toBeUndefined();
    // Neither running: the later entry is current (re-entry waits from it).
    const ended = mergedMembership(membership('A', 'winback-default', { ...running, status: 'converted' }, 1), membership('B', 'winback-default', old, 2), 'B', new Set())!;
    expect(ended.current?.enrollmentId).toBe(running.id);
    // Only the absorbed customer was in the journey: its membership moves.
    expect(mergedMembership(membership('A', 'birthday', running, 1), undefined, 'B', new Set())).toMatchObject({ customerId: 'B', entries: 1, mergedFrom: ['A'] });
  });
});

describe('message merge decisions', () => {
  const entry = (channel: 'email' | 'sms', reason: 'unsubscribed' | 'bounced', at: string) => ({ channel, reason, at });
  it('keeps every suppressed channel of both, the later word per channel', () => {
    const from: SuppressionDocument = { id: 'suppression', type: 'suppression', customerId: 'A', entries: [entry('email', 'unsubscribed', '2026-11-05T00:00:00Z'), entry('sms', 'bounced', '2026-10-01T00:00:00Z')] };
    const into: SuppressionDocument = { id: 'suppression', type: 'suppression', customerId: 'B', entries: [entry('email', 'bounced', '2026-11-01T00:00:00Z')] };
    expect(mergedSuppressions(from, into, 'B').entries).toEqual([entry('email', 'unsubscribed', '2026-11-05T00:00:00Z'), entry('sms', 'bounced', '2026-10-01T00:00:00Z')]);
    expect(mergedSuppressions(from, mergedSuppressions(from, into, 'B'), 'B')).toEqual(mergedSuppressions(from, into, 'B'));
  });

  it('counts sends to either customer against the cap, each once', () => {
    const from: ContactLedger = { id: 'ledger', type: 'ledger', customerId: 'A', sends: [{ messageId: 'm2', at: '2026-11-02T09:00:00Z' }, { messageId: 'm1', at: '2026-11-01T09:00:00Z' }] };
    const into: ContactLedger = { id: 'ledger', type: 'ledger', customerId: 'B', sends: [{ messageId: 'm1', at: '2026-11-01T09:00:00Z' }, { messageId: 'm3', at: '2026-11-01T12:00:00Z' }] };
    expect(mergedLedger(from, into, 'B').sends.map((s) => s.messageId)).toEqual(['m1', 'm3', 'm2']);
  });

  it('moves a message record unless the survivor holds a copy as recent', () => {
    const record = { id: 'm1', type: 'message', messageId: 'm1', customerId: 'A', updatedAt: '2026-11-02T00:00:00Z' } as MessageRecord;
    expect(movedMessage(record, undefined, 'B')).toMatchObject({ id: 'm1', customerId: 'B' });
    expect(movedMessage(record, { ...record, customerId: 'B' }, 'B')).toBeUndefined();
    expect(movedMessage({ ...record, updatedAt: '2026-11-03T00:00:00Z' }, { ...record, customerId: 'B' }, 'B')).toMatchObject({ updatedAt: '2026-11-03T00:00:00Z' });
  });
});

/** A store that fails the n-th delete once: a crash in the middle of a merge. */
class CrashingStore<T extends { id: string }> extends MemoryDocumentStore<T> {
  deletes = 0;
  constructor(private readonly crashAt: number) {
    super();
  }
  override async delete(partitionKey: string, id: string): Promise<void> {
    if (++this.deletes === this.crashAt) throw new Error('crash');
    return super.delete(partitionKey, id);
  }
}

describe('the enrollments participant', () => {
  async function world(crashAt = 0) {
    const docs = new CrashingStore<never>(crashAt);
    const store = new EnrollmentStore(docs);
    const a1 = enrollment('A', 'winback-default');
    const a2 = enrollment('A', 'birthday', 'converted');
    const b1 = enrollment('B', 'birthday', 'completed', later(-40), 'b');
    for (const e of [a1, a2, b1]) await store.create(e);
    await store.putMembership(membership('A', 'winback-default', a1, 1), undefined);
    await store.putMembership(membership('A', 'birthday', a2, 1), undefined);
    await store.putMembership(membership('B', 'birthday', b1, 1), undefined);
    return { docs, store, a1, a2, b1 };
  }

  it('moves every enrollment and folds memberships; a crash mid-merge finishes on retry; a repeat changes nothing', async () => {
    const { docs, store, a1, a2, b1 } = await world(2);
    const participant = enrollmentParticipant(store);
    expect(await participant.conflicts!('A', 'B')).toEqual([]);
    await expect(participant.merge('A', 'B', later(1))).rejects.toThrow('crash');
    await participant.merge('A', 'B', later(1));
    const after = JSON.stringify(await store.documentsOf('B'));
    await participant.merge('A', 'B', later(2));
    expect(JSON.stringify(await store.documentsOf('B'))).toBe(after);

    expect(await store.documentsOf('A')).toEqual([]);
    expect((await store.forCustomer('B')).map((e) => [e.id, e.customerId, e.status])).toEqual([
      [b1.id, 'B', 'completed'],
      [a2.id, 'B', 'converted'],
      [a1.id, 'B', 'active'],
    ]);
    expect((await store.get('B', a1.id))!.value.history.filter((h) => h.event === 'merged')).toHaveLength(1);
    expect((await store.membership('B', membershipId('winback-default')))!.value).toMatchObject({ customerId: 'B', entries: 1, current: { enrollmentId: a1.id } });
    expect((await store.membership('B', membershipId('birthday')))!.value).toMatchObject({ entries: 2, current: { enrollmentId: a2.id }, mergedFrom: ['A'] });
    expect(await participant.holds!('A')).toBe(false);
    expect(await participant.holds!('B')).toBe(true);
    void docs;
  });

  it('names the journey when both customers are active in it, and ends the absorbed one if a race let both through', async () => {
    const { store, a1 } = await world();
    const b2 = enrollment('B', 'winback-default', 'active', later(1), 'b2');
    await store.create(b2);
    const participant = enrollmentParticipant(store);
    expect(await participant.conflicts!('A', 'B')).toEqual([{ field: 'journeys.winback-default', values: [a1.id, b2.id] }]);
    await participant.merge('A', 'B', later(2));
    expect((await store.get('B', a1.id))!.value).toMatchObject({ status: 'exited' });
    expect((await store.get('B', b2.id))!.value.status).toBe('active');
  });
});

describe('the messages participant', () => {
  it('moves messages, unions suppressions and the ledger, finishes after a crash, and repeats as nothing', async () => {
    const docs = new CrashingStore<MessagesDoc>(1);
    const message = (customerId: string, id: string) => ({ id, type: 'message', messageId: id, customerId, updatedAt: t0.toISOString() }) as MessageRecord;
    await docs.create('A', message('A', 'm-a'));
    await docs.create('B', message('B', 'm-b'));
    await docs.create('A', { id: 'suppression', type: 'suppression', customerId: 'A', entries: [{ channel: 'sms', reason: 'unsubscribed', at: t0.toISOString() }] });
    await docs.create('A', { id: 'ledger', type: 'ledger', customerId: 'A', sends: [{ messageId: 'm-a', at: t0.toISOString() }] });
    await docs.create('B', { id: 'ledger', type: 'ledger', customerId: 'B', sends: [{ messageId: 'm-b', at: later(1).toISOString() }] });
    const participant = messageParticipant(docs);
    await expect(participant.merge('A', 'B', t0)).rejects.toThrow('crash');
    await participant.merge('A', 'B', t0);
    await participant.merge('A', 'B', t0);
    expect(await docs.inPartition('A')).toEqual([]);
    const b = await docs.inPartition('B');
    expect(b.filter((d) => d.type === 'message').map((d) => [d.id, d.customerId]).sort()).toEqual([['m-a', 'B'], ['m-b', 'B']]);
    expect(b.find((d) => d.type === 'suppression')).toMatchObject({ customerId: 'B', entries: [{ channel: 'sms' }] });
    expect((b.find((d) => d.type === 'ledger') as ContactLedger).sends.map((s) => s.messageId)).toEqual(['m-a', 'm-b']);
  });
});

describe('a message queued before the merge', () => {
  it('is sent for the survivor, under its id, and leaves nothing under the absorbed one', async () => {
    const world = new JourneyWorld(new RecordingBus());
    const now = new Date('2026-11-10T10:00:00Z'); // Tuesday, 11:00 in Berlin
    world.customers.set('B', { email: 'b@example.com', firstName: 'Bo', locale: 'en-GB', timeZone: 'Europe/Berlin', consents: { email: { granted: true, at: '2026-01-01T00:00:00Z', source: 't' } } });
    const moved = movedEnrollment(enrollment('A', 'winback-default'), 'B', now);
    await world.enrollments.create(moved);
    const request = {
      messageId: `${moved.id}.1.miss-you`,
      customerId: 'A',
      templateId: 'welcome-back',
      channel: 'email' as const,
      channelPreference: ['email' as const],
      enrollmentId: moved.id,
      journeyId: 'winback-default',
      marketing: true,
      quietHours: { start: '20:00', end: '08:00', sundayChannels: [], channels: [] },
      frequencyCap: { perDay: 1, perWeek: 2, onCap: 'defer' as const },
      createdAt: now.toISOString(),
      attempt: 0,
    };
    const deps = { ...world.dispatchDeps(), survivorOf: async (id: string) => (id === 'A' ? 'B' : undefined) };
    expect(await dispatch(deps, request, now)).toEqual({ status: 'sent' });
    expect(await world.messages.listForCustomer('A')).toEqual([]);
    expect((await world.messages.get('B', request.messageId))!.value).toMatchObject({ customerId: 'B', status: 'sent' });
    // Without the alias the same message is skipped as before: its enrollment is gone.
    const unlinked = await dispatch(world.dispatchDeps(), { ...request, messageId: 'other' }, now);
    expect(unlinked).toEqual({ status: 'skipped', reason: 'enrollment_gone' });
  });
});
