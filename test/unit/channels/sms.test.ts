import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { smsLength } from '../../../shared/channels/gsm7.js';
import { AcsSmsChannel, checkSmsTemplate, smsBody } from '../../../shared/channels/sms.js';
import { startStandIns, type StandIns } from '../../standins/providers.js';
import { delivery, now } from './fixtures.js';

describe('GSM-7 aware SMS length', () => {
  it('counts 160 GSM-7 characters as one segment and 161 as two (153 per part)', () => {
    expect(smsLength('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsLength('a'.repeat(161))).toMatchObject({ segments: 2 });
    expect(smsLength('a'.repeat(306))).toMatchObject({ segments: 2 });
    expect(smsLength('a'.repeat(307))).toMatchObject({ segments: 3 });
  });

  it('extension characters (€, [, ], {, }, ~, ^, |, \\) cost two septets and never straddle segments', () => {
    expect(smsLength('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsLength('€'.repeat(81))).toMatchObject({ units: 162, segments: 2 });
    // 152 plain + one € would end at septet 154 of a 153-septet part: the € moves to the next part.
    expect(smsLength('a'.repeat(152) + '€' + 'a'.repeat(152))).toMatchObject({ units: 306, segments: 3 });
  });

  it('German umlauts and ß are GSM-7; other accents and emoji switch the message to UCS-2 (70, then 67)', () => {
    expect(smsLength('Grüße aus München, Ihr Gutschein wartet: ÄÖÜäöüß').encoding).toBe('GSM-7');
    expect(smsLength('Café Ç Ñ ¿').encoding).toBe('GSM-7');
    const ucs = smsLength('ç' + 'x'.repeat(69));
    expect(ucs).toMatchObject({ encoding: 'UCS-2', units: 70, segments: 1, nonGsmCharacters: ['ç'] });
    expect(smsLength('ç' + 'x'.repeat(70)).segments).toBe(2);
    expect(smsLength('🎁' + 'x'.repeat(66)).units).toBe(68); // the emoji is a surrogate pair
    // 134 units would fill exactly 2 parts of 67, but the pair cannot be split: 66 | 2+65 | 1
    expect(smsLength('x'.repeat(66) + '🎁' + 'x'.repeat(66)).segments).toBe(3);
  });

  it('the template check includes the STOP line and names the characters that forced UCS-2', () => {
    expect(smsBody('Ihr Code: WB7K-2M9Q', 'de-DE')).toBe('Ihr Code: WB7K-2M9Q\nAbmelden: STOP antworten');
    expect(smsBody('Reply STOP to opt out. Code X', 'en')).toBe('Reply STOP to opt out. Code X');
    expect(checkSmsTemplate('a'.repeat(130), { maxSegments: 1, locale: 'de' })).toMatchObject({ ok: true });
    const tooLong = checkSmsTemplate('a'.repeat(140), { maxSegments: 1, locale: 'de' });
    expect(tooLong).toMatchObject({ ok: false, reason: expect.stringContaining('needs 2 segments') });
    const emoji = checkSmsTemplate('🎁 Ihr Gutschein '.padEnd(60, '.'), { maxSegments: 1, locale: 'de' });
    expect(emoji).toMatchObject({ ok: false, reason: expect.stringContaining('"🎁"') });
  });
});

let acs: StandIns;
beforeAll(async () => {
  acs = await startStandIns();
});
afterAll(() => acs.close());
beforeEach(() => acs.reset());

const channel = (maxSegments = 2) =>
  new AcsSmsChannel({ connection: { kind: 'connectionString', connectionString: acs.acsConnectionString }, sender: 'WINBACK', maxSegments });

describe('ACS SMS adapter against the ACS stand-in', () => {
  it('sends from the sender id to the phone number with the STOP line, a delivery report and the message id as tag', async () => {
    const d = delivery({ channel: 'sms', parts: { locale: 'de-DE', text: 'Anna, 10 € Gutschein: WB7K-2M9Q' } });
    const outcome = await channel().send(d, now);
    expect(outcome).toMatchObject({ kind: 'sent', providerMessageId: expect.stringMatching(/^Outgoing_/) });
    const [request] = acs.of('sms');
    expect(request!.authenticated).toBe(true);
    expect(request!.body).toMatchObject({
      from: 'WINBACK',
      smsRecipients: [{ to: '+4915112345678' }],
      message: 'Anna, 10 € Gutschein: WB7K-2M9Q\nAbmelden: STOP antworten',
      smsSendOptions: { enableDeliveryReport: true, tag: d.messageId },
    });
  });

  it('refuses a body over the configured segments without a request', async () => {
    const d = delivery({ channel: 'sms', parts: { locale: 'en', text: 'x'.repeat(200) } });
    expect(await channel(1).send(d, now)).toMatchObject({ kind: 'permanent', reason: expect.stringMatching(/^sms_too_long: .*2 segments/) });
    expect(acs.requests).toHaveLength(0);
  });

  it('a per-recipient rejection is permanent with the provider message; a 5xx is transient', async () => {
    acs.script('sms', {
      status: 202,
      body: { value: [{ to: '+4915112345678', httpStatusCode: 400, successful: false, errorMessage: 'Invalid To phone number format.', repeatabilityResult: 'accepted' }] },
    });
    expect(await channel().send(delivery({ channel: 'sms' }), now)).toEqual({ kind: 'permanent', reason: '400: Invalid To phone number format.' });
    acs.script('sms', { status: 500, body: { error: { code: 'InternalError', message: 'boom' } } });
    expect(await channel().send(delivery({ channel: 'sms' }), now)).toMatchObject({ kind: 'transient', reason: '500: InternalError: boom' });
  });
});
