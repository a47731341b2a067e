import { z } from 'zod';
import { CustomerId } from '../ids.js';
import { isValidTimeZone } from '../analytics/days.js';

const isoInstant = z.iso.datetime({ offset: true });

export const Consent = z.strictObject({
  granted: z.boolean(),
  at: isoInstant,
  source: z.string().trim().min(1).max(128),
});
export type Consent = z.infer<typeof Consent>;

export const Channel = z.enum(['email', 'sms', 'push', 'mail']);
export type Channel = z.infer<typeof Channel>;

const isTimeZone = (zone: string) => zone.length <= 64 && isValidTimeZone(zone);

const isLocale = (tag: string) => {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
};

const isPastCalendarDate = (value: string) => {
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value) && date.getUTCFullYear() >= 1900;
};

export const PostalAddress = z.strictObject({
  line1: z.string().trim().min(1).max(200),
  line2: z.string().trim().max(200).optional(),
  postalCode: z.string().trim().min(1).max(20),
  city: z.string().trim().min(1).max(100),
  region: z.string().trim().max(100).optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code such as DE'),
});
export type PostalAddress = z.infer<typeof PostalAddress>;

/** What a POS, shop or CRM may set on a customer: the contact data and consents journeys need. */
export const CustomerProfileInput = z.strictObject({
  email: z.email().max(254).optional(),
  /** The address was confirmed by the customer (double opt-in, a verified account): orders with it may be linked. */
  emailVerified: z.boolean().optional(),
  phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 phone number such as +4915112345678').optional(),
  pushToken: z.string().trim().min(1).max(4096).optional(),
  firstName: z.string().trim().min(1).max(100).optional(),
  lastName: z.string().trim().min(1).max(100).optional(),
  locale: z.string().refine(isLocale, 'a BCP 47 locale such as de-DE').optional(),
  timeZone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Berlin').optional(),
  birthday: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD').refine(isPastCalendarDate, 'not a real date').optional(),
  address: PostalAddress.optional(),
  preferredChannel: Channel.optional(),
  consents: z
    .strictObject({ email: Consent.optional(), sms: Consent.optional(), push: Consent.optional(), mail: Consent.optional() })
    .default({}),
});
export type CustomerProfileInput = z.infer<typeof CustomerProfileInput>;

export { CustomerId } from '../ids.js';

/**
 * The stored customer: the profile plus what other parts of winback keep on it (scores and segment from the
 * segmentation run). A PUT replaces the profile and keeps the rest.
 */
export const Customer = CustomerProfileInput.extend({
  id: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
}).catchall(z.unknown());
export type Customer = z.infer<typeof Customer>;

export const CustomerRouteParams = z.object({ customerId: CustomerId });

export const profileFields = Object.keys(CustomerProfileInput.shape) as (keyof CustomerProfileInput)[];
