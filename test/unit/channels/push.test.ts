import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NotificationHubsPushChannel, pushPlatformOf } from '../../../shared/channels/push.js';
import { startStandIns, type StandIns } from '../../standins/providers.js';
import { delivery, now } from './fixtures.js';

let hub: StandIns;
beforeAll(async () => {
  hub = await startStandIns({ hubName: 'winback-hub' });
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

const channel = () => new NotificationHubsPushChannel({ connectionString: hub.hubConnectionString, hubName: hub.hubName });
const apnsToken = 'a'.repeat(32) + '0123456789abcdef0123456789abcdef';

describe('Notification Hubs push adapter against the hub stand-in', () => {
  it('tells APNs tokens from FCM ones unless the delivery names the platform', () => {
    expect(pushPlatformOf(apnsToken)).toBe('apns');
    expect(pushPlatformOf('dGVzdA:APA91bHun4MxP5egoKMwt2KZFBaFUH')).toBe('fcmv1');
    expect(pushPlatformOf(apnsToken, 'fcmv1')).toBe('fcmv1');
  });

  it('sends an FCM v1 message directly to the device token, SAS-signed', async () => {
    const d = delivery({ channel: 'push' });
    const outcome = await channel().send(d, now);
    expect(outcome).toMatchObject({ kind: 'sent', providerMessageId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const [request] = hub.of('push');
    expect(request!.authenticated).toBe(true);
    expect(request!.query.get('direct')).toBe('true');
    expect(request!.headers['servicebusnotification-format']).toBe('fcmv1');
    expect(request!.headers['servicebusnotification-devicehandle']).toBe(d.to.pushToken);
    expect(request!.body).toEqual({
      message: {
        notification: { title: 'Wir vermissen Sie', body: d.parts.text },
        data: { messageId: d.messageId, templateId: d.templateId, couponCode: 'WB7K2M9Q', couponExpiresAt: '2026-12-31T22:59:59Z' },
      },
    });
  });

  it('sends an APNs alert for an APNs token', async () => {
    const d = delivery({ channel: 'push', to: { pushToken: apnsToken } });
    await channel().send(d, now);
    const [request] = hub.of('push');
    expect(request!.headers['servicebusnotification-format']).toBe('apple');
    expect(request!.headers['apns-push-type']).toBe('alert');
    expect(request!.body).toMatchObject({ aps: { alert: { title: 'Wir vermissen Sie', body: d.parts.text } }, messageId: d.messageId, couponCode: 'WB7K2M9Q' });
  });

  it('an expired device handle (410) is permanent; throttling (429) and 503 are transient', async () => {
    hub.script('push', { status: 410, body: '<Error><Code>410</Code><Detail>The device handle is expired.</Detail></Error>', headers: { 'content-type': 'application/xml' } });
    expect(await channel().send(delivery({ channel: 'push' }), now)).toMatchObject({ kind: 'permanent', reason: expect.stringMatching(/^410: /) });
    hub.script('push', { status: 429, headers: { 'retry-after': '30' } });
    expect(await channel().send(delivery({ channel: 'push' }), now)).toMatchObject({ kind: 'transient', retryAfterSeconds: 30 });
    hub.script('push', { status: 503 });
    expect((await channel().send(delivery({ channel: 'push' }), now)).kind).toBe('transient');
    expect(hub.of('push')).toHaveLength(3);
  });

  it('a customer without a push token is permanent without a request', async () => {
    expect(await channel().send(delivery({ channel: 'push', to: { email: 'a@b.c' } }), now)).toMatchObject({ kind: 'permanent', reason: expect.stringMatching(/^no_address/) });
    expect(hub.requests).toHaveLength(0);
  });
});
