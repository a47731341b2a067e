import { createHmac, timingSafeEqual } from 'node:crypto';
import { Channel } from '../customers/schema.js';
import { channelTexts, escapeHtml } from './texts.js';

/**
 * Unsubscribe links: the token names a customer and a channel and carries an HMAC over both, so it can be
 * neither guessed nor changed to another customer or channel. It does not expire: a link in a year-old
 * e-mail must still work (RFC 8058 asks the same of one-click).
 */
export type UnsubscribeChannel = Channel;

const prefix = 'v1';

function mac(secret: string, customerId: string, channel: string): Buffer {
  return createHmac('sha256', secret).update(`winback-unsubscribe\n${customerId}\n${channel}`).digest();
}

export function unsubscribeToken(secret: string, customerId: string, channel: UnsubscribeChannel): string {
  return [prefix, Buffer.from(customerId, 'utf8').toString('base64url'), channel, mac(secret, customerId, channel).toString('base64url')].join('.');
}

export type TokenCheck = { ok: true; customerId: string; channel: UnsubscribeChannel } | { ok: false; problem: string };

export function verifyUnsubscribeToken(secret: string, token: string): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== prefix) return { ok: false, problem: 'not an unsubscribe token' };
  const [, encodedId, channelText, signature] = parts as [string, string, string, string];
  const channel = Channel.safeParse(channelText);
  if (!channel.success) return { ok: false, problem: 'unknown channel' };
  if (!/^[A-Za-z0-9_-]+$/.test(encodedId) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return { ok: false, problem: 'malformed token' };
  const customerId = Buffer.from(encodedId, 'base64url').toString('utf8');
  const expected = mac(secret, customerId, channel.data);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, problem: 'signature does not match' };
  return { ok: true, customerId, channel: channel.data };
}

export function unsubscribeUrl(publicBaseUrl: string, secret: string, customerId: string, channel: UnsubscribeChannel): string {
  return `${publicBaseUrl}/api/unsubscribe?token=${unsubscribeToken(secret, customerId, channel)}`;
}

export const unsubscribeSource = 'unsubscribe-link';

/** The small page a person sees after clicking, in their language. */
export function unsubscribePage(locale: string | undefined, outcome: { ok: true; channel: UnsubscribeChannel } | { ok: false }): string {
  const t = channelTexts(locale);
  const title = outcome.ok ? t.unsubscribedTitle : t.invalidLinkTitle;
  const body = outcome.ok ? t.unsubscribedBody(t.channelNames[outcome.channel]) : t.invalidLinkBody;
  const lang = (locale ?? 'en').split(/[-_]/)[0] ?? 'en';
  return `<!doctype html>
<html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222;line-height:1.5}h1{font-size:1.5rem}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p></body></html>
`;
}

/** The reader's language when the customer is unknown: the first Accept-Language tag winback has texts for. */
export function localeFromAcceptLanguage(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const tags = header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())?.[1]).find(Boolean);
      return { tag: tag?.trim() ?? '', q: q === undefined ? 1 : Number(q) };
    })
    .filter((t) => t.tag && t.tag !== '*' && t.q > 0)
    .sort((a, b) => b.q - a.q);
  return tags[0]?.tag;
}

export type UnsubscribeOutcome =
  | { kind: 'invalid'; problem: string }
  | { kind: 'unsubscribed'; customerId: string; channel: UnsubscribeChannel; change: 'withdrawn' | 'unchanged' | 'unknown'; locale?: string };

export interface UnsubscribeDeps {
  secret: string;
  customers: {
    get(customerId: string): Promise<{ customer: { locale?: string } } | undefined>;
    withdrawConsent(customerId: string, channel: UnsubscribeChannel, source: string, now: Date): Promise<'withdrawn' | 'unchanged' | 'unknown'>;
  };
}

/**
 * The unsubscribe use case behind `GET`/`POST /api/unsubscribe?token=…`. An unknown customer (erased since the
 * mail went out) gets the same answer as a known one: the link must not reveal who is a customer.
 */
export async function unsubscribe(deps: UnsubscribeDeps, token: string, now: Date): Promise<UnsubscribeOutcome> {
  const check = verifyUnsubscribeToken(deps.secret, token);
  if (!check.ok) return { kind: 'invalid', problem: check.problem };
  const change = await deps.customers.withdrawConsent(check.customerId, check.channel, unsubscribeSource, now);
  const locale = change === 'unknown' ? undefined : (await deps.customers.get(check.customerId))?.customer.locale;
  return { kind: 'unsubscribed', customerId: check.customerId, channel: check.channel, change, ...(locale ? { locale } : {}) };
}
