import { Rng } from './random.js';
import { seasonality, type RetailerConfig, type SimCustomer } from './retailer.js';

/** One purchase a customer makes of their own accord (without any message). */
export interface NaturalPurchase {
  day: number;
  /** Minutes after local midnight in the customer's time zone (08:00–20:59). */
  localMinute: number;
  totalMinor: number;
  items: { category: string; quantity: number; unitPriceMinor: number }[];
  online: boolean;
}

export interface Timeline {
  purchases: NaturalPurchase[];
  /** Day of the purchase after which the customer dropped out for good (Infinity: never within the horizon). */
  dropoutDay: number;
}

/** Splits an order total into 1–3 lines in the customer's favourite categories; the lines add up exactly. */
function basket(rng: Rng, customer: SimCustomer, config: RetailerConfig, totalMinor: number) {
  const lines = 1 + rng.weighted([5, 3, 2]);
  const items: NaturalPurchase['items'] = [];
  let left = totalMinor;
  for (let i = 0; i < lines; i++) {
    const share = i === lines - 1 ? left : Math.round(left * (0.3 + 0.4 * rng.uniform()));
    left -= share;
    items.push({ category: config.categories[rng.weighted(customer.affinity)]!, quantity: 1, unitPriceMinor: share });
  }
  return items.filter((item) => item.unitPriceMinor > 0);
}

/** An order value drawn from the customer's Gamma-Gamma spend distribution, in minor units (≥ 1.00). */
export function orderValueMinor(rng: Rng, customer: SimCustomer, config: RetailerConfig): number {
  return Math.max(100, Math.round(rng.gamma(config.gammaGamma.p, 1 / customer.nu) * 100));
}

export function naturalPurchase(rng: Rng, customer: SimCustomer, config: RetailerConfig, day: number): NaturalPurchase {
  const totalMinor = orderValueMinor(rng, customer, config);
  return { day, localMinute: 8 * 60 + rng.int(0, 13 * 60), totalMinor, items: basket(rng, customer, config, totalMinor), online: rng.chance(customer.onlineShare) };
}

/**
 * The purchases a customer makes without any message, from their first purchase to the end of the
 * simulation (BG/NBD: Bernoulli days at 1 − e^(−λ·season), dropout with probability p after each repeat
 * purchase). A message's effect is added on top (response.ts), so this timeline is the control outcome.
 */
export function naturalTimeline(customer: SimCustomer, config: RetailerConfig, seed: number): Timeline {
  const rng = new Rng(seed, `natural:${customer.index}`);
  const purchases: NaturalPurchase[] = [naturalPurchase(rng, customer, config, customer.firstDay)];
  for (let day = customer.firstDay + 1; day < config.days; day++) {
    if (!rng.chance(1 - Math.exp(-customer.lambda * seasonality(config, day)))) continue;
    purchases.push(naturalPurchase(rng, customer, config, day));
    if (rng.chance(customer.dropout)) return { purchases, dropoutDay: day };
  }
  return { purchases, dropoutDay: Number.POSITIVE_INFINITY };
}

/** Whether the customer is still alive (has not dropped out) on `day`. */
export function aliveOn(timeline: Timeline, day: number): boolean {
  return day <= timeline.dropoutDay;
}
