/**
 * npm run bench:journeys [-- --customers 100000]
 *
 * N at-risk customers enter `winback-default` through the real consumers and the local Service Bus transport
 * (peek-lock, delivery counts, duplicate detection, scheduled messages): segment.changed on customer-events →
 * enrollment → journey-steps (issue the coupon, queue "we miss you", schedule the 7-day wait). Stores are the
 * in-memory ones with ETags (bench/journeys-world.ts), so the figures measure the engine and the transport,
 * not Cosmos DB; the Cosmos operations each enrollment would cost are counted on the stores. Last output
 * line: one JSON object with the figures.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { LocalServiceBus } from '../local/service-bus/transport.js';
import type { OutboundMessage } from '../shared/messaging/bus.js';
import { queues } from '../shared/resources.js';
import { JourneyWorld } from './journeys-world.js';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '100000' }, concurrency: { type: 'string', default: '16' } } });
const n = Number(values.customers);
const concurrency = Number(values.concurrency);

const transport = new LocalServiceBus({ queues: Object.values(queues) });
const sentPerQueue = new Map<string, number>();
const countingBus = {
  async send(queue: string, messages: OutboundMessage | OutboundMessage[]) {
    sentPerQueue.set(queue, (sentPerQueue.get(queue) ?? 0) + (Array.isArray(messages) ? messages.length : 1));
    await transport.send(queue, messages);
  },
};
const world = new JourneyWorld(countingBus);
const start = new Date();
await world.journeys.setStatus('winback-default', 'active', start);
for (let i = 0; i < n; i++) {
  world.customers.set(`bench-${i}`, {
    id: `bench-${i}`,
    firstName: 'Kim',
    email: `kim${i}@example.com`,
    locale: i % 2 === 0 ? 'de-DE' : 'en-GB',
    timeZone: 'Europe/Berlin',
    consents: { email: { granted: true, at: '2026-01-01T00:00:00Z', source: 'bench' } },
  });
}
const opsBefore = world.operations();

let stepMessages = 0;
let eventMessages = 0;
let failures = 0;
let firstStepsDone = 0;
let lastFirstStepAt = 0;
const handle = (queue: string) => async (message: { body: unknown }) => {
  try {
    await world.handle(queue, message.body, new Date());
  } catch (error) {
    failures++;
    throw error;
  }
};
transport.subscribe(queues.customerEvents.name, async (m) => {
  eventMessages++;
  await handle(queues.customerEvents.name)(m);
}, { maxConcurrentCalls: concurrency });
transport.subscribe(queues.journeySteps.name, async (m) => {
  stepMessages++;
  await handle(queues.journeySteps.name)(m);
  if ((m.body as { visit: number }).visit === 1) {
    firstStepsDone++;
    lastFirstStepAt = performance.now();
  }
}, { maxConcurrentCalls: concurrency });

const t0 = performance.now();
const cpu0 = process.cpuUsage();
const rssBefore = process.memoryUsage().rss;
for (let i = 0; i < n; i += 1000) {
  const batch: OutboundMessage[] = [];
  for (let j = i; j < Math.min(n, i + 1000); j++) {
    batch.push({ messageId: `seg-${j}`, body: { type: 'segment.changed', customerId: `bench-${j}`, runId: 'bench-run', from: 'loyal', to: 'at_risk' } });
  }
  await countingBus.send(queues.customerEvents.name, batch);
}
const sentAt = performance.now();
await transport.idle();
const t1 = performance.now();
const cpu = process.cpuUsage(cpu0);

const enrollments = (await world.enrollmentDocs.all({ type: 'enrollment' })).length;
const seconds = (t1 - t0) / 1000;
const firstStepSeconds = (lastFirstStepAt - t0) / 1000;
const messagesSent = [...sentPerQueue.values()].reduce((a, b) => a + b, 0);
const result = {
  benchmark: 'journeys',
  customers: n,
  enrollments,
  firstStepsDone,
  holdout: (await world.enrollmentDocs.all({ type: 'enrollment', holdout: true })).length,
  seconds: Number(seconds.toFixed(2)),
  /** CPU time of this process: on a shared machine the wall time above includes waiting for a core. */
  cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
  loadAverage1m: Number(os.loadavg()[0]!.toFixed(1)),
  firstStepSeconds: Number(firstStepSeconds.toFixed(2)),
  sendSeconds: Number(((sentAt - t0) / 1000).toFixed(2)),
  enrollmentsPerSecond: Math.round(enrollments / seconds),
  stepMessagesPerSecond: Math.round(stepMessages / seconds),
  stepMessages,
  eventMessages,
  serviceBusMessagesPerEnrollment: Number((messagesSent / enrollments).toFixed(2)),
  serviceBusMessagesByQueue: Object.fromEntries(sentPerQueue),
  cosmosOperationsPerEnrollment: Number(((world.operations() - opsBefore) / enrollments).toFixed(2)),
  failures,
  peakRssMb: Math.round(Math.max(rssBefore, process.memoryUsage().rss) / 1e6),
  concurrency,
  target: '100,000 enrollments through their first step in < 60 s',
  metTarget: n >= 100_000 && firstStepsDone >= enrollments && firstStepSeconds < 60,
};
console.log(`${enrollments} enrollments (${result.holdout} holdout) in ${result.seconds} s (${result.cpuSeconds} s CPU, load ${result.loadAverage1m}): ${result.enrollmentsPerSecond} enrollments/s, ${result.stepMessagesPerSecond} step messages/s; first steps done after ${result.firstStepSeconds} s`);
console.log(`per enrollment: ${result.serviceBusMessagesPerEnrollment} Service Bus messages, ${result.cosmosOperationsPerEnrollment} Cosmos operations`);
await transport.close();
console.log(JSON.stringify(result));
