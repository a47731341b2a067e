import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/clock.js';
import { LocalServiceBus } from '../../../local/service-bus/transport.js';
import { message, minutes, openBus, queueName, recorder, spec, t0, tempDir } from './fixtures.js';

/** The directory as a crash would leave it: whatever was written, and no clean shutdown. */
function crashCopy(dir: string): string {
  const copy = tempDir();
  for (const name of readdirSync(dir)) {
    if (name !== 'lock') copyFileSync(path.join(dir, name), path.join(copy, name));
  }
  return copy;
}

function journalOf(dir: string): string {
  const name = readdirSync(dir).find((n) => /^journal-\d+\.log$/.test(n));
  if (!name) throw new Error(`no journal in ${dir}`);
  return path.join(dir, name);
}

const later = (ms: number) => new VirtualClock(new Date(t0.getTime() + ms));

describe('persistence across a restart', () => {
  it('keeps pending, scheduled and dead-lettered messages, dedupe ids and the sequence after a clean close', async () => {
    const dir = tempDir();
    const first = openBus({ dir, queues: [spec({ maxDeliveryCount: 1 })] });
    await first.bus.send(queueName, message({ messageId: 'poison', body: { p: 1 } }));
    const { handler } = recorder(() => 'cannot handle');
    const subscription = first.bus.subscribe(queueName, handler);
    await first.bus.idle();
    await subscription.close();
    await first.bus.send(queueName, [
      message({ messageId: 'pending', body: { q: 2 }, subject: 'sub', applicationProperties: { a: 1 } }),
      message({ messageId: 'scheduled', scheduledEnqueueTime: new Date(t0.getTime() + minutes(60)) }),
    ]);
    await first.bus.close();

    const { bus, clock } = openBus({ dir, clock: later(minutes(5)), queues: [spec({ maxDeliveryCount: 1 })] });
    expect(bus.stats(queueName)).toEqual({ active: 1, scheduled: 1, locked: 0, deadLettered: 1 });
    expect(bus.peekDeadLetters(queueName)[0]).toMatchObject({
      messageId: 'poison',
      deadLetterReason: 'MaxDeliveryCountExceeded',
      deadLetterErrorDescription: 'cannot handle',
    });

    // Still inside the 10-minute window of the first run: dropped. The sequence continues after 3.
    const results = await bus.enqueue(queueName, [message({ messageId: 'pending' }), message({ messageId: 'fresh' })]);
    expect(results).toEqual([
      { messageId: 'pending', duplicate: true },
      { messageId: 'fresh', sequenceNumber: 4 },
    ]);

    const [pending] = bus.receive(queueName);
    expect(pending).toMatchObject({
      messageId: 'pending',
      body: { q: 2 },
      subject: 'sub',
      applicationProperties: { a: 1 },
      sequenceNumber: 2,
      deliveryCount: 1,
      enqueuedTimeUtc: t0,
    });
    clock.set(new Date(t0.getTime() + minutes(60)));
    expect(bus.receive(queueName, 5).map((m) => m.messageId)).toEqual(['fresh', 'scheduled']);
  });

  it('forgets dedupe ids whose window passed while it was stopped', async () => {
    const dir = tempDir();
    const first = openBus({ dir });
    await first.bus.send(queueName, message({ messageId: 'once' }));
    await first.bus.close();
    const { bus } = openBus({ dir, clock: later(minutes(11)) });
    await bus.send(queueName, message({ messageId: 'once' }));
    expect(bus.stats(queueName).active).toBe(2);
  });

  it('makes a message received but not settled at close available again, its delivery counted', async () => {
    const dir = tempDir();
    const first = openBus({ dir });
    await first.bus.send(queueName, message({ messageId: 'held' }));
    first.bus.receive(queueName);
    await first.bus.close();
    const { bus } = openBus({ dir });
    expect(bus.receive(queueName)).toMatchObject([{ messageId: 'held', deliveryCount: 2 }]);
  });
});

describe('crash safety', () => {
  it('recovers every change written before a crash, counting deliveries that were in flight', async () => {
    const dir = tempDir();
    const { bus } = openBus({ dir });
    await bus.send(queueName, [message({ messageId: 'done' }), message({ messageId: 'in-flight' }), message({ messageId: 'retried' })]);
    const [done, inFlight, retried] = bus.receive(queueName, 3);
    bus.complete(done!);
    bus.abandon(retried!, 'first try failed');
    expect(inFlight!.messageId).toBe('in-flight');

    const copy = crashCopy(dir);
    const recovered = openBus({ dir: copy });
    expect(recovered.warnings).toEqual([]);
    expect(recovered.bus.stats(queueName)).toEqual({ active: 2, scheduled: 0, locked: 0, deadLettered: 0 });
    expect(recovered.bus.receive(queueName, 5).map((m) => [m.messageId, m.deliveryCount])).toEqual([
      ['in-flight', 2],
      ['retried', 2],
    ]);
  });

  it('dead-letters a message whose last delivery was cut short by a crash', async () => {
    const dir = tempDir();
    const { bus } = openBus({ dir, queues: [spec({ maxDeliveryCount: 1 })] });
    await bus.send(queueName, message({ messageId: 'kills-the-host' }));
    bus.receive(queueName);
    const recovered = openBus({ dir: crashCopy(dir), queues: [spec({ maxDeliveryCount: 1 })] });
    expect(recovered.bus.peekDeadLetters(queueName)).toMatchObject([
      {
        messageId: 'kills-the-host',
        deliveryCount: 1,
        deadLetterReason: 'MaxDeliveryCountExceeded',
        deadLetterErrorDescription: expect.stringMatching(/lock was lost/),
      },
    ]);
  });

  it('ignores a torn last record and keeps everything before it', async () => {
    const dir = tempDir();
    const { bus } = openBus({ dir });
    await bus.send(queueName, [message({ messageId: 'a' }), message({ messageId: 'b' })]);
    const copy = crashCopy(dir);
    const journal = journalOf(copy);
    const text = readFileSync(journal, 'utf8');
    // The write of a third send, cut off mid-record.
    const lastLine = text.trimEnd().split('\n').at(-1)!;
    appendFileSync(journal, lastLine.replace('"b"', '"c"').replace('"seq":2', '"seq":3').slice(0, 40));

    const recovered = openBus({ dir: copy });
    expect(recovered.warnings.join('\n')).toMatch(/ignored 1 damaged record/);
    expect(recovered.bus.receive(queueName, 5).map((m) => m.messageId)).toEqual(['a', 'b']);
    await recovered.bus.close();

    // The repaired state is the new baseline: a second start is clean.
    const again = openBus({ dir: copy });
    expect(again.warnings).toEqual([]);
    expect(again.bus.stats(queueName).active).toBe(2);
  });

  it('skips a record damaged in the middle of the journal without losing the ones around it', async () => {
    const dir = tempDir();
    const { bus } = openBus({ dir });
    await bus.send(queueName, message({ messageId: 'a' }));
    await bus.send(queueName, message({ messageId: 'b' }));
    await bus.send(queueName, message({ messageId: 'c' }));
    const copy = crashCopy(dir);
    const journal = journalOf(copy);
    const lines = readFileSync(journal, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"b"', '"B"'); // same length, checksum no longer matches
    writeFileSync(journal, lines.join('\n'));

    const recovered = openBus({ dir: copy });
    expect(recovered.warnings.join('\n')).toMatch(/ignored 1 damaged record/);
    expect(recovered.bus.receive(queueName, 5).map((m) => m.messageId)).toEqual(['a', 'c']);
    expect(readdirSync(copy).some((n) => n.includes('.damaged-'))).toBe(true);
  });

  it('ignores a snapshot whose write was cut short', async () => {
    const dir = tempDir();
    const first = openBus({ dir });
    await first.bus.send(queueName, message({ messageId: 'kept' }));
    await first.bus.close();
    writeFileSync(path.join(dir, 'snapshot.json.tmp'), '{"format":"winback-local-service-bus","vers');
    const { bus, warnings } = openBus({ dir });
    expect(warnings).toEqual([]);
    expect(bus.receive(queueName).map((m) => m.messageId)).toEqual(['kept']);
  });

  it('refuses a damaged snapshot with an error naming the file', async () => {
    const dir = tempDir();
    const first = openBus({ dir });
    await first.bus.send(queueName, message());
    await first.bus.close();
    writeFileSync(path.join(dir, 'snapshot.json'), '{"format":"winback-local-service-bus"');
    expect(() => new LocalServiceBus({ dir, clock: new VirtualClock(t0) })).toThrow(/snapshot\.json is not a valid snapshot/);
    expect(existsSync(path.join(dir, 'lock'))).toBe(false);
  });

  it('compacts a long journal into a snapshot without losing messages', async () => {
    const dir = tempDir();
    const { bus } = openBus({ dir });
    const body = { padding: 'x'.repeat(2000) };
    for (let i = 0; i < 700; i++) await bus.send(queueName, message({ messageId: `bulk-${i}`, body }));
    const received = bus.receive(queueName, 200);
    for (const m of received) bus.complete(m);
    const generation = Number(/journal-(\d+)\.log/.exec(journalOf(dir))![1]);
    expect(generation).toBeGreaterThan(1);

    const recovered = openBus({ dir: crashCopy(dir) });
    expect(recovered.bus.stats(queueName).active).toBe(500);
    expect(recovered.bus.receive(queueName)[0]!.messageId).toBe('bulk-200');
  });
});

describe('the state directory', () => {
  it('is used by one instance at a time', async () => {
    const dir = tempDir();
    openBus({ dir });
    expect(() => new LocalServiceBus({ dir, clock: new VirtualClock(t0) })).toThrow(/in use by process/);
  });

  it('is taken over from a process that died holding it', async () => {
    const dir = tempDir();
    const first = openBus({ dir });
    await first.bus.send(queueName, message({ messageId: 'survivor' }));
    const copy = crashCopy(dir);
    // A pid that cannot belong to a live process (above the kernel's pid_max).
    writeFileSync(path.join(copy, 'lock'), '99999999');
    const { bus } = openBus({ dir: copy });
    expect(bus.receive(queueName).map((m) => m.messageId)).toEqual(['survivor']);
  });
});
