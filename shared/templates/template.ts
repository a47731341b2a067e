import { z } from 'zod';
import type { MessageChannel, RenderedParts } from '../messages/contract.js';

/**
 * Templates are data: per locale a subject, a text and optional HTML, SMS and push parts, with `{{variable}}`
 * placeholders (`{{variable|fallback}}` when the value may be missing, e.g. a first name nobody gave).
 */
export const TemplateId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, "_", "." or "-", at most 64');

const part = (max: number) => z.string().min(1).max(max);

export const TemplateLocale = z.strictObject({
  subject: part(300),
  text: part(20_000),
  html: part(100_000).optional(),
  /** SMS body (defaults to `text`). */
  sms: part(1_000).optional(),
  /** Push title (defaults to `subject`) and body (defaults to `sms`, then `text`). */
  pushTitle: part(100).optional(),
  push: part(500).optional(),
});
export type TemplateLocale = z.infer<typeof TemplateLocale>;

const localeKey = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 locale such as de or de-AT');

export const Template = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).optional(),
    locales: z.record(localeKey, TemplateLocale).refine((l) => Object.keys(l).length > 0, 'at least one locale'),
    /** Used when none of the customer's locale matches. */
    fallbackLocale: localeKey.default('en'),
  })
  .superRefine((t, ctx) => {
    if (!Object.hasOwn(t.locales, t.fallbackLocale)) {
      ctx.addIssue({ code: 'custom', path: ['fallbackLocale'], message: `no locale "${t.fallbackLocale}" in locales` });
    }
    for (const [locale, parts] of Object.entries(t.locales)) {
      for (const [part, text] of Object.entries(parts)) {
        if (typeof text !== 'string') continue;
        for (const match of text.matchAll(placeholder)) {
          if (!isKnownVariable(match[1]!)) {
            ctx.addIssue({ code: 'custom', path: ['locales', locale, part], message: `unknown variable {{${match[1]}}} (known: ${[...customerVariables, ...couponVariables].join(', ')}, event.<property>)` });
          }
        }
      }
    }
  });
export type Template = z.infer<typeof Template>;

/** What a renderer can fill, and from where. `event.<name>` comes from a custom event's properties. */
export const customerVariables = ['firstName', 'lastName', 'favouriteCategory'] as const;
export const couponVariables = ['couponCode', 'couponValue', 'couponExpiry', 'couponMinBasket'] as const;
export const eventPrefix = 'event.';

const placeholder = /\{\{\s*([A-Za-z][A-Za-z0-9_.]*)\s*(?:\|([^}]*))?\}\}/g;

/** Every variable a template uses, in any locale and part; `optional` when each use has a fallback. */
export function templateVariables(template: Template): Map<string, { optional: boolean }> {
  const found = new Map<string, { optional: boolean }>();
  for (const locale of Object.values(template.locales)) {
    for (const text of Object.values(locale)) {
      if (typeof text !== 'string') continue;
      for (const match of text.matchAll(placeholder)) {
        const name = match[1]!;
        const optional = match[2] !== undefined;
        const seen = found.get(name);
        found.set(name, { optional: (seen?.optional ?? true) && optional });
      }
    }
  }
  return found;
}

export function isKnownVariable(name: string): boolean {
  return (customerVariables as readonly string[]).includes(name) || (couponVariables as readonly string[]).includes(name) || (name.startsWith(eventPrefix) && name.length > eventPrefix.length);
}

/** The customer's locale, then its language, then the template's fallback. */
export function chooseLocale(template: Template, customerLocale: string | undefined): string {
  const available = Object.keys(template.locales);
  if (customerLocale) {
    const wanted = customerLocale.toLowerCase();
    const exact = available.find((l) => l.toLowerCase() === wanted);
    if (exact) return exact;
    const language = wanted.split('-')[0]!;
    const sameLanguage = available.find((l) => l.toLowerCase() === language) ?? available.find((l) => l.toLowerCase().split('-')[0] === language);
    if (sameLanguage) return sameLanguage;
  }
  return template.fallbackLocale;
}

export type RenderResult = { ok: true; parts: RenderedParts; variables: Record<string, string> } | { ok: false; missing: string[] };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Fills the chosen locale's parts for a channel. A variable without a value and without a fallback makes the
 * render fail, naming it: the dispatcher then skips the message with that reason rather than sending "Hallo ,".
 */
export function render(template: Template, locale: string, channel: MessageChannel, values: Record<string, string | undefined>): RenderResult {
  const source = template.locales[locale] ?? template.locales[template.fallbackLocale]!;
  const missing = new Set<string>();
  const used: Record<string, string> = {};
  const fill = (text: string, html: boolean) =>
    text.replace(placeholder, (_all, name: string, fallback: string | undefined) => {
      const value = values[name];
      const chosen = value !== undefined && value !== '' ? value : fallback;
      if (chosen === undefined) {
        missing.add(name);
        return '';
      }
      used[name] = chosen;
      return html ? escapeHtml(chosen) : chosen;
    });
  const parts: RenderedParts = { locale, text: '' };
  switch (channel) {
    case 'email':
      parts.subject = fill(source.subject, false);
      parts.text = fill(source.text, false);
      if (source.html !== undefined) parts.html = fill(source.html, true);
      break;
    case 'sms':
      parts.text = fill(source.sms ?? source.text, false);
      break;
    case 'push':
      parts.title = fill(source.pushTitle ?? source.subject, false);
      parts.text = fill(source.push ?? source.sms ?? source.text, false);
      break;
    case 'mail':
    case 'webhook':
      parts.subject = fill(source.subject, false);
      parts.text = fill(source.text, false);
      break;
    default: {
      const exhaustive: never = channel;
      return exhaustive;
    }
  }
  if (missing.size > 0) return { ok: false, missing: [...missing] };
  return { ok: true, parts, variables: used };
}
