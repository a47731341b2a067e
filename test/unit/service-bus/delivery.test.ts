import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../shared/clock.js';
import { LocalServiceBus, LocalServiceBusError } from '../../../local/service-bus/transport.js';
import { gate, message, minutes, openBus, queueName, recorder, seconds, spec, t0 } from './fixtures.js';

describe('delivery', () => {
  it('delivers a sent message once with the trigger metadata and completes it', async () => {
    const { bus } = openBus();
    const { deliveries, handler } = recorder();
    bus.subscribe(queueName, handler, { maxConcurrentCalls: 1 });

    await bus.send(queueName, {
      messageId: 'evt-1',
      body: { type: 'purchase', customerId: 'C-42' },
      subject: 'purchase.recorded',
      correlationId: 'corr-9',
      applicationProperties: { source: 'pos', attempt: 1, urgent: false },
    });
    await bus.idle();

    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery!.body).toEqual({ type: 'purchase', customerId: 'C-42' });
    expect(delivery!.metadata).toEqual({
      messageId: 'evt-1',
      deliveryCount: 1,
      enqueuedTimeUtc: '2026-11-01T10:00:00.000Z',
      sequenceNumber: 1,
      lockToken: delivery!.message.lockToken,
      lockedUntilUtc: '2026-11-01T10:00:30.000Z',
      contentType: 'application/json',
      applicationProperties: { source: 'pos', attempt: 1, urgent: false },
      userProperties: { source: 'pos', attempt: 1, urgent: false },
      subject: 'purchase.recorded',
      label: 'purchase.recorded',
      correlationId: 'corr-9',
    });
    expect(bus.stats(queueName)).toEqual({ active: 0, scheduled: 0, locked: 0, deadLettered: 0 });
  });

  it('hands each delivery its own copy of the body', async () => {
    const { bus } = openBus();
    const seen: unknown[] = [];
    bus.subscribe(queueName, async (m) => {
      seen.push(structuredClone(m.body));
      (m.body as { items: string[] }).items.push('mutated');
      throw new Error('retry me');
    });
    await bus.send(queueName, message({ body: { items: ['a'] } }));
    await bus.idle();
    expect(seen).toEqual([{ items: ['a'] }, { items: ['a'] }, { items: ['a'] }]);
  });

  it('leaves messages of a queue nobody subscribes to waiting, and idle() does not wait for them', async () => {
    const { bus } = openBus();
    await bus.send('other-queue', [message(), message()]);
    await bus.idle();
    expect(bus.stats('other-queue')).toEqual({ active: 2, scheduled: 0, locked: 0, deadLettered: 0 });
  });

  it('delivers in sequence-number order, numbering each queue on its own', async () => {
    const { bus } = openBus();
    await bus.send(queueName, [message({ messageId: 'a' }), message({ messageId: 'b' })]);
    await bus.send('audit', message({ messageId: 'x' }));
    await bus.send(queueName, message({ messageId: 'c' }));
    const { deliveries, handler } = recorder();
    bus.subscribe(queueName, handler, { maxConcurrentCalls: 1 });
    await bus.idle();
    expect(deliveries.map((d) => [d.messageId, d.sequenceNumber])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect(bus.receive('audit').map((m) => m.sequenceNumber)).toEqual([1]);
  });
});

describe('handlers that send', () => {
  it('idle() waits for messages sent by handlers, until the chain ends', async () => {
    const { bus } = openBus();
    const seen: number[] = [];
    bus.subscribe(queueName, async (m) => {
      const step = (m.body as { step: number }).step;
      seen.push(step);
      if (step < 5) await bus.send(queueName, { messageId: `step-${step + 1}`, body: { step: step + 1 } });
    });
    await bus.send(queueName, { messageId: 'step-1', body: { step: 1 } });
    await bus.idle();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('retries and dead-lettering', () => {
  it('redelivers a failed message with an increasing delivery count, then completes it', async () => {
    const { bus } = openBus();
    const { deliveries, handler } = recorder((d) => (d.deliveryCount < 3 ? `transient ${d.deliveryCount}` : undefined));
    bus.subscribe(queueName, handler, { maxConcurrentCalls: 1 });
    await bus.send(queueName, message({ messageId: 'flaky' }));
    await bus.idle();
    expect(deliveries.map((d) => d.deliveryCount)).toEqual([1, 2, 3]);
    expect(new Set(deliveries.map((d) => d.sequenceNumber))).toEqual(new Set([1]));
    expect(bus.stats(queueName)).toEqual({ active: 0, scheduled: 0, locked: 0, deadLettered: 0 });
  });

  it('dead-letters after maxDeliveryCount deliveries, keeping the reason and the last error', async () => {
    const { bus } = openBus();
    const { deliveries, handler } = recorder((d) => `boom on delivery ${d.deliveryCount}`);
    bus.subscribe(queueName, handler, { maxConcurrentCalls: 1 });
    await bus.send(queueName, message({ messageId: 'poison', body: { bad: true }, subject: 's' }));
    await bus.idle();

    expect(deliveries.map((d) => d.deliveryCount)).toEqual([1, 2, 3]);
    expect(bus.stats(queueName)).toEqual({ active: 0, scheduled: 0, locked: 0, deadLettered: 1 });
    const [dead] = bus.peekDeadLetters(queueName);
    expect(dead).toMatchObject({
      messageId: 'poison',
      body: { bad: true },
      subject: 's',
      sequenceNumber: 1,
      deliveryCount: 3,
      deadLetterReason: 'MaxDeliveryCountExceeded',
      deadLetterErrorDescription: 'boom on delivery 3',
      deadLetteredTimeUtc: t0,
    });
  });

  it('uses the default spec (10 deliveries) for a queue nobody declared', async () => {
    const { bus } = openBus({ queues: [] });
    const { deliveries, handler } = recorder(() => 'always');
    bus.subscribe('undeclared', handler);
    await bus.send('undeclared', message());
    await bus.idle();
    expect(deliveries).toHaveLength(10);
    expect(bus.peekDeadLetters('undeclared')[0]?.deliveryCount).toBe(10);
    expect(bus.specFor('undeclared')).toMatchObject({ lockDurationSeconds: 60, duplicateDetection: true });
  });

  it('lets a receiver dead-letter a message explicitly', async () => {
    const { bus } = openBus();
    await bus.send(queueName, message({ messageId: 'unparseable' }));
    const [received] = bus.receive(queueName);
    expect(bus.deadLetter(received!, 'SchemaMismatch', 'field x missing')).toEqual({ ok: true });
    expect(bus.peekDeadLetters(queueName)[0]).toMatchObject({
      messageId: 'unparseable',
      deadLetterReason: 'SchemaMismatch',
      deadLetterErrorDescription: 'field x missing',
    });
  });
});

describe('peek-lock', () => {
  it('hides a locked message and redelivers it when the lock expires', async () => {
    const { bus, clock } = openBus();
    await bus.send(queueName, message({ messageId: 'slow' }));
    const [first] = bus.receive(queueName);
    expect(first).toMatchObject({ deliveryCount: 1, lockedUntil: new Date('2026-11-01T10:00:30.000Z') });
    expect(bus.receive(queueName)).toEqual([]);
    expect(bus.stats(queueName)).toMatchObject({ active: 0, locked: 1 });

    clock.advance(seconds(29));
    expect(bus.receive(queueName)).toEqual([]);
    clock.advance(seconds(1));
    const [second] = bus.receive(queueName);
    expect(second).toMatchObject({ messageId: 'slow', deliveryCount: 2 });
    // The first receiver's lock is gone: its late completion must not remove the redelivered message.
    expect(bus.complete(first!)).toEqual({ ok: false, reason: 'lock-lost' });
    expect(bus.complete(second!)).toEqual({ ok: true });
    expect(bus.stats(queueName)).toEqual({ active: 0, scheduled: 0, locked: 0, deadLettered: 0 });
  });

  it('abandon makes the message available at once with the next delivery count', async () => {
    const { bus } = openBus();
    await bus.send(queueName, [message({ messageId: 'a' }), message({ messageId: 'b' })]);
    const [a] = bus.receive(queueName);
    expect(bus.abandon(a!, 'nope')).toEqual({ ok: true });
    expect(bus.abandon(a!, 'twice')).toEqual({ ok: false, reason: 'lock-lost' });
    // An abandoned message keeps its place ahead of later ones.
    expect(bus.receive(queueName, 2).map((m) => [m.messageId, m.deliveryCount])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('renewLock extends the lock by the lock duration', async () => {
    const { bus, clock } = openBus();
    await bus.send(queueName, message());
    const [received] = bus.receive(queueName);
    clock.advance(seconds(20));
    expect(bus.renewLock(received!)).toEqual(new Date('2026-11-01T10:00:50.000Z'));
    clock.advance(seconds(20));
    expect(bus.receive(queueName)).toEqual([]);
    expect(bus.complete(received!)).toEqual({ ok: true });
  });

  it('dead-letters a message whose last lock lapsed, saying so', async () => {
    const { bus, clock } = openBus({ queues: [spec({ maxDeliveryCount: 2 })] });
    await bus.send(queueName, message({ messageId: 'hung' }));
    bus.receive(queueName);
    clock.advance(seconds(30));
    bus.receive(queueName);
    clock.advance(seconds(30));
    expect(bus.stats(queueName)).toEqual({ active: 0, scheduled: 0, locked: 0, deadLettered: 1 });
    const [dead] = bus.peekDeadLetters(queueName);
    expect(dead!.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    expect(dead!.deadLetterErrorDescription).toMatch(/lock expired at 2026-11-01T10:01:00.000Z/);
  });

  it('redelivers to the subscription when a handler hangs past lock renewal', async () => {
    const { bus, clock, warnings } = openBus();
    const hung = gate();
    const calls: number[] = [];
    bus.subscribe(
      queueName,
      async (m) => {
        calls.push(m.deliveryCount);
        if (m.deliveryCount === 1) await hung.opened;
      },
      { maxConcurrentCalls: 2, maxAutoLockRenewalMs: minutes(2) },
    );
    await bus.send(queueName, message({ messageId: 'stuck' }));
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([1]);

    // Renewal keeps the lock while the handler may still be working...
    clock.advance(minutes(1));
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([1]);
    expect(bus.stats(queueName).locked).toBe(1);

    // ...but not past maxAutoLockRenewalDuration plus one lock period.
    clock.advance(minutes(1) + seconds(30));
    hung.open();
    await bus.idle();
    expect(calls).toEqual([1, 2]);
    expect(warnings.join('\n')).toMatch(/stuck .*lock was lost/);
    expect(bus.stats(queueName)).toEqual({ active: 0, scheduled: 0, locked: 0, deadLettered: 0 });
  });
});

describe('scheduled messages', () => {
  it('are not delivered before their scheduled enqueue time', async () => {
    const { bus, clock } = openBus();
    const { deliveries, handler } = recorder();
    bus.subscribe(queueName, handler);
    const at = new Date('2026-11-08T09:00:00.000Z');
    const [result] = await bus.enqueue(queueName, message({ messageId: 'later', scheduledEnqueueTime: at }));
    expect(result).toEqual({ messageId: 'later', sequenceNumber: 1 });
    await bus.idle();
    expect(deliveries).toEqual([]);
    expect(bus.stats(queueName)).toMatchObject({ scheduled: 1, active: 0 });

    clock.set(new Date(at.getTime() - 1));
    await bus.idle();
    expect(deliveries).toEqual([]);

    clock.set(at);
    await bus.idle();
    expect(deliveries.map((d) => d.messageId)).toEqual(['later']);
    expect(deliveries[0]!.message.enqueuedTimeUtc).toEqual(at);
    expect(deliveries[0]!.message.scheduledEnqueueTimeUtc).toEqual(at);
  });

  it('when time jumps over several schedules, delivers them in schedule order, not send order', async () => {
    const { bus, clock } = openBus();
    await bus.send(queueName, [
      message({ messageId: 'day-2', scheduledEnqueueTime: new Date(t0.getTime() + minutes(2 * 1440)) }),
      message({ messageId: 'day-1', scheduledEnqueueTime: new Date(t0.getTime() + minutes(1440)) }),
    ]);
    await bus.send(queueName, message({ messageId: 'now' }));
    clock.advance(minutes(3 * 1440));
    expect(bus.receive(queueName, 5).map((m) => [m.messageId, m.sequenceNumber])).toEqual([
      ['now', 3],
      ['day-1', 2],
      ['day-2', 1],
    ]);
  });

  it('delivers a schedule in the past at once', async () => {
    const { bus } = openBus();
    await bus.send(queueName, message({ scheduledEnqueueTime: new Date(t0.getTime() - minutes(5)) }));
    expect(bus.stats(queueName)).toMatchObject({ active: 1, scheduled: 0 });
  });

  it('can be cancelled before they become visible', async () => {
    const { bus, clock } = openBus();
    const results = await bus.enqueue(queueName, [
      message({ scheduledEnqueueTime: new Date(t0.getTime() + minutes(10)) }),
      message({ scheduledEnqueueTime: new Date(t0.getTime() + minutes(10)) }),
    ]);
    const first = results[0]!;
    expect('sequenceNumber' in first).toBe(true);
    if (!('sequenceNumber' in first)) return;
    expect(await bus.cancelScheduledMessages(queueName, [first.sequenceNumber])).toBe(1);
    clock.advance(minutes(10));
    expect(bus.receive(queueName, 5).map((m) => m.sequenceNumber)).toEqual([2]);
  });

  it('follow the system clock with a timer when no virtual clock is given', async () => {
    const bus = new LocalServiceBus({ clock: systemClock, onWarning: () => {} });
    try {
      const delivered = new Promise<number>((resolve) => {
        bus.subscribe(queueName, async () => resolve(Date.now()));
      });
      const at = new Date(Date.now() + 50);
      await bus.send(queueName, message({ scheduledEnqueueTime: at }));
      expect(bus.stats(queueName).scheduled).toBe(1);
      expect(await delivered).toBeGreaterThanOrEqual(at.getTime());
    } finally {
      await bus.close();
    }
  });
});

describe('duplicate detection', () => {
  it('drops a second send of the same messageId within the window, even after the first was completed', async () => {
    const { bus, clock } = openBus();
    const { deliveries, handler } = recorder();
    bus.subscribe(queueName, handler);
    await bus.send(queueName, message({ messageId: 'dup', body: 1 }));
    await bus.idle();
    clock.advance(minutes(9));
    const results = await bus.enqueue(queueName, [message({ messageId: 'dup', body: 2 }), message({ messageId: 'new' })]);
    await bus.idle();
    expect(results).toEqual([
      { messageId: 'dup', duplicate: true },
      { messageId: 'new', sequenceNumber: 2 },
    ]);
    expect(deliveries.map((d) => d.body)).toEqual([1, expect.anything()]);
    expect(deliveries.map((d) => d.messageId)).toEqual(['dup', 'new']);
  });

  it('accepts the same messageId again once the window has passed', async () => {
    const { bus, clock } = openBus();
    await bus.send(queueName, message({ messageId: 'dup' }));
    clock.advance(minutes(10));
    await bus.send(queueName, message({ messageId: 'dup' }));
    expect(bus.stats(queueName).active).toBe(2);
  });

  it('honours a custom window, and can be off', async () => {
    const { bus, clock } = openBus({
      queues: [spec({ duplicateDetectionWindowSeconds: 60 }), spec({ name: 'no-dedupe', duplicateDetection: false })],
    });
    await bus.send(queueName, message({ messageId: 'x' }));
    clock.advance(seconds(59));
    await bus.send(queueName, message({ messageId: 'x' }));
    clock.advance(seconds(1));
    await bus.send(queueName, message({ messageId: 'x' }));
    expect(bus.stats(queueName).active).toBe(2);

    await bus.send('no-dedupe', [message({ messageId: 'y' }), message({ messageId: 'y' })]);
    expect(bus.stats('no-dedupe').active).toBe(2);
  });

  it('drops duplicates inside one batch', async () => {
    const { bus } = openBus();
    await bus.send(queueName, [message({ messageId: 'z' }), message({ messageId: 'z' })]);
    expect(bus.stats(queueName).active).toBe(1);
  });
});

describe('concurrency', () => {
  it('never runs more than maxConcurrentCalls handlers at once', async () => {
    const { bus } = openBus();
    let running = 0;
    let peak = 0;
    let handled = 0;
    bus.subscribe(
      queueName,
      async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setImmediate(r));
        running--;
        handled++;
      },
      { maxConcurrentCalls: 3 },
    );
    await bus.send(
      queueName,
      Array.from({ length: 20 }, () => message()),
    );
    await bus.idle();
    expect(handled).toBe(20);
    expect(peak).toBe(3);
  });

  it('close() stops dispatch and waits for running handlers, recording their outcome', async () => {
    const { bus } = openBus();
    const held = gate();
    const started: string[] = [];
    let finished = false;
    bus.subscribe(
      queueName,
      async (m) => {
        started.push(m.messageId);
        await held.opened;
        finished = true;
      },
      { maxConcurrentCalls: 1 },
    );
    await bus.send(queueName, [message({ messageId: 'running' }), message({ messageId: 'waiting' })]);
    await new Promise((r) => setImmediate(r));
    const closed = bus.close();
    await expect(bus.send(queueName, message())).rejects.toMatchObject({ code: 'Closed' });
    setTimeout(held.open, 10);
    await closed;
    expect(finished).toBe(true);
    expect(started).toEqual(['running']);
    expect(bus.stats(queueName)).toMatchObject({ active: 1, locked: 0 });
  });
});

describe('validation', () => {
  it('refuses queue settings Azure would refuse', () => {
    expect(() => openBus({ queues: [spec({ lockDurationSeconds: 600 })] })).toThrow(/customer-events: lockDurationSeconds/);
    expect(() => openBus({ queues: [spec({ maxDeliveryCount: 0 })] })).toThrow(/maxDeliveryCount/);
    expect(() => openBus({ queues: [spec({ duplicateDetectionWindowSeconds: 5 })] })).toThrow(/duplicateDetectionWindowSeconds/);
  });

  it('refuses what Service Bus would refuse, storing nothing of the batch', async () => {
    const { bus } = openBus({ maxMessageSizeBytes: 1024 });
    await expect(bus.send(queueName, [message(), message({ body: 'x'.repeat(2000) })])).rejects.toMatchObject({
      code: 'MessageSizeExceeded',
    });
    await expect(bus.send(queueName, message({ messageId: '' }))).rejects.toBeInstanceOf(LocalServiceBusError);
    await expect(bus.send(queueName, message({ messageId: 'i'.repeat(129) }))).rejects.toMatchObject({
      code: 'InvalidMessage',
    });
    await expect(bus.send(queueName, message({ body: { n: 1n } }))).rejects.toMatchObject({ code: 'InvalidMessage' });
    await expect(
      bus.send(queueName, message({ applicationProperties: { bad: Number.NaN } })),
    ).rejects.toMatchObject({ code: 'InvalidMessage' });
    await expect(
      bus.send(queueName, message({ scheduledEnqueueTime: new Date('nonsense') })),
    ).rejects.toMatchObject({ code: 'InvalidMessage' });
    expect(bus.stats(queueName)).toEqual({ active: 0, scheduled: 0, locked: 0, deadLettered: 0 });
  });
});
