import { z } from 'zod';
import { Template, TemplateId, templateVariables } from './template.js';

export const TemplateRouteParams = z.object({ templateId: TemplateId });

export function templateView(id: string, stored: { template: Template; updatedAt: string | null; builtin: boolean }) {
  return { templateId: id, builtin: stored.builtin, updatedAt: stored.updatedAt, variables: [...templateVariables(stored.template).keys()].sort(), ...stored.template };
}

/** The README's `PUT /api/templates/cart-nudge` body, for the API description. */
export const templateInputExample = {
  name: 'Cart nudge',
  fallbackLocale: 'en',
  locales: {
    de: { subject: '{{firstName|Hallo}}, Ihr Warenkorb wartet', text: 'Noch da: {{event.product|Ihre Auswahl}}' },
    en: { subject: '{{firstName|Hi}}, your cart is waiting', text: 'Still there: {{event.product|your picks}}' },
  },
};

/** What the template routes answer for it: made by `templateView` itself, so the example has its exact shape. */
export const templateViewExample = templateView('cart-nudge', { template: Template.parse(templateInputExample), updatedAt: '2026-11-05T10:00:00.000Z', builtin: false });
