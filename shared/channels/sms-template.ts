import type { Template } from '../templates/template.js';
import { checkSmsTemplate, type SmsTemplateCheck } from './sms.js';

/**
 * The SMS template test: every locale's SMS part (the `text` when there is none), rendered with the longest
 * values its variables plausibly take, must fit in the configured number of segments once the STOP line is
 * added. A template that fails would be refused at every send, so it is worth failing when it is saved.
 */
const longestValues: Record<string, string> = {
  firstName: 'Maximiliane-Sophie',
  lastName: 'Schmidt-Oberhauser',
  favouriteCategory: 'Haushalt & Küche',
  couponCode: 'WB-XXXX-XXXX-XXXX',
  couponValue: '100,00 €',
  couponExpiry: '31. Dezember 2026',
  couponMinBasket: '100,00 €',
};
const eventValue = 'x'.repeat(30);

const placeholder = /\{\{\s*([A-Za-z][A-Za-z0-9_.]*)\s*(?:\|([^}]*))?\}\}/g;

export function renderLongest(text: string): string {
  return text.replace(placeholder, (_, name: string) => longestValues[name] ?? (name.startsWith('event.') ? eventValue : ''));
}

export interface SmsTemplateProblem {
  locale: string;
  part: 'sms' | 'text';
  reason: string;
}

export function smsTemplateProblems(template: Template, maxSegments: number): SmsTemplateProblem[] {
  const problems: SmsTemplateProblem[] = [];
  for (const [locale, parts] of Object.entries(template.locales)) {
    const part = parts.sms !== undefined ? 'sms' : 'text';
    const check: SmsTemplateCheck = checkSmsTemplate(renderLongest(parts.sms ?? parts.text), { maxSegments, locale });
    if (!check.ok) problems.push({ locale, part, reason: check.reason });
  }
  return problems;
}
