import { describe, expect, it } from 'vitest';
import { builtinTemplates } from '../../../shared/templates/defaults.js';
import { chooseLocale, render, Template } from '../../../shared/templates/template.js';
import { templateValues } from '../../../shared/templates/variables.js';

const coupon = {
  code: 'WBGT4CDMRXAUAX',
  expiresAt: '2027-01-01T00:00:00.000Z',
  terms: { offerName: 'x', value: { type: 'amount' as const, amountMinor: 500 }, currency: 'EUR', minBasketMinor: 3000, channel: 'both' as const },
};

describe('templates', () => {
  const missYou = builtinTemplates['winback-miss-you']!;

  it('chooses the locale, then the language, then the fallback', () => {
    expect(chooseLocale(missYou, 'de-AT')).toBe('de');
    expect(chooseLocale(missYou, 'en-GB')).toBe('en');
    expect(chooseLocale(missYou, 'fr-FR')).toBe('en');
    expect(chooseLocale(missYou, undefined)).toBe('en');
  });

  it('formats value and expiry for the locale and the customer zone', () => {
    const de = templateValues({ locale: 'de', timeZone: 'Europe/Berlin', customer: { firstName: 'Anna', favouriteCategory: 'Kaffee' }, coupon });
    expect(de).toMatchObject({ couponValue: '5,00\u00a0€', couponExpiry: '1. Januar 2027', couponCode: 'WB-GT4C-DMRX-AUAX', couponMinBasket: '30,00\u00a0€' });
    const en = templateValues({ locale: 'en', timeZone: 'America/New_York', customer: {}, coupon });
    // expiresAt is exclusive: the last valid moment is 31 Dec 2026, 19:00 in New York.
    expect(en).toMatchObject({ couponValue: '€5.00', couponExpiry: 'December 31, 2026' });
  });

  it('renders each channel and uses fallbacks for missing optional values', () => {
    const values = templateValues({ locale: 'de', timeZone: 'Europe/Berlin', customer: {}, coupon });
    const email = render(missYou, 'de', 'email', values);
    expect(email.ok && email.parts.subject).toBe('Hallo, wir vermissen Sie – 5,00\u00a0€ für Ihren nächsten Einkauf');
    expect(email.ok && email.parts.html).toContain('<strong>WB-GT4C-DMRX-AUAX</strong>');
    expect(email.ok && email.parts.text).toContain('unsere Neuheiten');
    const sms = render(missYou, 'de', 'sms', values);
    expect(sms.ok && sms.parts.text).toBe('Hallo, wir vermissen Sie! 5,00\u00a0€ mit Code WB-GT4C-DMRX-AUAX, gültig bis 1. Januar 2027.');
  });

  it('refuses to render a required variable without a value, naming it, and escapes HTML', () => {
    const t = Template.parse({ name: 't', locales: { en: { subject: 'Hi {{firstName}}', text: 'x', html: '<p>{{firstName}}</p>' } } });
    expect(render(t, 'en', 'email', {})).toEqual({ ok: false, missing: ['firstName'] });
    const ok = render(t, 'en', 'email', { firstName: '<b>Bo</b>' });
    expect(ok.ok && ok.parts.html).toBe('<p>&lt;b&gt;Bo&lt;/b&gt;</p>');
  });

  it('rejects unknown variables at PUT, naming the part', () => {
    const parsed = Template.safeParse({ name: 't', locales: { en: { subject: 'Hi {{nickname}}', text: 'x' } } });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]).toMatchObject({ path: ['locales', 'en', 'subject'] });
  });
});
