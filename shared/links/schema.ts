import { z } from 'zod';
import { sha256Hex } from '../canonical.js';
import { CustomerId } from '../customers/schema.js';
import { emailCustomerId } from '../webhooks/common.js';

/**
 * An identity a customer is known by outside winback: the shop account, the loyalty card, the e-mail address.
 * `customer` is winback's own id: a link `{source: "customer", externalId: A}` on customer B means A was
 * merged into B (an alias), and linking it explicitly merges A into B.
 */
export const LinkSource = z
  .string()
  .regex(/^[a-z][a-z0-9_.-]{0,31}$/, 'a lowercase id such as shopify, shopware, email, phone, pos (letters, digits, "_", "." or "-", at most 32)');
export type LinkSource = z.infer<typeof LinkSource>;

export const aliasSource = 'customer';

/** E-mail addresses and phone numbers are compared normalised; other sources keep their ids as sent. */
export function normalizeExternalId(source: string, externalId: string): string {
  const trimmed = externalId.trim();
  switch (source) {
    case 'email':
      return trimmed.toLowerCase();
    case 'phone':
      return trimmed.replace(/[\s()-]/g, '');
    default:
      return trimmed;
  }
}

export const CustomerRef = z
  // Surrounding blanks are forgiven here (an address pasted from a CRM) and trimmed before the id rule applies.
  .strictObject({ source: LinkSource, externalId: z.string().trim().pipe(CustomerId) })
  .superRefine((ref, ctx) => {
    if (ref.source === 'email' && !z.email().safeParse(normalizeExternalId('email', ref.externalId)).success) {
      ctx.addIssue({ code: 'custom', path: ['externalId'], message: 'an e-mail address' });
    }
    if (ref.source === 'phone' && !/^\+[1-9]\d{6,14}$/.test(normalizeExternalId('phone', ref.externalId))) {
      ctx.addIssue({ code: 'custom', path: ['externalId'], message: 'an E.164 phone number such as +4915112345678' });
    }
  })
  .transform((ref) => ({ source: ref.source, externalId: normalizeExternalId(ref.source, ref.externalId) }));
export type CustomerRef = z.infer<typeof CustomerRef>;

export const LinkList = z.array(CustomerRef).min(1).max(50);

/**
 * Body of `POST /api/customers/{id}/links`: one link or `{"links": [...]}`. Chosen on the presence of
 * `links` rather than as a union, so an error names the field instead of "no variant matched".
 */
export const LinksRequest = z.unknown().pipe(
  z.custom<unknown>().transform((body, ctx) => {
    const many = body !== null && typeof body === 'object' && !Array.isArray(body) && 'links' in body;
    const parsed = many ? z.strictObject({ links: LinkList }).safeParse(body) : CustomerRef.safeParse(body);
    if (parsed.success) return 'links' in parsed.data ? parsed.data : { links: [parsed.data] };
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  }),
);

/** How a link came about; `first_seen` links point an identity at the customer winback made up for it. */
export const LinkOrigin = z.enum(['first_seen', 'api', 'email_match', 'merge']);
export type LinkOrigin = z.infer<typeof LinkOrigin>;

/** The index: one document per (source, externalId), so one point read resolves it and a create claims it. */
export const LinkDocument = z.object({
  id: z.string(),
  kind: z.literal('link'),
  source: z.string(),
  externalId: z.string(),
  customerId: z.string(),
  origin: LinkOrigin,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The identity was erased once: purchases through it that happened before this are still refused. */
  erasedAt: z.string().optional(),
});
export type LinkDocument = z.infer<typeof LinkDocument>;

/** What erasure leaves of a link: no source, no external id, only the hash id and the time. */
export const LinkTombstone = z.object({ id: z.string(), kind: z.literal('tombstone'), erasedAt: z.string() });
export type LinkTombstone = z.infer<typeof LinkTombstone>;

export const MergeRecord = z.object({
  id: z.string(),
  kind: z.literal('merge'),
  absorbedId: z.string(),
  survivorId: z.string(),
  status: z.enum(['running', 'done']),
  /** Participants whose part is finished; a retry runs only the others (each is idempotent anyway). */
  done: z.array(z.string()),
  startedAt: z.string(),
  completedAt: z.string().optional(),
});
export type MergeRecord = z.infer<typeof MergeRecord>;

export const IndexDocument = z.discriminatedUnion('kind', [LinkDocument, LinkTombstone, MergeRecord]);
export type IndexDocument = z.infer<typeof IndexDocument>;

/** Cosmos ids may not contain / \ ? #, and external ids are personal data: hashed into the id. */
export function linkId(source: string, externalId: string): string {
  return `link-${sha256Hex(`${source}\n${externalId}`).slice(0, 40)}`;
}

/**
 * One record per pair, whichever way round: two merges of the same customers in opposite directions at once
 * meet on its create, and the second finishes the first instead of making each an alias of the other.
 */
export function mergeId(a: string, b: string): string {
  const [first, second] = a < b ? [a, b] : [b, a];
  return `merge-${sha256Hex(`${first}\n${second}`).slice(0, 40)}`;
}

/**
 * The customer an identity lands on while it is linked to nobody: the ids channels used before links existed
 * (Shopify and Shopware customer numbers, POS cards, `emailCustomerId` for guests), so history recorded before stays where it is and is merged
 * when the identity is linked.
 */
export function fallbackCustomerId(ref: CustomerRef): string {
  switch (ref.source) {
    case aliasSource:
    case 'shopify':
    case 'shopware':
    case 'pos':
      return ref.externalId;
    case 'email':
      return emailCustomerId(ref.externalId);
    case 'phone':
      return `phone:${sha256Hex(ref.externalId)}`;
    default: {
      const readable = `${ref.source}:${ref.externalId}`;
      return readable.length <= 128 ? readable : `${ref.source}:${sha256Hex(ref.externalId)}`;
    }
  }
}

export function aliasRef(customerId: string): CustomerRef {
  return { source: aliasSource, externalId: customerId };
}

export function linkView(doc: LinkDocument) {
  return { source: doc.source, externalId: doc.externalId, origin: doc.origin, linkedAt: doc.updatedAt };
}
