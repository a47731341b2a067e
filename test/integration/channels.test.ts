import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationIdFor } from '../../shared/channels/acs.js';
import { startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';
import { startStandIns, type StandIns } from '../standins/providers.js';

// Wednesday 2026-11-04, 10:00 in Berlin: no quiet hours for any channel.
const start = '2026-11-04T09:00:00.000Z';
const devKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

type Message = { messageId: string; channel: string; template: string; status: string; reason?: string; sentAt: string | null; couponCode: string | null };
type SentEmail = { recipients: { to: { address: string }[] }; headers: Record<string, string>; content: { html: string; plainText: string } };

describe('channels: one journey run through every provider, against the stand-ins', () => {
  let host: RunningHost;
  let providers: StandIns;
  let print: ContainerClient;

  beforeAll(async () => {
    providers = await startStandIns();
    host = await startHost({
      args: ['--virtual-clock', start],
      env: {
        CommunicationServices: providers.acsConnectionString,
        EMAIL_SENDER: 'DoNotReply@shop.example',
        SMS_SENDER: 'WINBACK',
        NOTIFICATION_HUBS_CONNECTION: providers.hubConnectionString,
        NOTIFICATION_HUB_NAME: providers.hubName,
        PRINT_CONTAINER: 'print-letters',
        WEBHOOK_URL: providers.webhookUrl,
        WEBHOOK_SECRET: providers.webhookSecret,
        PUBLIC_BASE_URL: 'https://winback.example.test',
        UNSUBSCRIBE_SECRET: 'integration-unsubscribe-secret-0123456789',
      },
    });
    const ready = JSON.parse(/^WINBACK_READY (.+)$/m.exec(host.output())![1]!) as { blobEndpoint: string };
    print = BlobServiceClient.fromConnectionString(`DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${devKey};BlobEndpoint=${ready.blobEndpoint};`).getContainerClient('print-letters');
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
    await providers?.close();
  });

  const json = async <T>(path: string) => (await (await host.call(path)).json()) as T;
  const messages = (id: string) => json<{ items: Message[] }>(`/api/customers/${id}/messages`).then((r) => r.items);
  const clockTo = async (iso: string) => {
    expect((await host.call('/admin/local/clock', { method: 'POST', json: { to: iso } })).status).toBe(200);
    await waitIdle(host);
  };
  const consent = { granted: true, at: '2026-10-01T09:00:00Z', source: 'pos-signup' };
  const putCustomer = async (id: string, email: string) => {
    const response = await host.call(`/api/customers/${id}`, {
      method: 'PUT',
      json: {
        email,
        phone: '+4915112345678',
        pushToken: 'dGVzdA:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx',
        firstName: 'Anna',
        lastName: 'Schmidt',
        locale: 'de-DE',
        timeZone: 'Europe/Berlin',
        address: { line1: 'Hauptstraße 5', postalCode: '10115', city: 'Berlin', country: 'DE' },
        consents: { email: consent, sms: consent, push: consent, mail: consent },
      },
    });
    expect(response.status).toBe(201);
  };
  const enroll = async (journeyId: string, customerId: string) => {
    expect((await host.call(`/api/journeys/${journeyId}/enrollments`, { method: 'POST', json: { customerIds: [customerId] } })).status).toBe(202);
    await waitIdle(host);
  };
  const emailsTo = (address: string) => providers.of('email').filter((r) => (r.body as SentEmail).recipients.to[0]!.address === address);

  it('startup says which channels are live', () => {
    expect(host.output()).toContain(
      'Channels: email: live via acs-email · sms: live via acs-sms · push: live via notification-hubs · mail: live via print-batch · webhook: live via webhook',
    );
  });

  it('sets up a template and two journeys', async () => {
    const template = await host.call('/api/templates/all-channels', {
      method: 'PUT',
      json: {
        name: 'Every channel',
        fallbackLocale: 'de',
        locales: {
          de: {
            subject: '{{firstName|Hallo}}, wir vermissen Sie',
            text: 'Hier ist Ihr Gutschein über {{couponValue}}: {{couponCode}}, gültig bis {{couponExpiry}}.',
            html: '<html><body><p>Hier ist Ihr Gutschein über {{couponValue}}: <b>{{couponCode}}</b></p></body></html>',
            sms: '{{firstName|Hallo}}, {{couponValue}} mit Code {{couponCode}}',
            pushTitle: 'Wir vermissen Sie',
            push: '{{couponValue}} mit Code {{couponCode}}',
          },
        },
      },
    });
    expect(template.status).toBe(201);
    const guardrails = { frequencyCap: { perDay: 20, perWeek: 50, onCap: 'skip' }, reentry: { allowed: true, minDaysBetween: 0 } };
    const allChannels = await host.call('/api/journeys/all-channels', {
      method: 'PUT',
      json: {
        name: 'All channels',
        trigger: { type: 'manual' },
        ...guardrails,
        experiment: {
          holdoutPercent: 0,
          arms: [
            {
              name: 'all',
              steps: [
                { id: 'coupon', type: 'issueCoupon', offer: 'winback-default' },
                { id: 'email', type: 'send', channel: 'email', template: 'all-channels', couponFrom: 'coupon' },
                { id: 'sms', type: 'send', channel: 'sms', template: 'all-channels', couponFrom: 'coupon' },
                { id: 'push', type: 'send', channel: 'push', template: 'all-channels', couponFrom: 'coupon' },
                { id: 'mail', type: 'send', channel: 'mail', template: 'all-channels', couponFrom: 'coupon' },
                { id: 'webhook', type: 'send', channel: 'webhook', forChannel: 'email', template: 'all-channels', couponFrom: 'coupon' },
              ],
            },
          ],
        },
      },
    });
    expect(allChannels.status).toBe(201);
    const emailOnly = await host.call('/api/journeys/email-only', {
      method: 'PUT',
      json: {
        name: 'E-mail only',
        trigger: { type: 'manual' },
        ...guardrails,
        channelPreference: ['email'],
        experiment: {
          holdoutPercent: 0,
          arms: [
            {
              name: 'mail',
              steps: [
                { id: 'coupon', type: 'issueCoupon', offer: 'winback-default' },
                { id: 'email', type: 'send', channel: 'email', template: 'all-channels', couponFrom: 'coupon' },
              ],
            },
          ],
        },
      },
    });
    expect(emailOnly.status).toBe(201);
  });

  it('refuses a template whose SMS part would take more segments than allowed, naming the field, and stores nothing', async () => {
    const tooLong = await host.call('/api/templates/long-sms', {
      method: 'PUT',
      json: { name: 'Long SMS', fallbackLocale: 'de', locales: { de: { subject: 'Hallo', text: 'Kurz.', sms: 'Ihr Gutschein {{couponCode}} über {{couponValue}}. '.repeat(8) } } },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.headers.get('content-type')).toContain('application/problem+json');
    expect(await tooLong.json()).toMatchObject({ errors: [{ pointer: '/locales/de/sms', message: expect.stringMatching(/more than the 2 allowed/) }] });
    expect((await host.call('/api/templates/long-sms')).status).toBe(404);
  });

  it('one journey run sends through e-mail, SMS, push, printed mail and the webhook', async () => {
    await putCustomer('ch-1', 'anna@example.com');
    await enroll('all-channels', 'ch-1');
    const sent = await messages('ch-1');
    expect(sent.map((m) => [m.channel, m.status])).toEqual([
      ['email', 'sent'],
      ['sms', 'sent'],
      ['push', 'sent'],
      ['mail', 'sent'],
      ['webhook', 'sent'],
    ]);
    const code = sent[0]!.couponCode!;
    expect(code).toMatch(/^WB/);

    const [email] = emailsTo('anna@example.com');
    expect(email!.authenticated).toBe(true);
    expect((email!.body as SentEmail).content.html).toContain('cid:coupon-barcode');
    expect((email!.body as SentEmail).headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(providers.of('sms')).toHaveLength(1);
    expect(providers.of('sms')[0]!.body).toMatchObject({ from: 'WINBACK', smsRecipients: [{ to: '+4915112345678' }], message: expect.stringMatching(/^Anna, 5\s%\smit Code WB-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\nAbmelden: STOP antworten$/) });
    expect(providers.of('push')).toHaveLength(1);
    expect(providers.of('push')[0]!.body).toMatchObject({ message: { notification: { title: 'Wir vermissen Sie' }, data: { couponCode: code } } });
    // The webhook stand-in checks the Standard Webhooks signature with the shared secret (authenticated).
    const [hook] = providers.of('webhook');
    expect(providers.of('webhook')).toHaveLength(1);
    expect(hook!.authenticated).toBe(true);
    expect(hook!.headers['webhook-id']).toBe(sent[4]!.messageId);
    expect(hook!.body).toMatchObject({ type: 'message.send', data: { customerId: 'ch-1', channel: 'email', templateId: 'all-channels', coupon: { code }, to: { email: 'anna@example.com' } } });
    expect([...providers.requests.filter((r) => r.route !== 'email-status')].every((r) => r.authenticated)).toBe(true);

    // The letter waits for its mail-drop day to end; the next run of the daily batch prints it.
    expect(await print.exists()).toBe(true);
    await clockTo('2026-11-05T04:00:00.000Z');
    const csv = (await print.getBlockBlobClient('print/2026-11-04.csv').downloadToBuffer()).toString('utf8');
    expect(csv).toContain(`Anna Schmidt,Hauptstraße 5,,10115,Berlin,,DE,${code}`);
    const pdf = await print.getBlockBlobClient('print/2026-11-04.pdf').downloadToBuffer();
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('the unsubscribe link of the e-mail works, and again; a tampered token is 400', async () => {
    const link = /^<(.+)>$/.exec((emailsTo('anna@example.com')[0]!.body as SentEmail).headers['List-Unsubscribe']!)![1]!;
    expect((emailsTo('anna@example.com')[0]!.body as SentEmail).content.html).toContain(link.replaceAll('&', '&amp;'));
    const path = link.replace('https://winback.example.test', '');
    for (let i = 0; i < 2; i++) {
      if (i === 1) await clockTo('2026-11-05T04:05:00.000Z');
      const page = await host.call(path, { key: null });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Sie sind abgemeldet');
    }
    const oneClick = await host.call(path, { method: 'POST', key: null, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    const customer = await json<{ consents: Record<string, { granted: boolean; source: string; at: string }> }>('/api/customers/ch-1');
    // The first click is the withdrawal on record (the clock stands at the print run's time).
    expect(customer.consents['email']).toEqual({ granted: false, source: 'unsubscribe-link', at: '2026-11-05T04:00:00.000Z' });
    expect(customer.consents['sms']!.granted).toBe(true);
    const tampered = path.replace(/\.email\./, '.sms.');
    expect((await host.call(tampered, { key: null })).status).toBe(400);
    const problem = await host.call(tampered, { method: 'POST', key: null });
    expect(problem.status).toBe(400);
    expect(await problem.json()).toMatchObject({ errors: [{ pointer: '/query/token' }] });
  });

  it('delivery and open reports are recorded per message and give the customer an engagement rate', async () => {
    const [email] = await messages('ch-1');
    const post = (id: string, eventType: string, data: Record<string, unknown>) =>
      host.call('/admin/local/queues/delivery-events/messages', { method: 'POST', json: { messageId: id, body: { id, eventType: `Microsoft.Communication.${eventType}`, eventTime: '2026-11-05T04:06:00Z', data } } });
    const operation = operationIdFor(email!.messageId);
    expect((await post('evt-d1', 'EmailDeliveryReportReceived', { messageId: operation, recipient: 'anna@example.com', status: 'Delivered' })).status).toBe(202);
    expect((await post('evt-o1', 'EmailEngagementTrackingReportReceived', { messageId: operation, engagementType: 'view', userActionTimestamp: '2026-11-05T04:07:00Z' })).status).toBe(202);
    await waitIdle(host);
    expect((await messages('ch-1'))[0]).toMatchObject({ status: 'delivered' });
    const engagement = await json<Record<string, unknown>>('/api/customers/ch-1/engagement');
    expect(engagement).toMatchObject({
      engagementRate: 1,
      couponRedemptionRate: 0,
      messagesDelivered: 1,
      couponsReceived: 1,
      messages: [{ messageId: email!.messageId, channel: 'email', deliveredAt: '2026-11-05T04:06:00Z', openedAt: '2026-11-05T04:07:00Z', clickedAt: null }],
    });
    // The copy on the customer document is what segment rules read.
    expect(await json('/api/customers/ch-1')).toMatchObject({ engagement: { engagementRate: 1, couponRedemptionRate: 0, version: 2 } });
  });

  it('a 503 from e-mail is retried and sent once; a 400 fails without retry', async () => {
    await clockTo('2026-11-05T09:00:00.000Z');
    await putCustomer('ch-2', 'bert@example.com');
    providers.script('email', { status: 503, headers: { 'retry-after': '60' }, body: { error: { code: 'ServiceUnavailable', message: 'busy' } } });
    await enroll('email-only', 'ch-2');
    const [deferred] = await messages('ch-2');
    expect(deferred).toMatchObject({ status: 'deferred', reason: expect.stringContaining('503') });
    await clockTo('2026-11-05T09:10:00.000Z');
    const [sent] = await messages('ch-2');
    expect(sent).toMatchObject({ status: 'sent' });
    expect(emailsTo('bert@example.com')).toHaveLength(2);
    expect(new Set(emailsTo('bert@example.com').map((r) => r.headers['operation-id'])).size).toBe(1);

    await putCustomer('ch-3', 'carla@unknown.example');
    providers.script('email', { status: 400, body: { error: { code: 'InvalidRecipientAddress', message: 'no mailbox for carla@unknown.example' } } });
    await enroll('email-only', 'ch-3');
    const [failed] = await messages('ch-3');
    expect(failed).toMatchObject({ status: 'failed', reason: expect.stringContaining('InvalidRecipientAddress') });
    expect(emailsTo('carla@unknown.example')).toHaveLength(1);
  });

  it('a bounce report suppresses the address, and the next send is skipped (suppressed)', async () => {
    const [sent] = await messages('ch-2');
    const report = await host.call('/admin/local/queues/delivery-events/messages', {
      method: 'POST',
      json: {
        messageId: 'evt-bounce-1',
        body: {
          id: 'evt-bounce-1',
          eventType: 'Microsoft.Communication.EmailDeliveryReportReceived',
          eventTime: '2026-11-05T09:11:00Z',
          subject: 'sender/DoNotReply@shop.example/message/x',
          data: { sender: 'DoNotReply@shop.example', recipient: 'bert@example.com', messageId: operationIdFor(sent!.messageId), status: 'Bounced', deliveryStatusDetails: { statusMessage: '550 5.1.1 mailbox unknown' } },
        },
      },
    });
    expect(report.status).toBe(202);
    await waitIdle(host);
    const [bounced] = await messages('ch-2');
    expect(bounced).toMatchObject({ status: 'bounced', reason: expect.stringContaining('550 5.1.1') });

    await clockTo('2026-11-06T10:00:00.000Z');
    await enroll('email-only', 'ch-2');
    const latest = (await messages('ch-2')).at(-1)!;
    expect(latest).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^suppressed/) });
    expect(emailsTo('bert@example.com')).toHaveLength(2);
  });
});
