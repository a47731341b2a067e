import { describe, expect, it } from 'vitest';
import { defaultSmsMaxSegments } from '../../../shared/channels/channel-settings.js';
import { renderLongest, smsTemplateProblems } from '../../../shared/channels/sms-template.js';
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

  it('renders placeholders with their longest plausible value, fallbacks ignored', () => {
    expect(renderLongest('{{firstName|Hallo}}: {{couponCode}} / {{event.sku}}')).toBe(`Maximiliane-Sophie: WB-XXXX-XXXX-XXXX / ${'x'.repeat(30)}`);
  });
});
