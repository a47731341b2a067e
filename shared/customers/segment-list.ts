import type { Container } from '@azure/cosmos';
import { z } from 'zod';
import { DayClock, parseDay } from '../analytics/days.js';
import { SegmentRule } from '../analytics/segments.js';
import { fromMinorUnits } from '../money.js';
import { Channel } from './schema.js';

/**
 * "Who to act on": the customers of one segment with what a marketer decides on, sorted so the most urgent
 * come first. Backs GET /api/segments/{segment}/customers and the dashboard's table.
 */
/** A segment name, by the same rule segment definitions follow. */
export const SegmentName = SegmentRule.shape.name;

export const SegmentCustomerSort = z.enum(['pAlive', '-pAlive', 'clv', '-clv', 'lastPurchase', '-lastPurchase']);
export type SegmentCustomerSort = z.infer<typeof SegmentCustomerSort>;

/** Cosmos paths behind each sort key; infra/ indexes exactly these on the customers container. */
export const sortPaths = {
  pAlive: 'analytics.pAlive',
  clv: 'analytics.clv12mMinor',
  lastPurchase: 'analytics.lastPurchaseDay',
} as const;

export interface SegmentCustomerRow {
  id: string;
  firstName?: string;
  lastName?: string;
  segment: string;
  segmentSince?: string;
  analytics?: {
    pAlive?: number;
    clv12mMinor?: number;
    currency?: string | null;
    lastPurchaseDay?: string;
    typicalIntervalDays?: number | null;
  };
  consents?: Partial<Record<Channel, { granted: boolean }>>;
  preferredChannel?: Channel;
}

export function segmentCustomersQuery(segment: string, sort: SegmentCustomerSort) {
  const descending = sort.startsWith('-');
  const path = sortPaths[(descending ? sort.slice(1) : sort) as keyof typeof sortPaths];
  return {
    query:
      'SELECT c.id, c.firstName, c.lastName, c.segment, c.segmentSince, c.preferredChannel, c.consents, ' +
      'c.analytics.pAlive AS pAlive, c.analytics.clv12mMinor AS clv12mMinor, c.analytics.currency AS currency, ' +
      'c.analytics.lastPurchaseDay AS lastPurchaseDay, c.analytics.typicalIntervalDays AS typicalIntervalDays ' +
      `FROM c WHERE c.segment = @segment ORDER BY c.${path} ${descending ? 'DESC' : 'ASC'}`,
    parameters: [{ name: '@segment', value: segment }],
  };
}

type FlatRow = Omit<SegmentCustomerRow, 'analytics'> & {
  pAlive?: number;
  clv12mMinor?: number;
  currency?: string | null;
  lastPurchaseDay?: string;
  typicalIntervalDays?: number | null;
};

/** One row as the API shows it; `daysSinceLastPurchase` counts to today in the retailer's zone, not to the run. */
export function segmentCustomerView(row: FlatRow, now: Date, timeZone: string, currentJourney: string | null) {
  const today = new DayClock(timeZone).dayOfMs(now.getTime());
  const last = row.lastPurchaseDay ? parseDay(row.lastPurchaseDay) : undefined;
  const consent = (channel: Channel) => row.consents?.[channel]?.granted === true;
  return {
    customerId: row.id,
    name: [row.firstName, row.lastName].filter(Boolean).join(' ') || null,
    segment: row.segment,
    segmentSince: row.segmentSince ?? null,
    pAlive: row.pAlive ?? null,
    expectedClv12m: row.clv12mMinor === undefined || !row.currency ? null : fromMinorUnits(row.clv12mMinor, row.currency),
    currency: row.currency ?? null,
    lastPurchaseDay: row.lastPurchaseDay ?? null,
    daysSinceLastPurchase: last === undefined ? null : today - last,
    typicalIntervalDays: row.typicalIntervalDays ?? null,
    consents: { email: consent('email'), sms: consent('sms'), push: consent('push'), mail: consent('mail') },
    preferredChannel: row.preferredChannel ?? null,
    currentJourney,
  };
}

export async function listSegmentCustomers(
  customers: Container,
  segment: string,
  sort: SegmentCustomerSort,
  limit: number,
  continuationToken: string | undefined,
): Promise<{ rows: FlatRow[]; continuationToken: string | undefined }> {
  const iterator = customers.items.query<FlatRow>(segmentCustomersQuery(segment, sort), { maxItemCount: limit, continuationToken });
  const page = await iterator.fetchNext();
  return { rows: page.resources, continuationToken: page.continuationToken };
}
