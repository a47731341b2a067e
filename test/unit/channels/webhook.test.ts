import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { standardWebhookSignature, WebhookChannel } from '../../../shared/channels/webhook.js';
import { startStandIns, type StandIns } from '../../standins/providers.js';
import { delivery, now } from './fixtures.js';

describe('Standard Webhooks signature', () => {
  it('matches the published test vector', () => {
    // standard-webhooks spec test vector (also in /work/shared/notes/campaigns.md)
    expect(standardWebhookSignature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('changes with any byte of the body', () => {
    expect(standardWebhookSignature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232315}')).not.toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });
});

let receiver: StandIns;
beforeAll(async () => {
  receiver = await startStandIns();
});
afterAll(() => receiver.close());
beforeEach(() => receiver.reset());

const channel = (timeoutMs = 2_000, url?: string) => new WebhookChannel({ url: url ?? receiver.webhookUrl, secret: receiver.webhookSecret, timeoutMs });

describe('webhook adapter against a receiver', () => {
  it('POSTs the rendered message, signed, with the message id as webhook-id', async () => {
    const d = delivery({ channel: 'webhook' });
    expect(await channel().send(d, now)).toEqual({ kind: 'sent', providerMessageId: d.messageId });
    const [request] = receiver.of('webhook');
    expect(request!.authenticated).toBe(true);
    expect(request!.headers['webhook-id']).toBe(d.messageId);
    expect(request!.headers['webhook-timestamp']).toBe(String(now.getTime() / 1000));
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.body).toMatchObject({
      type: 'message.send',
      timestamp: now.toISOString(),
      data: { messageId: d.messageId, customerId: 'c-1001', templateId: d.templateId, channel: null, coupon: d.coupon, parts: d.parts, variables: d.variables },
    });
  });

  it('names the channel the receiver is to deliver on when the journey step gives one', async () => {
    expect(await channel().send(delivery({ channel: 'webhook', forChannel: 'sms' }), now)).toMatchObject({ kind: 'sent' });
    expect(receiver.of('webhook')[0]!.body).toMatchObject({ data: { channel: 'sms' } });
  });

  it('classifies answers: 5xx and 429 transient (Retry-After kept), 4xx permanent with the body, redirects not followed', async () => {
    receiver.script('webhook', { status: 502, body: 'bad gateway' });
    expect(await channel().send(delivery(), now)).toEqual({ kind: 'transient', reason: '502: bad gateway' });
    receiver.script('webhook', { status: 429, headers: { 'retry-after': '120' } });
    expect(await channel().send(delivery(), now)).toMatchObject({ kind: 'transient', retryAfterSeconds: 120 });
    receiver.script('webhook', { status: 422, body: { error: 'unknown customer' } });
    expect(await channel().send(delivery(), now)).toEqual({ kind: 'permanent', reason: '422: {"error":"unknown customer"}' });
    receiver.script('webhook', { status: 308, headers: { location: 'https://elsewhere.example/hook' } });
    expect(await channel().send(delivery(), now)).toMatchObject({ kind: 'permanent', reason: expect.stringContaining('redirect to https://elsewhere.example/hook not followed') });
  });

  it('a receiver slower than the timeout is transient', async () => {
    receiver.script('webhook', { status: 204, delayMs: 1_000 });
    const outcome = await channel(100).send(delivery(), now);
    expect(outcome).toMatchObject({ kind: 'transient', reason: expect.stringMatching(/^timeout/) });
  });

  it('an unreachable receiver is transient', async () => {
    const gone = await startStandIns();
    const url = gone.webhookUrl;
    await gone.close();
    expect((await channel(2_000, url).send(delivery(), now)).kind).toBe('transient');
  });
});
