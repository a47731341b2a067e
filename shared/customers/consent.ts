import type { Channel, Customer } from './schema.js';

/**
 * Withdrawing a channel's consent (an unsubscribe link, an SMS STOP): recorded with time and source. A consent
 * already withdrawn stays as it was — the first withdrawal is the one on record — so repeating changes nothing.
 */
export function withdrawConsentDecision(
  customer: Pick<Customer, 'consents'>,
  channel: Channel,
  source: string,
  now: Date,
): { changed: false } | { changed: true; consents: Customer['consents'] } {
  const current = customer.consents?.[channel];
  if (current && !current.granted) return { changed: false };
  return { changed: true, consents: { ...customer.consents, [channel]: { granted: false, at: now.toISOString(), source } } };
}
