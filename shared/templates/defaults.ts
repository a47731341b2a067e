import { Template } from './template.js';

/**
 * Templates shipped with the default journeys, German and English. A PUT with the same id replaces one; the
 * shipped text comes back only when nothing is stored under its id.
 */
export const builtinTemplates: Readonly<Record<string, Template>> = {
  'winback-miss-you': Template.parse({
    name: 'Win-back: we miss you',
    locales: {
      de: {
        subject: '{{firstName|Hallo}}, wir vermissen Sie – {{couponValue}} für Ihren nächsten Einkauf',
        text: 'Hallo {{firstName|liebe Kundin, lieber Kunde}},\n\nschön wäre es, Sie bald wiederzusehen. Mit dem Code {{couponCode}} erhalten Sie {{couponValue}} auf Ihren nächsten Einkauf – gültig bis {{couponExpiry}}.\nUnsere Empfehlung für Sie: {{favouriteCategory|unsere Neuheiten}}.\n\nBis bald!',
        html: '<p>Hallo {{firstName|liebe Kundin, lieber Kunde}},</p><p>schön wäre es, Sie bald wiederzusehen. Mit dem Code <strong>{{couponCode}}</strong> erhalten Sie {{couponValue}} auf Ihren nächsten Einkauf – gültig bis {{couponExpiry}}.</p><p>Unsere Empfehlung für Sie: {{favouriteCategory|unsere Neuheiten}}.</p>',
        sms: '{{firstName|Hallo}}, wir vermissen Sie! {{couponValue}} mit Code {{couponCode}}, gültig bis {{couponExpiry}}.',
      },
      en: {
        subject: '{{firstName|Hello}}, we miss you – {{couponValue}} off your next visit',
        text: 'Hello {{firstName|there}},\n\nit would be lovely to see you again. Use code {{couponCode}} for {{couponValue}} off your next purchase – valid until {{couponExpiry}}.\nPicked for you: {{favouriteCategory|our new arrivals}}.\n\nSee you soon!',
        html: '<p>Hello {{firstName|there}},</p><p>it would be lovely to see you again. Use code <strong>{{couponCode}}</strong> for {{couponValue}} off your next purchase – valid until {{couponExpiry}}.</p><p>Picked for you: {{favouriteCategory|our new arrivals}}.</p>',
        sms: '{{firstName|Hi}}, we miss you! {{couponValue}} off with code {{couponCode}}, valid until {{couponExpiry}}.',
      },
    },
    fallbackLocale: 'en',
  }),
  'winback-reminder': Template.parse({
    name: 'Win-back: your coupon is waiting',
    locales: {
      de: {
        subject: 'Ihr Gutschein {{couponCode}} wartet noch auf Sie',
        text: 'Hallo {{firstName|liebe Kundin, lieber Kunde}},\n\nIhr Gutschein über {{couponValue}} ist noch bis {{couponExpiry}} gültig. Code: {{couponCode}}.',
        sms: 'Erinnerung: {{couponValue}} mit Code {{couponCode}}, gültig bis {{couponExpiry}}.',
      },
      en: {
        subject: 'Your coupon {{couponCode}} is still waiting',
        text: 'Hello {{firstName|there}},\n\nyour {{couponValue}} coupon is valid until {{couponExpiry}}. Code: {{couponCode}}.',
        sms: 'Reminder: {{couponValue}} off with code {{couponCode}}, valid until {{couponExpiry}}.',
      },
    },
    fallbackLocale: 'en',
  }),
  'winback-stronger': Template.parse({
    name: 'Win-back: a stronger offer',
    locales: {
      de: {
        subject: 'Nur für Sie: {{couponValue}} Rabatt',
        text: 'Hallo {{firstName|liebe Kundin, lieber Kunde}},\n\nwir möchten Sie zurückgewinnen: {{couponValue}} Rabatt mit dem Code {{couponCode}}, gültig bis {{couponExpiry}}.',
        sms: 'Nur für Sie: {{couponValue}} mit Code {{couponCode}} bis {{couponExpiry}}.',
      },
      en: {
        subject: 'Just for you: {{couponValue}} off',
        text: 'Hello {{firstName|there}},\n\nwe would love to have you back: {{couponValue}} off with code {{couponCode}}, valid until {{couponExpiry}}.',
        sms: 'Just for you: {{couponValue}} off with code {{couponCode}} until {{couponExpiry}}.',
      },
    },
    fallbackLocale: 'en',
  }),
  'birthday-greeting': Template.parse({
    name: 'Birthday greeting',
    locales: {
      de: {
        subject: 'Alles Gute zum Geburtstag, {{firstName|liebe Kundin, lieber Kunde}}!',
        text: 'Alles Gute zum Geburtstag, {{firstName|liebe Kundin, lieber Kunde}}!\n\nUnser Geschenk: {{couponValue}} mit dem Code {{couponCode}}, gültig bis {{couponExpiry}}.',
        sms: 'Alles Gute zum Geburtstag! {{couponValue}} mit Code {{couponCode}} bis {{couponExpiry}}.',
      },
      en: {
        subject: 'Happy birthday, {{firstName|dear customer}}!',
        text: 'Happy birthday, {{firstName|dear customer}}!\n\nOur gift: {{couponValue}} with code {{couponCode}}, valid until {{couponExpiry}}.',
        sms: 'Happy birthday! {{couponValue}} with code {{couponCode}} until {{couponExpiry}}.',
      },
    },
    fallbackLocale: 'en',
  }),
  'coupon-expiry-reminder': Template.parse({
    name: 'Coupon expires soon',
    locales: {
      de: {
        subject: 'Ihr Gutschein läuft am {{couponExpiry}} ab',
        text: 'Hallo {{firstName|liebe Kundin, lieber Kunde}},\n\nIhr Gutschein {{couponCode}} über {{couponValue}} ist nur noch bis {{couponExpiry}} gültig.',
        sms: 'Ihr Gutschein {{couponCode}} ({{couponValue}}) gilt nur noch bis {{couponExpiry}}.',
      },
      en: {
        subject: 'Your coupon expires on {{couponExpiry}}',
        text: 'Hello {{firstName|there}},\n\nyour coupon {{couponCode}} for {{couponValue}} is only valid until {{couponExpiry}}.',
        sms: 'Your coupon {{couponCode}} ({{couponValue}}) is valid until {{couponExpiry}}.',
      },
    },
    fallbackLocale: 'en',
  }),
  'welcome-back': Template.parse({
    name: 'Welcome back',
    locales: {
      de: {
        subject: 'Schön, dass Sie wieder da sind, {{firstName|liebe Kundin, lieber Kunde}}!',
        text: 'Hallo {{firstName|liebe Kundin, lieber Kunde}},\n\ndanke für Ihren Einkauf – schön, dass Sie wieder bei uns sind. Entdecken Sie auch {{favouriteCategory|unsere Neuheiten}}.',
        sms: 'Danke für Ihren Einkauf – schön, dass Sie wieder da sind!',
      },
      en: {
        subject: 'Welcome back, {{firstName|dear customer}}!',
        text: 'Hello {{firstName|there}},\n\nthank you for your purchase – it is good to have you back. Have a look at {{favouriteCategory|our new arrivals}} too.',
        sms: 'Thank you for your purchase – good to have you back!',
      },
    },
    fallbackLocale: 'en',
  }),
};

export function builtinTemplate(id: string): Template | undefined {
  return Object.hasOwn(builtinTemplates, id) ? builtinTemplates[id] : undefined;
}
