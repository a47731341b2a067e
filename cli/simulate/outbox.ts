import type { BlobServiceClient } from '@azure/storage-blob';
import { mapWithConcurrency } from '../../shared/concurrency.js';
import { outboxFolder } from '../../shared/messages/outbox.js';

/** What a simulated customer sees of a message that reached them: the outbox document's own fields. */
export interface DeliveredMessage {
  messageId: string;
  customerId: string;
  journeyId?: string;
  couponCode?: string;
  storedAt: string;
}

const dayMs = 86_400_000;

/**
 * The messages the local host delivered, read from its outbox (`outbox/<UTC date>/<messageId>.json` in the
 * app's Blob container): what went out, and nothing that was skipped or deferred. Reading the day's folder
 * costs one request per message, where asking each watched customer's message list cost one request per
 * customer per day. `seen` carries the names already read across calls, so a message stored exactly at
 * midnight (in the next day's folder) is read once.
 */
export async function deliveredMessages(blob: BlobServiceClient, containerName: string, dayStart: number, seen: Set<string>): Promise<DeliveredMessage[]> {
  const container = blob.getContainerClient(containerName);
  const names: string[] = [];
  for (const day of [dayStart - dayMs, dayStart, dayStart + dayMs]) {
    for await (const item of container.listBlobsFlat({ prefix: outboxFolder(new Date(day)) })) if (!seen.has(item.name)) names.push(item.name);
  }
  const messages = await mapWithConcurrency(names, 8, async (name) => {
    const document = JSON.parse((await container.getBlobClient(name).downloadToBuffer()).toString('utf8')) as {
      messageId: string;
      customerId: string;
      journeyId?: string;
      coupon?: { code?: string };
      storedAt: string;
    };
    seen.add(name);
    return {
      messageId: document.messageId,
      customerId: document.customerId,
      storedAt: document.storedAt,
      ...(document.journeyId ? { journeyId: document.journeyId } : {}),
      ...(document.coupon?.code ? { couponCode: document.coupon.code } : {}),
    };
  });
  const order = (m: DeliveredMessage) => `${m.storedAt}|${m.messageId}`;
  return messages.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}
