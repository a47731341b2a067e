import { MessageChannel, type ChannelAdapter } from '../messages/contract.js';
import { OutboxChannel } from '../messages/outbox.js';
import type { Settings } from '../settings.js';
import { AzureBlobStore, type BlobStore } from '../storage/blobs.js';
import type { ChannelSettings } from './config.js';
import { AcsEmailChannel } from './email.js';
import { PrintQueueChannel } from './print.js';
import { NotificationHubsPushChannel } from './push.js';
import { AcsSmsChannel } from './sms.js';
import { unsubscribeUrl } from './unsubscribe.js';
import { WebhookChannel } from './webhook.js';

export interface ChannelAdapterDeps {
  settings: Settings;
  blobs: BlobStore;
  /** The print container's store; by default the PRINT_CONTAINER blob container of the app's storage account. */
  printBlobs?: BlobStore;
}

/**
 * The adapter per channel the dispatcher delivers through, built once in the composition root: the configured
 * provider, or the outbox (Blob `outbox/<date>/<messageId>.json`) for a channel without one.
 */
export function channelAdapters(deps: ChannelAdapterDeps): Map<MessageChannel, ChannelAdapter> {
  const adapters = new Map<MessageChannel, ChannelAdapter>();
  const links = deps.settings.channels.publicBaseUrl && deps.settings.channels.unsubscribeSecret ? unsubscribeLinks(deps.settings.channels) : undefined;
  for (const channel of MessageChannel.options) {
    const adapter = providerAdapter(channel, deps) ?? new OutboxChannel(channel, deps.blobs);
    adapters.set(channel, links && channel !== 'webhook' ? withUnsubscribeUrl(adapter, channel, links) : adapter);
  }
  return adapters;
}

/**
 * Every delivery to a person carries its unsubscribe URL (the outbox shows it too, so a link from `npm start`
 * can be tried); a webhook's receiver decides its own channels, so it gets none.
 */
function withUnsubscribeUrl(adapter: ChannelAdapter, channel: Exclude<MessageChannel, 'webhook'>, links: ReturnType<typeof unsubscribeLinks>): ChannelAdapter {
  return {
    channel: adapter.channel,
    provider: adapter.provider,
    send: (delivery, now) => adapter.send(delivery.unsubscribeUrl ? delivery : { ...delivery, unsubscribeUrl: links(delivery.customerId, channel) }, now),
  };
}

function providerAdapter(channel: MessageChannel, deps: ChannelAdapterDeps): ChannelAdapter | undefined {
  const config = deps.settings.channels;
  switch (channel) {
    case 'email':
      return config.email && new AcsEmailChannel(config.email, { unsubscribeUrl: unsubscribeLinks(config) });
    case 'sms':
      return config.sms && new AcsSmsChannel(config.sms);
    case 'push':
      return config.push && new NotificationHubsPushChannel(config.push);
    case 'mail':
      return config.mail && new PrintQueueChannel(deps.printBlobs ?? new AzureBlobStore(deps.settings.storage, config.mail.container), deps.settings.retailerTimeZone);
    case 'webhook':
      return config.webhook && new WebhookChannel(config.webhook);
    default: {
      const exhaustive: never = channel;
      return exhaustive;
    }
  }
}

/** Builds unsubscribe URLs; settings guarantee the URL and key whenever e-mail is live. */
export function unsubscribeLinks(config: ChannelSettings): (customerId: string, channel: 'email' | 'sms' | 'push' | 'mail') => string {
  return (customerId, channel) => {
    if (!config.publicBaseUrl || !config.unsubscribeSecret) throw new Error('unsubscribe links need PUBLIC_BASE_URL and UNSUBSCRIBE_SECRET');
    return unsubscribeUrl(config.publicBaseUrl, config.unsubscribeSecret, customerId, channel);
  };
}

/** One line per channel for the startup banner: which provider each channel delivers through. */
export function describeChannels(adapters: Map<MessageChannel, ChannelAdapter>): string[] {
  return [...adapters].map(([channel, adapter]) => `${channel}: ${adapter.provider === 'outbox' ? 'outbox (no provider configured)' : `live via ${adapter.provider}`}`);
}
