import { describe, expect, it } from 'vitest';
import { defaultSmsMaxSegments } from '../../../shared/channels/channel-settings.js';
import { renderLongest, smsTemplateFailure, smsTemplateProblems } from '../../../shared/channels/sms-template.js';
import { builtinTemplates } from '../../../shared/templates/defaults.js';
import { Template } from '../../../shared/templates/template.js';

describe('SMS template test', () => {
  it('every shipped template fits the default segment limit with its longest values', () => {
    for (const [id, template] of Object.entries(builtinTemplates)) {
      expect({ id, problems: smsTemplateProblems(template, defaultSmsMaxSegments) }).toEqual({ id, problems: [] });
    }
  });

  it('fails a template whose SMS would need more segments, naming locale and part', () => {
    const long = Template.parse({
      name: 'long',
      fallbackLocale: 'en',
      locales: {
        en: { subject: 's', text: 't', sms: `${'Great news! '.repeat(8)}Your code {{couponCode}} is worth {{couponValue}}.` },
        de: { subject: 's', text: 'Kurz: {{couponCode}}' },
      },
    });
    const problems = smsTemplateProblems(long, 1);
    expect(problems).toEqual([{ locale: 'en', part: 'sms', reason: expect.stringContaining('needs 2 segments') }]);
    expect(smsTemplateProblems(long, 2)).toEqual([]);
  });

  it('refuses at PUT only a template whose own SMS part is too long, naming the field; a long e-mail text without one passes', () => {
    const template = (sms?: string) => Template.parse({ name: 'x', fallbackLocale: 'de', locales: { de: { subject: 's', text: 'Lang. '.repeat(100), ...(sms === undefined ? {} : { sms }) } } });
    expect(smsTemplateFailure(template(), 1)).toBeUndefined();
    expect(smsTemplateFailure(template('Ihr Code {{couponCode}}'), 1)).toBeUndefined();
    expect(smsTemplateFailure(template('Ihr Code {{couponCode}} '.repeat(12)), 2)).toEqual({
      kind: 'invalid',
      detail: 'the SMS part would take more than 2 segments (SMS_MAX_SEGMENTS)',
      errors: [{ pointer: '/locales/de/sms', message: expect.stringContaining('needs 3 segments') }],
    });
  });

  it('renders placeholders with their longest plausible value, fallbacks ignored', () => {
    expect(renderLongest('{{firstName|Hallo}}: {{couponCode}} / {{event.sku}}')).toBe(`Maximiliane-Sophie: WB-XXXX-XXXX-XXXX / ${'x'.repeat(30)}`);
  });
});
