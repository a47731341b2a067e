import type { Failure } from '../http/failure.js';
import { settingNames } from '../settings.js';
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

/**
 * `PUT /api/templates`: a template's own SMS part that would not fit is refused, naming `/locales/<locale>/sms`.
 * A locale without an SMS part is an e-mail or letter text and is not held to SMS length here; sent by SMS
 * anyway, it is checked (and refused if too long) at send time.
 */
export function smsTemplateFailure(template: Template, maxSegments: number): Failure | undefined {
  const problems = smsTemplateProblems(template, maxSegments).filter((p) => p.part === 'sms');
  if (problems.length === 0) return undefined;
  return {
    kind: 'invalid',
    detail: `the SMS part would take more than ${maxSegments} segment${maxSegments === 1 ? '' : 's'} (${settingNames.smsMaxSegments})`,
    errors: problems.map((p) => ({ pointer: `/locales/${p.locale}/sms`, message: p.reason })),
  };
}
