import type { Container } from '@azure/cosmos';
import { mapWithConcurrency } from '../concurrency.js';
import { currencyExponent } from '../money.js';

/**
 * Churn risk and value across the scored base: how many customers fall in each P(alive) decile and each
 * expected-12-month-value band. One index-served COUNT per bucket (infra/ indexes exactly these two score
 * fields on the customers container), so the cost does not grow with the customers.
 */
export interface Bucket {
  from: number;
  /** Exclusive, except for the last P(alive) bucket (1 included); null = open-ended. */
  to: number | null;
  count: number;
}

export const pAliveEdges = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
/** Major units of the run's currency. */
export const clvEdges = [0, 10, 25, 50, 100, 250, 500, 1000];

export function bucketRanges(edges: readonly number[], openEnded: boolean): { from: number; to: number | null }[] {
  const ranges = edges.slice(0, -1).map((from, i) => ({ from, to: edges[i + 1]! as number | null }));
  if (openEnded) ranges.push({ from: edges.at(-1)!, to: null });
  return ranges;
}

async function count(customers: Container, field: string, from: number, to: number | null, inclusiveTo: boolean): Promise<number> {
  const upper = to === null ? '' : ` AND c.analytics.${field} ${inclusiveTo ? '<=' : '<'} @to`;
  const { resources } = await customers.items
    .query<number>({
      query: `SELECT VALUE COUNT(1) FROM c WHERE IS_DEFINED(c.segment) AND c.analytics.${field} >= @from${upper}`,
      parameters: [{ name: '@from', value: from }, ...(to === null ? [] : [{ name: '@to', value: to }])],
    })
    .fetchAll();
  return resources[0] ?? 0;
}

export async function scoreDistributions(customers: Container, currency: string | null) {
  const pAliveRanges = bucketRanges(pAliveEdges, false);
  const pAlive = await mapWithConcurrency(pAliveRanges, 4, async (r, i) => ({
    ...r,
    count: await count(customers, 'pAlive', r.from, r.to, i === pAliveRanges.length - 1),
  }));
  const scale = 10 ** (currency ? currencyExponent(currency) : 2);
  const clv12m = await mapWithConcurrency(bucketRanges(clvEdges, true), 4, async (r) => ({
    ...r,
    count: await count(customers, 'clv12mMinor', r.from * scale, r.to === null ? null : r.to * scale, false),
  }));
  return { currency, pAlive, clv12m };
}
