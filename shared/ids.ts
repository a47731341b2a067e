import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The one rule for ids that name things (customers, orders, offers, coupons, journeys, templates): whatever
 * ingest accepts must be addressable by every route and storable by every store. Ids become Cosmos document
 * ids and partition keys (which forbid / \ ? #), path segments of URLs (where %2F is not decoded the same
 * way by every proxy and host), log fields and CSV cells. So an id is refused — never silently changed —
 * when it could not travel through all of them unchanged:
 * - 1 to 128 characters;
 * - none of / \ ? #;
 * - no control characters (C0, DEL, C1) and no Unicode line or paragraph separators;
 * - no leading or trailing whitespace (" C-42" and "C-42" would otherwise name two customers that nobody
 *   can tell apart in a URL, a CSV or a log).
 * Ids winback hands out to other people's systems (offers, journeys, templates) are slugs on top of that.
 */
export const idMaxLength = 128;

const forbiddenCharacter = /[/\\?#\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const forbiddenCharacterGlobal = /[/\\?#%\u0000-\u001f\u007f-\u009f\u2028\u2029]/gu;

/** Why `value` is not a valid id, or undefined when it is. */
export function idProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > idMaxLength) return `at most ${idMaxLength} characters`;
  const bad = forbiddenCharacter.exec(value);
  if (bad) return `must not contain ${describeCharacter(bad[0])} (ids may not contain / \\ ? # or control characters)`;
  if (value.trim() !== value) return 'must not start or end with whitespace';
  if (loneSurrogate.test(value)) return 'must be well-formed Unicode (no lone surrogates)';
  return undefined;
}

function describeCharacter(char: string): string {
  if (/^[/\\?#]$/.test(char)) return `"${char}"`;
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** An id under the rule above. Every id field and route parameter uses this (or a slug built on it). */
export const Id = z
  .string()
  .superRefine((value, ctx) => {
    const problem = idProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({
    // The same rule for JSON Schema readers (OpenAPI): the messages above say which part of it failed.
    minLength: 1,
    maxLength: idMaxLength,
    pattern: '^(?!\\s)(?!.*\\s$)[^/\\\\?#\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]+$',
  });

/** Names chosen by the retailer's staff in winback (offers, journeys, templates): readable in URLs and logs. */
export const Slug = z
  .string()
  .min(1)
  .max(idMaxLength)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." or "-", starting with a letter or digit');

export const CustomerId = Id.meta({ description: 'The retailer\'s customer id (loyalty card number, shop customer id…)', examples: ['C-42'] });
export const OrderId = Id.meta({ description: 'Order id, unique within its source', examples: ['A-1001'] });
export const OfferId = Slug.meta({ description: 'Offer id', examples: ['autumn-10'] });
export const JourneyId = Slug.meta({ description: 'Journey id', examples: ['winback-at-risk'] });
export const TemplateId = Slug.meta({ description: 'Message template id', examples: ['winback-email-1'] });
/** A coupon code as typed at a till: any case, spaces and dashes (the code rules are in coupons/code.ts). */
export const CouponCodeInput = Id.refine((v) => v.length <= 64, 'at most 64 characters').meta({ description: 'Coupon code, any case, dashes and spaces allowed', examples: ['WB-GT4C-DMRX-AUAX'] });

/**
 * Maps an id from a shop or another foreign system through the rule: unchanged when it already is a valid id
 * without "%", otherwise the offending characters (and "%", so the mapping stays one-to-one) percent-encoded,
 * and a hash when that grows beyond the length limit. Deterministic, so every delivery of the same order
 * names the same customer. Surrounding whitespace is not part of anyone's id and is dropped.
 */
export function foreignId(raw: string): string | undefined {
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  if (loneSurrogate.test(trimmed)) return `sha256:${createHash('sha256').update(trimmed).digest('hex')}`;
  const encoded = trimmed.replace(forbiddenCharacterGlobal, (char) => encodeURIComponent(char));
  if (encoded.length <= idMaxLength) return encoded;
  return `sha256:${createHash('sha256').update(trimmed).digest('hex')}`;
}
