import { createHash } from 'node:crypto';
import { z } from 'zod';
import { addToHistogram, mergeHistograms, type SpendHistogram } from './stats/winsor.js';
import { cellOf, contributionOf, type CellKey, type Contribution, type OutcomeDocument } from './outcome.js';

/**
 * Counters and sufficient statistics per (journey, version, arm, entry day, segment, channel, currency),
 * split over a few shards so that a busy day's events do not all queue on one document's ETag. A KPI read
 * sums these; it never reads purchases or per-enrollment documents. Revenue is kept as a histogram with
 * moments per bucket (stats/winsor.ts), so winsorizing at a pooled percentile and CUPED need nothing else.
 */
export const counterShards = 4;

const Bucket = z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]);

export const CounterDocument = z.object({
  id: z.string(),
  kind: z.literal('counter'),
  journeyId: z.string(),
  version: z.number().int(),
  arm: z.string(),
  entryDay: z.string(),
  segment: z.string().nullable(),
  channel: z.string().nullable(),
  currency: z.string().nullable(),
  shard: z.number().int(),
  /** Settings of the version, as the enrolled events stated them. */
  attributionDays: z.number().int(),
  analysis: z.enum(['fixedHorizon', 'sequential']),
  split: z.record(z.string(), z.number()).nullable(),
  armIssuesCoupon: z.boolean().nullable(),
  enrolled: z.number().int(),
  messaged: z.number().int(),
  messages: z.number().int(),
  messagedByChannel: z.record(z.string(), z.number().int()),
  messagesByChannel: z.record(z.string(), z.number().int()),
  couponsIssued: z.number().int(),
  couponsRedeemed: z.number().int(),
  discountMinor: z.number().int(),
  reactivated: z.number().int(),
  foreignCurrencyOrders: z.number().int(),
  /** per-enrollment (revenue, pre-spend) in minor units */
  revenue: z.record(z.string(), Bucket),
  updatedAt: z.string(),
});
export type CounterDocument = z.infer<typeof CounterDocument>;

export const shardOf = (outcome: OutcomeDocument): number => parseInt(outcome.enrollmentKey.slice(0, 4), 16) % counterShards;

export function counterId(cell: CellKey, shard: number): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([cell.version, cell.arm, cell.entryDay, cell.segment, cell.channel, cell.currency]))
    .digest('hex')
    .slice(0, 32);
  return `counter:${cell.entryDay}:${hash}:${shard}`;
}

/** The additive part of a counter: what arms sum at read time. */
export type Tallies = Pick<
  CounterDocument,
  | 'enrolled' | 'messaged' | 'messages' | 'messagedByChannel' | 'messagesByChannel' | 'couponsIssued' | 'couponsRedeemed'
  | 'discountMinor' | 'reactivated' | 'foreignCurrencyOrders' | 'revenue'
>;

export const emptyTallies = (): Tallies => ({
  enrolled: 0,
  messaged: 0,
  messages: 0,
  messagedByChannel: {},
  messagesByChannel: {},
  couponsIssued: 0,
  couponsRedeemed: 0,
  discountMinor: 0,
  reactivated: 0,
  foreignCurrencyOrders: 0,
  revenue: {},
});

export function addTallies(target: Tallies, source: Tallies): Tallies {
  target.enrolled += source.enrolled;
  target.messaged += source.messaged;
  target.messages += source.messages;
  for (const [channel, n] of Object.entries(source.messagedByChannel)) addTo(target.messagedByChannel, channel, n);
  for (const [channel, n] of Object.entries(source.messagesByChannel)) addTo(target.messagesByChannel, channel, n);
  target.couponsIssued += source.couponsIssued;
  target.couponsRedeemed += source.couponsRedeemed;
  target.discountMinor += source.discountMinor;
  target.reactivated += source.reactivated;
  target.foreignCurrencyOrders += source.foreignCurrencyOrders;
  mergeHistograms(target.revenue as SpendHistogram, source.revenue as SpendHistogram);
  return target;
}

export function emptyCounter(journeyId: string, outcome: OutcomeDocument, shard: number, now: Date): CounterDocument {
  const cell = cellOf(outcome)!;
  const facts = outcome.enrolled!;
  return {
    id: counterId(cell, shard),
    kind: 'counter',
    journeyId,
    ...cell,
    shard,
    attributionDays: facts.attributionDays,
    analysis: facts.analysis,
    split: facts.split,
    armIssuesCoupon: facts.armIssuesCoupon,
    ...emptyTallies(),
    updatedAt: now.toISOString(),
  };
}

function addTo(map: Record<string, number>, key: string, amount: number): void {
  const value = (map[key] ?? 0) + amount;
  if (value === 0) delete map[key];
  else map[key] = value;
}

/** Adds (sign 1) or removes (sign −1) one enrollment's contribution. Mutates and returns `counter`. */
export function applyContribution(counter: CounterDocument, c: Contribution, sign: 1 | -1): CounterDocument {
  counter.enrolled += sign;
  counter.messaged += sign * c.messaged;
  counter.messages += sign * c.messages;
  for (const [channel, n] of Object.entries(c.messagesByChannel)) {
    addTo(counter.messagesByChannel, channel, sign * n);
    if (n > 0) addTo(counter.messagedByChannel, channel, sign);
  }
  counter.couponsIssued += sign * c.couponsIssued;
  counter.couponsRedeemed += sign * c.couponsRedeemed;
  counter.discountMinor += sign * c.discountMinor;
  counter.reactivated += sign * c.reactivated;
  counter.foreignCurrencyOrders += sign * c.foreignCurrencyOrders;
  addToHistogram(counter.revenue as SpendHistogram, c.revenueMinor, c.preSpendMinor, sign);
  return counter;
}

export const sameContribution = (a: Contribution | null, b: Contribution | null): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Counters rebuilt from scratch from outcome documents: what the live counters must equal. */
export function recomputeCounters(journeyId: string, outcomes: readonly OutcomeDocument[], now: Date): Map<string, CounterDocument> {
  const counters = new Map<string, CounterDocument>();
  for (const outcome of outcomes) {
    const cell = cellOf(outcome);
    const contribution = contributionOf(outcome);
    if (cell === null || contribution === null) continue;
    const shard = shardOf(outcome);
    const id = counterId(cell, shard);
    const counter = counters.get(id) ?? emptyCounter(journeyId, outcome, shard, now);
    counters.set(id, applyContribution(counter, contribution, 1));
  }
  return counters;
}
