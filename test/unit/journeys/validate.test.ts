import { describe, expect, it } from 'vitest';
import { defaultSmsMaxSegments } from '../../../shared/channels/channel-settings.js';
import { builtinJourneys } from '../../../shared/journeys/defaults.js';
import { JourneyDefinition } from '../../../shared/journeys/definition.js';
import { validateJourney, type JourneyCatalog } from '../../../shared/journeys/validate.js';
import { builtinTemplates } from '../../../shared/templates/defaults.js';
import { Template } from '../../../shared/templates/template.js';

const templates = new Map(Object.entries(builtinTemplates));
templates.set('letter', Template.parse({ name: 'letter', locales: { en: { subject: 'A letter', text: 'Dear customer, '.repeat(40) } } }));
templates.set('cart', Template.parse({ name: 'cart', locales: { en: { subject: 'Your cart', text: 'You left {{event.product}} behind' } } }));
const catalog: JourneyCatalog = { template: (id) => templates.get(id), offerExists: (id) => ['winback-default', 'winback-stronger', 'birthday'].includes(id), smsMaxSegments: defaultSmsMaxSegments };

function journey(steps: unknown[], trigger: unknown = { type: 'manual' }): JourneyDefinition {
  return JourneyDefinition.parse({ name: 'x', trigger, experiment: { arms: [{ name: 'a', steps }] } });
}

describe('journey definitions: what a schema cannot check', () => {
  it('accepts every shipped journey', () => {
    for (const definition of Object.values(builtinJourneys)) expect(validateJourney(definition, catalog)).toEqual([]);
  });

  it('names an unknown step target', () => {
    const errors = validateJourney(journey([{ id: 's1', type: 'wait', duration: { days: 1 }, next: 'nowhere' }]), catalog);
    expect(errors).toEqual([{ pointer: '/experiment/arms/0/steps/0/next', message: 'no step "nowhere" in arm "a"' }]);
  });

  it('names an SMS step whose template would not fit the SMS segment limit; the same template by e-mail or mail is fine', () => {
    const send = (channel: string) => journey([{ id: 's', type: 'send', channel, template: 'letter' }]);
    expect(validateJourney(send('sms'), catalog)).toEqual([
      { pointer: '/experiment/arms/0/steps/0/template', message: expect.stringMatching(/^template "letter" is too long for SMS in locale en \(its text, having no SMS part\): the SMS needs 5 segments/) },
    ]);
    expect(validateJourney(send('email'), catalog)).toEqual([]);
    expect(validateJourney(send('mail'), catalog)).toEqual([]);
    expect(validateJourney(send('sms'), { ...catalog, smsMaxSegments: 5 })).toEqual([]);
  });

  it('takes forChannel only on a webhook step, naming the field', () => {
    const step = (channel: string) => ({ name: 'x', trigger: { type: 'manual' }, experiment: { arms: [{ name: 'a', steps: [{ id: 's', type: 'send', channel, forChannel: 'email', template: 'welcome-back' }] }] } });
    expect(JourneyDefinition.safeParse(step('webhook')).success).toBe(true);
    const wrong = JourneyDefinition.safeParse(step('sms'));
    expect(wrong.success).toBe(false);
    expect(wrong.error!.issues.map((i) => i.path.join('/'))).toEqual(['experiment/arms/0/steps/0/forChannel']);
  });

  it('names a cycle without a wait, and accepts one with a wait', () => {
    const loop = [
      { id: 'check', type: 'branch', condition: { type: 'purchasedSinceEntry' }, then: 'done', else: 'again' },
      { id: 'again', type: 'send', template: 'welcome-back', next: 'check' },
      { id: 'done', type: 'exit' },
    ];
    expect(validateJourney(journey(loop), catalog)).toEqual([{ pointer: '/experiment/arms/0/steps/0', message: 'steps check → again → check form a cycle without a wait step' }]);
    const withWait = [loop[0], { ...loop[1], next: 'pause' }, { id: 'pause', type: 'wait', duration: { days: 3 }, next: 'check' }, loop[2]];
    expect(validateJourney(journey(withWait), catalog)).toEqual([]);
  });

  it('names a template or an offer that does not exist', () => {
    const errors = validateJourney(journey([{ id: 'c', type: 'issueCoupon', offer: 'nope' }, { id: 's', type: 'send', template: 'missing' }]), catalog);
    expect(errors).toEqual([
      { pointer: '/experiment/arms/0/steps/0/offer', message: 'no offer "nope"' },
      { pointer: '/experiment/arms/0/steps/1/template', message: 'no template "missing"' },
    ]);
  });

  it('names a template variable the step cannot fill', () => {
    const noCoupon = validateJourney(journey([{ id: 's', type: 'send', template: 'winback-reminder' }]), catalog);
    expect(new Set(noCoupon.map((e) => e.pointer))).toEqual(new Set(['/experiment/arms/0/steps/0/template']));
    expect(noCoupon.map((e) => e.message.match(/\{\{(\w+)\}\}/)![1]).sort()).toEqual(['couponCode', 'couponExpiry', 'couponValue']);
    const noEvent = validateJourney(journey([{ id: 's', type: 'send', template: 'cart' }]), catalog);
    expect(noEvent[0]).toMatchObject({ pointer: '/experiment/arms/0/steps/0/template', message: expect.stringContaining('{{event.product}}') });
    expect(validateJourney(journey([{ id: 's', type: 'send', template: 'cart' }], { type: 'event', name: 'cart.abandoned' }), catalog)).toEqual([]);
  });

  it('names couponFrom pointing at a step that issues no coupon', () => {
    const errors = validateJourney(journey([{ id: 'w', type: 'wait', duration: { hours: 1 } }, { id: 's', type: 'send', template: 'winback-reminder', couponFrom: 'w' }]), catalog);
    expect(errors).toEqual([{ pointer: '/experiment/arms/0/steps/1/couponFrom', message: 'step "w" is not an issueCoupon step' }]);
  });
});
