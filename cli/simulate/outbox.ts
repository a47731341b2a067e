import type { BlobServiceClient } from '@azure/storage-blob';
import { mapWithConcurrency } from '../../shared/concurrency.js';
import { outboxFolder, readOutboxMetadata } from '../../shared/messages/outbox.js';

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
 * app's Blob container): what went out, and nothing that was skipped or deferred. The listing carries each
 * message's metadata (outboxMetadata, readOutboxMetadata), so a day costs a listing request per 5,000 messages; a file without
 * metadata is downloaded. `seen` carries the names already read across calls, so a message stored exactly at
 * midnight (in the next day's folder) is read once.
 */
export async function deliveredMessages(blob: BlobServiceClient, containerName: string, dayStart: number, seen: Set<string>): Promise<DeliveredMessage[]> {
  const container = blob.getContainerClient(containerName);
  const listed: DeliveredMessage[] = [];
  const unlisted: string[] = [];
  for (const day of [dayStart - dayMs, dayStart, dayStart + dayMs]) {
    for await (const item of container.listBlobsFlat({ prefix: outboxFolder(new Date(day)), includeMetadata: true })) {
      if (seen.has(item.name)) continue;
      const fromListing = item.metadata ? readOutboxMetadata(item.metadata) : undefined;
      if (fromListing === undefined) {
        unlisted.push(item.name);
        continue;
      }
      seen.add(item.name);
      listed.push(fromListing);
    }
  }
  const downloaded = await mapWithConcurrency(unlisted, 8, async (name) => {
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
  return [...listed, ...downloaded].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}
