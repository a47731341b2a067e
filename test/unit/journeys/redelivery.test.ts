import { describe, expect, it } from 'vitest';
import { JourneyWorld, RecordingBus } from '../../../bench/journeys-world.js';
import { builtinJourney } from '../../../shared/journeys/defaults.js';
import { assignArm } from '../../../shared/journeys/enrollment.js';
import { queues } from '../../../shared/resources.js';

const start = new Date('2026-11-02T02:00:00.000Z');
const until = new Date('2027-01-15T00:00:00.000Z');

function messagedCustomer(): string {
  const experiment = builtinJourney('winback-default')!.experiment;
  for (let i = 0; ; i++) if (!assignArm(`r-${i}`, 'winback-default', experiment).holdout) return `r-${i}`;
}

/**
 * Runs winback-default for one customer to its end, delivering every message `copies` times: the first copy
 * when due, the others after everything else due at that moment (a redelivery after a lost lock arrives late).
 */
async function run(copies: number) {
  const bus = new RecordingBus();
  const world = new JourneyWorld(bus);
  const customerId = messagedCustomer();
  world.customers.set(customerId, {
    id: customerId,
    firstName: 'Anna',
    email: 'anna@example.com',
    locale: 'de-DE',
    timeZone: 'Europe/Berlin',
    consents: { email: { granted: true, at: '2026-10-01T00:00:00Z', source: 'test' } },
  });
  await world.journeys.setStatus('winback-default', 'active', start);
  await bus.send(queues.customerEvents.name, { messageId: 'seg-1', body: { type: 'segment.changed', customerId, runId: 'run-1', from: 'loyal', to: 'at_risk' } });

  let now = start;
  let next = 0;
  const dueAt = (i: number) => {
    const m = bus.sent[i]!.message;
    return m.scheduledEnqueueTime ?? (m as { sentAt?: Date }).sentAt ?? start;
  };
  const sentAt = new Map<number, Date>();
  const delivered = new Set<number>();
  for (;;) {
    for (let i = next; i < bus.sent.length; i++) if (!sentAt.has(i)) sentAt.set(i, now);
    next = bus.sent.length;
    const candidates = [...sentAt.keys()].filter((i) => !delivered.has(i)).map((i) => ({ i, due: bus.sent[i]!.message.scheduledEnqueueTime ?? sentAt.get(i)! }));
    if (candidates.length === 0) break;
    candidates.sort((a, b) => a.due.getTime() - b.due.getTime() || a.i - b.i);
    const first = candidates[0]!;
    if (first.due > until) break;
    if (first.due > now) now = first.due;
    const batch = candidates.filter((c) => c.due <= now);
    for (const { i } of batch) {
      delivered.add(i);
      await world.handle(bus.sent[i]!.queue, bus.sent[i]!.message.body, now);
    }
    for (let copy = 1; copy < copies; copy++) {
      for (const { i } of [...batch].reverse()) await world.handle(bus.sent[i]!.queue, bus.sent[i]!.message.body, now);
    }
    void dueAt;
  }
  const messages = await world.messages.listForCustomer(customerId);
  return {
    outbox: [...world.blobs.files.entries()].sort(),
    messages: messages.map(({ updatedAt: _u, ...m }) => m),
    coupons: [...world.coupons.byRequest.values()].map((c) => [c.requestId, c.code]).sort(),
    enrollments: await world.enrollments.forCustomer(customerId),
    dormant: [...world.dormant],
  };
}

describe('at-least-once: every message delivered three times', () => {
  it('leaves the same outbox, messages, coupons and enrollment as delivering once', async () => {
    const once = await run(1);
    const thrice = await run(3);
    expect(once.outbox).toHaveLength(3);
    expect(once.messages.map((m) => [m.stepId, m.status])).toEqual([['miss-you', 'sent'], ['reminder', 'sent'], ['stronger', 'sent']]);
    expect(once.coupons).toHaveLength(2);
    expect(once.enrollments[0]).toMatchObject({ status: 'dormant' });
    expect(thrice.outbox).toEqual(once.outbox);
    expect(thrice.messages).toEqual(once.messages);
    expect(thrice.coupons).toEqual(once.coupons);
    expect(thrice.enrollments).toEqual(once.enrollments);
    expect(thrice.dormant).toEqual(once.dormant);
  });
});
