import { Rng } from './random.js';
import { seasonality, type RetailerConfig, type SimCustomer } from './retailer.js';
import { aliveOn, type NaturalPurchase, type Timeline } from './timeline.js';

/**
 * How customers respond to win-back messages, with a TRUE causal effect that the KPIs must recover.
 *
 * Reactivation = at least one purchase within the attribution window after entry (days entryDay …
 * entryDay + W − 1). Without a message that happens with the customer's own probability p0 (from their
 * natural timeline: 0 once dropped out, else 1 − e^(−λ·Σ season)). A message adds an extra purchase, only for
 * customers who would not have bought anyway, with probability q = effect / (1 − p0): so the expected
 * reactivation rises by exactly `effect` for every messaged customer (absolute), whatever their p0. A
 * coupon on top uses effect + couponEffect. One uniform draw per enrollment decides both, so the coupon
 * arm's responders include the message arm's (coupled potential outcomes, less noise in the comparison).
 * q is capped at 1; customers at the cap (p0 > 1 − effect) are counted so the report can say so.
 */
export interface ResponseConfig {
  effect: number;
  couponEffect: number;
  attributionDays: number;
  /** An induced purchase happens within this many days of the message (and inside the window). */
  responseDays: number;
  /** Share of purchases by a coupon holder that use the coupon. */
  couponUseRate: number;
}

export type Treatment = 'none' | 'message' | 'messageAndCoupon';

/** P(natural purchase within the window) for a customer entering on `entryDay`, as the simulation knows it. */
export function baselineProbability(customer: SimCustomer, timeline: Timeline, retailer: RetailerConfig, entryDay: number, attributionDays: number): number {
  if (!aliveOn(timeline, entryDay) || entryDay < customer.firstDay) return 0;
  let exposure = 0;
  for (let day = entryDay; day < entryDay + attributionDays; day++) exposure += seasonality(retailer, day);
  return 1 - Math.exp(-customer.lambda * exposure);
}

export function naturallyReactivated(timeline: Timeline, entryDay: number, attributionDays: number): boolean {
  return timeline.purchases.some((p) => p.day >= entryDay && p.day < entryDay + attributionDays);
}

export interface Response {
  /** The causal effect this customer was given, in expectation: (1 − p0) · q. */
  expectedEffect: number;
  /** Day of the purchase the message caused, if it caused one. */
  inducedDay?: number;
  capped: boolean;
}

/**
 * The response to a treatment that began on `entryDay` (the enrollment) and was noticed on `noticedDay`
 * (when the message arrived). `key` names the enrollment so each draw is reproducible.
 */
export function respond(args: {
  seed: number;
  key: string;
  customer: SimCustomer;
  timeline: Timeline;
  retailer: RetailerConfig;
  config: ResponseConfig;
  treatment: Treatment;
  entryDay: number;
  noticedDay: number;
}): Response {
  const { config, treatment } = args;
  const lift = treatment === 'none' ? 0 : treatment === 'message' ? config.effect : config.effect + config.couponEffect;
  if (lift <= 0) return { expectedEffect: 0, capped: false };
  const p0 = baselineProbability(args.customer, args.timeline, args.retailer, args.entryDay, config.attributionDays);
  const q = Math.min(1, lift / (1 - p0));
  const rng = new Rng(args.seed, `response:${args.key}`);
  const u = rng.uniform();
  const last = Math.min(args.entryDay + config.attributionDays - 1, args.noticedDay + config.responseDays - 1);
  if (last < args.noticedDay) return { expectedEffect: 0, capped: false }; // noticed after the window closed
  const offset = rng.int(0, Math.max(1, last - args.noticedDay + 1));
  const induced = u < q && !naturallyReactivated(args.timeline, args.entryDay, config.attributionDays);
  return {
    expectedEffect: (1 - p0) * q,
    capped: lift > 1 - p0,
    ...(induced ? { inducedDay: args.noticedDay + offset } : {}),
  };
}

/**
 * A customer who means to use a coupon fills the basket up to its minimum (one more line in a category
 * they already buy), as shoppers do; a basket already above it stays as it is.
 */
export function toppedUp(purchase: NaturalPurchase, minimumMinor: number): NaturalPurchase {
  if (purchase.totalMinor >= minimumMinor) return purchase;
  const extra = minimumMinor - purchase.totalMinor;
  const category = purchase.items[0]?.category ?? 'other';
  return { ...purchase, totalMinor: minimumMinor, items: [...purchase.items, { category, quantity: 1, unitPriceMinor: extra }] };
}
