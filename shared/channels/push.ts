import {
  NotificationHubsClient,
  createAppleNotification,
  createFcmV1Notification,
  createFirebaseV1NotificationBody,
  type AppleNotification,
  type FcmV1Notification,
} from '@azure/notification-hubs';
import type { ChannelAdapter, Delivery, SendOutcome } from '../messages/contract.js';
import { endpointOf, sdkClientOptions } from './acs.js';
import type { PushChannelConfig } from './config.js';
import { outcomeOfError } from './outcome.js';

export type PushPlatform = 'fcmv1' | 'apns';

/**
 * APNs device tokens are 32 bytes, written as 64 hex digits; FCM registration tokens are longer and contain
 * other characters. A delivery may name the platform itself (`to.pushPlatform`).
 */
export function pushPlatformOf(token: string, declared?: PushPlatform): PushPlatform {
  if (declared) return declared;
  return /^[0-9a-f]{64}$/i.test(token) ? 'apns' : 'fcmv1';
}

/** The native payload per platform: title and body shown, the message id and coupon code as data for the app. */
export function buildPushNotification(delivery: Delivery, platform: PushPlatform): AppleNotification | FcmV1Notification {
  const title = delivery.parts.title ?? delivery.parts.subject ?? '';
  const body = delivery.parts.text;
  const data: Record<string, string> = { messageId: delivery.messageId, templateId: delivery.templateId };
  if (delivery.coupon) {
    data['couponCode'] = delivery.coupon.code;
    data['couponExpiresAt'] = delivery.coupon.expiresAt;
  }
  switch (platform) {
    case 'apns':
      return createAppleNotification({
        body: { aps: { alert: { title, body }, sound: 'default' }, ...data },
        headers: { 'apns-push-type': 'alert', 'apns-priority': '10' },
      });
    case 'fcmv1':
      // Notification Hubs takes FCM v1's own envelope, `{"message": …}`.
      return createFcmV1Notification({ body: createFirebaseV1NotificationBody({ message: { notification: { title, body }, data } }) });
    default: {
      const exhaustive: never = platform;
      return exhaustive;
    }
  }
}

/** Push through Azure Notification Hubs, sent directly to the customer's device token. */
export class NotificationHubsPushChannel implements ChannelAdapter {
  readonly channel = 'push' as const;
  readonly provider = 'notification-hubs';
  private readonly client: NotificationHubsClient;

  constructor(
    config: PushChannelConfig,
    private readonly timeoutMs = 30_000,
  ) {
    this.client = new NotificationHubsClient(config.connectionString, config.hubName, sdkClientOptions(endpointOf(config.connectionString)));
  }

  async send(delivery: Delivery, now: Date): Promise<SendOutcome> {
    const token = delivery.to.pushToken;
    if (!token) return { kind: 'permanent', reason: 'no_address: the customer has no push token' };
    const notification = buildPushNotification(delivery, pushPlatformOf(token, delivery.to.pushPlatform));
    try {
      const response = await this.client.sendNotification(notification, {
        deviceHandle: token,
        abortSignal: AbortSignal.timeout(this.timeoutMs),
      });
      return { kind: 'sent', providerMessageId: response.notificationId ?? response.trackingId ?? undefined };
    } catch (error) {
      return outcomeOfError(error, now);
    }
  }
}
