/**
 * A customers file: one row per customer, its id in the customer column and profile fields under these
 * headers (compared without case, spaces, `_` and `-`; other columns are ignored). Consent columns hold
 * yes/no (true/false, 1/0, ja/nein) or the ISO date the consent was given; empty means not recorded.
 */
export const customerFieldHeaders = {
  email: ['email', 'e_mail', 'email_address'],
  phone: ['phone', 'mobile', 'phone_number'],
  firstName: ['first_name', 'firstname', 'given_name'],
  lastName: ['last_name', 'lastname', 'family_name'],
  locale: ['locale', 'language'],
  timeZone: ['time_zone', 'timezone'],
  birthday: ['birthday', 'date_of_birth', 'birth_date'],
  preferredChannel: ['preferred_channel'],
  'address.line1': ['address_line1', 'street', 'address'],
  'address.line2': ['address_line2'],
  'address.postalCode': ['postal_code', 'zip', 'postcode', 'zip_code'],
  'address.city': ['city'],
  'address.region': ['region', 'state'],
  'address.country': ['country'],
  'consents.email': ['email_consent', 'consent_email'],
  'consents.sms': ['sms_consent', 'consent_sms'],
  'consents.push': ['push_consent', 'consent_push'],
  'consents.mail': ['mail_consent', 'consent_mail', 'postal_consent'],
} as const;

export type CustomerField = keyof typeof customerFieldHeaders;

const normalise = (name: string) => name.toLowerCase().replace(/[\s_-]/g, '');

/** Which column holds which profile field. */
export function customerColumns(header: string[]): Map<CustomerField, number> {
  const map = new Map<CustomerField, number>();
  for (const [field, names] of Object.entries(customerFieldHeaders) as [CustomerField, readonly string[]][]) {
    const index = header.findIndex((h) => names.some((n) => normalise(n) === normalise(h)));
    if (index >= 0) map.set(field, index);
  }
  return map;
}

export type ProfileOutcome =
  | { ok: true; customerId: string; profile: Record<string, unknown> }
  | { ok: false; column: string; message: string; value?: string };

const yes = new Set(['yes', 'y', 'true', '1', 'ja', 'j', 'x']);
const no = new Set(['no', 'n', 'false', '0', 'nein']);

/**
 * The PUT /api/customers/{id} body for a row. Consents given as yes/no are stamped `now` (the import is
 * when winback learnt them) with source `import`; a date says when they were given.
 */
export function toProfile(record: string[], idColumn: number, columns: Map<CustomerField, number>, header: string[], now: Date): ProfileOutcome {
  const customerId = (record[idColumn] ?? '').trim();
  if (customerId === '') return { ok: false, column: header[idColumn] ?? 'customer', message: 'empty customer id' };
  const profile: Record<string, unknown> = {};
  const address: Record<string, string> = {};
  const consents: Record<string, unknown> = {};
  for (const [field, index] of columns) {
    const value = (record[index] ?? '').trim();
    if (value === '') continue;
    if (field.startsWith('address.')) address[field.slice('address.'.length)] = value;
    else if (field.startsWith('consents.')) {
      const lower = value.toLowerCase();
      const channel = field.slice('consents.'.length);
      if (yes.has(lower)) consents[channel] = { granted: true, at: now.toISOString(), source: 'import' };
      else if (no.has(lower)) consents[channel] = { granted: false, at: now.toISOString(), source: 'import' };
      else if (!Number.isNaN(Date.parse(value))) consents[channel] = { granted: true, at: new Date(value).toISOString(), source: 'import' };
      else return { ok: false, column: header[index] ?? field, message: 'a consent is yes/no or the date it was given', value };
    } else profile[field] = value;
  }
  if (Object.keys(address).length > 0) profile['address'] = address;
  if (Object.keys(consents).length > 0) profile['consents'] = consents;
  return { ok: true, customerId, profile };
}

/** The column a server-side field error points at (`/email`, `/address/city`), for the rejection summary. */
export function columnOfPointer(pointer: string, columns: Map<CustomerField, number>, header: string[]): string {
  const path = pointer.split('/').filter(Boolean);
  const field = (path[0] === 'address' || path[0] === 'consents' ? `${path[0]}.${path[1]}` : path[0]) as CustomerField;
  const index = columns.get(field);
  return index === undefined ? pointer || 'row' : header[index]!;
}
