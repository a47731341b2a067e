import type { MergeConflict } from '../links/merge.js';
import type { Consent, Customer } from './schema.js';

type Doc = Record<string, unknown>;

const sameEmail = (a: unknown, b: unknown) => typeof a === 'string' && typeof b === 'string' && a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * What two customer documents disagree on in a way only a person can settle: two different birthdays, or two
 * different e-mail addresses both verified. Everything else merges (see `mergedCustomer`).
 */
export function profileConflicts(from: Doc | undefined, into: Doc | undefined): MergeConflict[] {
  if (from === undefined || into === undefined) return [];
  const conflicts: MergeConflict[] = [];
  if (from['birthday'] !== undefined && into['birthday'] !== undefined && from['birthday'] !== into['birthday']) {
    conflicts.push({ field: 'birthday', values: [from['birthday'], into['birthday']] });
  }
  if (from['emailVerified'] === true && into['emailVerified'] === true && !sameEmail(from['email'], into['email'])) {
    conflicts.push({ field: 'email', values: [from['email'], into['email']] });
  }
  return conflicts;
}

function latestConsents(from: unknown, into: unknown): Record<string, Consent> {
  const out: Record<string, Consent> = { ...((from as Record<string, Consent> | undefined) ?? {}) };
  for (const [channel, consent] of Object.entries((into as Record<string, Consent> | undefined) ?? {})) {
    const other = out[channel];
    // The latest statement of the person's will holds, whichever profile it was given on.
    if (other === undefined || consent.at >= other.at) out[channel] = consent;
  }
  return out;
}

/**
 * The survivor's document after absorbing `from`: the survivor's values win, the absorbed customer's fill
 * the gaps (profile fields, scores, anything another owner keeps on the document), consents take the latest
 * per channel, a verified e-mail beats an unverified one, `createdAt` is the earlier one. Only call after
 * `profileConflicts` found nothing.
 */
export function mergedCustomer(from: Doc, into: Doc | undefined, intoId: string, now: Date): Customer {
  const clean = (doc: Doc | undefined) => Object.fromEntries(Object.entries(doc ?? {}).filter(([k, v]) => !k.startsWith('_') && v !== undefined));
  const a = clean(from);
  const b = clean(into);
  const merged: Doc = { ...a, ...b };
  if (a['emailVerified'] === true && b['emailVerified'] !== true && a['email'] !== undefined) {
    merged['email'] = a['email'];
    merged['emailVerified'] = true;
  }
  if (a['consents'] !== undefined || b['consents'] !== undefined) merged['consents'] = latestConsents(a['consents'], b['consents']);
  const created = [a['createdAt'], b['createdAt']].filter((v): v is string => typeof v === 'string').sort();
  if (created.length > 0) merged['createdAt'] = created[0];
  merged['id'] = intoId;
  merged['updatedAt'] = now.toISOString();
  return merged as Customer;
}
