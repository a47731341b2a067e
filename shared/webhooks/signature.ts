import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures are checked over the raw body bytes *before* anything is parsed: re-serialised JSON
 * differs from what the shop signed. Secrets may be a list so a secret can be rotated without downtime
 * (old and new are accepted until the shop uses only the new one).
 */
export type WebhookSecret = string | readonly string[];

function secretsOf(secret: WebhookSecret): string[] {
  return (typeof secret === 'string' ? [secret] : [...secret]).filter((s) => s.length > 0);
}

/** Compares in constant time for equal lengths; a length mismatch returns early, which reveals only the length. */
function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const base64 = /^[A-Za-z0-9+/]{43}=$/;
const hex = /^[0-9a-fA-F]{64}$/;

/** `X-Shopify-Hmac-Sha256`: base64 of HMAC-SHA256(secret, raw body). */
export function verifyShopifyHmac(rawBody: Uint8Array, headerValue: string | null | undefined, secret: WebhookSecret): boolean {
  const given = headerValue?.trim();
  if (given === undefined || !base64.test(given)) return false;
  const givenBytes = Buffer.from(given, 'base64');
  let ok = false;
  // Every secret is tried (no early exit) so the time taken does not tell which one matched.
  for (const s of secretsOf(secret)) ok = safeEqual(createHmac('sha256', s).update(rawBody).digest(), givenBytes) || ok;
  return ok;
}

/** `shopware-shop-signature`: lowercase hex of HMAC-SHA256(secret, raw body); upper case is tolerated. */
export function verifyShopwareSignature(rawBody: Uint8Array, headerValue: string | null | undefined, secret: WebhookSecret): boolean {
  const given = headerValue?.trim();
  if (given === undefined || !hex.test(given)) return false;
  const givenBytes = Buffer.from(given, 'hex');
  let ok = false;
  for (const s of secretsOf(secret)) ok = safeEqual(createHmac('sha256', s).update(rawBody).digest(), givenBytes) || ok;
  return ok;
}
