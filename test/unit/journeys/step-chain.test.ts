import { describe, expect, it } from 'vitest';
import { JourneyWorld, RecordingBus } from '../../../bench/journeys-world.js';
import { builtinJourney } from '../../../shared/journeys/defaults.js';
import { assignArm } from '../../../shared/journeys/enrollment.js';
import { queues } from '../../../shared/resources.js';

const start = new Date('2026-11-02T02:00:00.000Z');

function messagedCustomer(): string {
  const experiment = builtinJourney('winback-default')!.experiment;
  for (let i = 0; ; i++) if (!assignArm(`chain-${i}`, 'winback-default', experiment).holdout) return `chain-${i}`;
}

/** A customer entering winback-default, and the first step message that enrollment sent. */
async function entered(crashOnWrite?: number) {
  const bus = new RecordingBus();
  const world = new JourneyWorld(bus);
  const customerId = messagedCustomer();
  world.customers.set(customerId, { id: customerId, email: 'anna@example.com', locale: 'de-DE', timeZone: 'Europe/Berlin', consents: { email: { granted: true, at: '2026-10-01T00:00:00Z', source: 'test' } } });
  await world.journeys.setStatus('winback-default', 'active', start);
  await world.handle(queues.customerEvents.name, { type: 'segment.changed', customerId, runId: 'run-1', from: 'loyal', to: 'at_risk' }, start);
  const first = bus.sent.find((s) => s.queue === queues.journeySteps.name)!;
  if (crashOnWrite !== undefined) {
    // The process dies right after the n-th step write of the row (the write itself landed).
    const docs = world.enrollmentDocs;
    const write = docs.replaceTagged.bind(docs);
    let writes = 0;
    docs.replaceTagged = async (...args) => {
      const result = await write(...args);
      if (++writes === crashOnWrite) throw new Error('crash after write');
      return result;
    };
  }
  return { bus, world, customerId, first };
}

const stepMessages = (bus: RecordingBus) => bus.sent.filter((s) => s.queue === queues.journeySteps.name);
const effects = (bus: RecordingBus) => bus.sent.filter((s) => s.queue !== queues.journeySteps.name && s.queue !== queues.kpiEvents.name).map((s) => `${s.queue} ${s.message.messageId}`);

describe('steps due at once run in one invocation', () => {
  it('runs coupon, message and wait on the first step message and schedules only the step after the wait', async () => {
    const { bus, world, customerId, first } = await entered();
    await world.handle(queues.journeySteps.name, first.message.body, start);

    const [enrollment] = await world.enrollments.forCustomer(customerId);
    expect(enrollment!.completedSteps.map((s) => s.stepId)).toEqual(['coupon', 'miss-you', 'wait-7d']);
    expect(enrollment!.cursor).toMatchObject({ visit: 4, stepId: 'redeemed' });
    expect(Date.parse(enrollment!.cursor.dueAt)).toBeGreaterThan(start.getTime() + 6 * 86_400_000);
    // One message for the enrollment's start and one for the step after the wait, scheduled when it is due.
    const steps = stepMessages(bus);
    expect(steps.map((s) => (s.message.body as { visit: number }).visit)).toEqual([1, 4]);
    expect(steps[1]!.message.scheduledEnqueueTime?.toISOString()).toBe(enrollment!.cursor.dueAt);
    expect(effects(bus)).toEqual([`${queues.couponRequests.name} ${enrollment!.id}.coupon`, `${queues.outboundMessages.name} ${enrollment!.id}.2.miss-you`]);
  });

  it('after a crash between two writes of the row, the redelivered message carries on from the last step written', async () => {
    const clean = await entered();
    await clean.world.handle(queues.journeySteps.name, clean.first.message.body, start);
    const [expected] = await clean.world.enrollments.forCustomer(clean.customerId);

    const crashed = await entered(2);
    await expect(crashed.world.handle(queues.journeySteps.name, crashed.first.message.body, start)).rejects.toThrow('crash after write');
    const [halfway] = await crashed.world.enrollments.forCustomer(crashed.customerId);
    expect(halfway!.cursor).toMatchObject({ visit: 3, stepId: 'wait-7d' });
    expect(stepMessages(crashed.bus)).toHaveLength(1);

    // Service Bus delivers the same message again: it is behind the cursor, so the current step's message goes
    // out, and that one runs the rest of the row.
    await crashed.world.handle(queues.journeySteps.name, crashed.first.message.body, start);
    const resend = stepMessages(crashed.bus)[1]!;
    expect(resend.message.body).toMatchObject({ visit: 3 });
    await crashed.world.handle(queues.journeySteps.name, resend.message.body, start);

    const [after] = await crashed.world.enrollments.forCustomer(crashed.customerId);
    expect(after!.completedSteps).toEqual(expected!.completedSteps);
    expect(after!.cursor).toEqual(expected!.cursor);
    expect(effects(crashed.bus)).toEqual(effects(clean.bus));
  });
});
