import { MessageChannel, type ChannelAdapter } from '../messages/contract.js';
import { OutboxChannel } from '../messages/outbox.js';
import type { Settings } from '../settings.js';
import type { BlobStore } from '../storage/blobs.js';

export interface ChannelAdapterDeps {
  settings: Settings;
  blobs: BlobStore;
}

/**
 * The adapter per channel the dispatcher delivers through, built once in the composition root.
 * Every channel falls back to the outbox (Blob `outbox/<date>/<messageId>.json`) until a provider is configured.
 */
export function channelAdapters(deps: ChannelAdapterDeps): Map<MessageChannel, ChannelAdapter> {
  const adapters = new Map<MessageChannel, ChannelAdapter>();
  for (const channel of MessageChannel.options) adapters.set(channel, new OutboxChannel(channel, deps.blobs));
  return adapters;
}
