import type { Delivery } from '../messages/contract.js';
import type { ContactFacts, CustomerChannel } from '../messages/guardrails.js';
import { fromMinorUnits } from '../money.js';
import type { AudienceFacts } from './enrollment.js';

/**
 * What journeys read from a stored customer document: the profile (PUT /api/customers) and the scores
 * segmentation keeps under `analytics`. Missing fields are simply unknown (a POS customer with no profile).
 */
type Doc = Record<string, unknown> | undefined;

const rec = (v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

const channels: CustomerChannel[] = ['email', 'sms', 'push', 'mail'];

export function consentsOf(doc: Doc): Partial<Record<CustomerChannel, boolean>> {
  const consents = rec(doc?.['consents']) ?? {};
  const out: Partial<Record<CustomerChannel, boolean>> = {};
  for (const c of channels) out[c] = rec(consents[c])?.['granted'] === true;
  return out;
}

export function segmentOf(doc: Doc): string | null {
  return str(doc?.['segment']) ?? null;
}

export function timeZoneOf(doc: Doc, fallback: string): string {
  return str(doc?.['timeZone']) ?? fallback;
}

export function audienceFacts(doc: Doc): AudienceFacts {
  const analytics = rec(doc?.['analytics']);
  const clvMinor = num(analytics?.['clv12mMinor']);
  const currency = str(analytics?.['currency']);
  const engagement = rec(doc?.['engagement']);
  return {
    segment: segmentOf(doc),
    clv12m: clvMinor !== undefined && currency ? fromMinorUnits(clvMinor, currency) : undefined,
    pAlive: num(analytics?.['pAlive']),
    locale: str(doc?.['locale']),
    consents: consentsOf(doc),
    engagementRate: num(engagement?.['engagementRate']),
    couponRedemptionRate: num(engagement?.['couponRedemptionRate']),
  };
}

export function contactFacts(doc: Doc, retailerTimeZone: string): ContactFacts {
  const preferred = str(doc?.['preferredChannel']);
  return {
    consents: consentsOf(doc),
    addresses: {
      email: str(doc?.['email']) !== undefined,
      sms: str(doc?.['phone']) !== undefined,
      push: str(doc?.['pushToken']) !== undefined,
      mail: rec(doc?.['address']) !== undefined,
    },
    preferredChannel: channels.includes(preferred as CustomerChannel) ? (preferred as CustomerChannel) : undefined,
    timeZone: timeZoneOf(doc, retailerTimeZone),
  };
}

export function recipientOf(doc: Doc): Delivery['to'] {
  const name = [str(doc?.['firstName']), str(doc?.['lastName'])].filter(Boolean).join(' ');
  const address = rec(doc?.['address']) as Delivery['to']['address'] | undefined;
  return {
    ...(str(doc?.['email']) ? { email: str(doc?.['email']) } : {}),
    ...(str(doc?.['phone']) ? { phone: str(doc?.['phone']) } : {}),
    ...(str(doc?.['pushToken']) ? { pushToken: str(doc?.['pushToken']) } : {}),
    ...(name ? { name } : {}),
    ...(address ? { address } : {}),
  };
}

export function templateCustomer(doc: Doc) {
  return {
    firstName: str(doc?.['firstName']),
    lastName: str(doc?.['lastName']),
    favouriteCategory: str(rec(doc?.['analytics'])?.['topCategory']),
  };
}
