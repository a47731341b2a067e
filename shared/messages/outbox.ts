import { snapshotFolders } from '../resources.js';
import type { BlobStore } from '../storage/blobs.js';
import type { ChannelAdapter, Delivery, MessageChannel, SendOutcome } from './contract.js';

/** The outbox folder of a UTC day: `outbox/<YYYY-MM-DD>/`. */
export function outboxFolder(at: Date): string {
  return `${snapshotFolders.outbox.prefix}${at.toISOString().slice(0, 10)}/`;
}

/** Blob path of a message in the outbox: one folder per UTC day, one JSON document per message. */
export function outboxPath(messageId: string, at: Date): string {
  return `${outboxFolder(at)}${encodeURIComponent(messageId)}.json`;
}

/**
 * What a listing of the outbox shows of each message without downloading it (blob metadata; values
 * URI-encoded, as metadata is ASCII): who got which message of which journey, with which coupon, when.
 */
export type OutboxMetadata = {
  messageid: string;
  customerid: string;
  journeyid?: string;
  couponcode?: string;
  storedat: string;
} & Record<string, string>;

export function outboxMetadata(delivery: Pick<Delivery, 'messageId' | 'customerId' | 'journeyId' | 'coupon'>, storedAt: string): OutboxMetadata {
  return {
    messageid: encodeURIComponent(delivery.messageId),
    customerid: encodeURIComponent(delivery.customerId),
    ...(delivery.journeyId === undefined ? {} : { journeyid: encodeURIComponent(delivery.journeyId) }),
    ...(delivery.coupon?.code === undefined ? {} : { couponcode: encodeURIComponent(delivery.coupon.code) }),
    storedat: storedAt,
  };
}

/** What `outboxMetadata` wrote, decoded; undefined for a file stored without it. */
export function readOutboxMetadata(metadata: Record<string, string>): { messageId: string; customerId: string; journeyId?: string; couponCode?: string; storedAt: string } | undefined {
  const m = metadata as Partial<OutboxMetadata>;
  if (m.messageid === undefined || m.customerid === undefined || m.storedat === undefined) return undefined;
  return {
    messageId: decodeURIComponent(m.messageid),
    customerId: decodeURIComponent(m.customerid),
    storedAt: m.storedat,
    ...(m.journeyid ? { journeyId: decodeURIComponent(m.journeyid) } : {}),
    ...(m.couponcode ? { couponCode: decodeURIComponent(m.couponcode) } : {}),
  };
}

/**
 * The channel every environment has: it stores exactly what would have gone out, so a person (or a test) can
 * read it. Writing the same messageId again overwrites the same blob, so a redelivered send leaves one file.
 */
export class OutboxChannel implements ChannelAdapter {
  readonly provider = 'outbox';

  constructor(
    readonly channel: MessageChannel,
    private readonly blobs: BlobStore,
  ) {}

  async send(delivery: Delivery, now: Date): Promise<SendOutcome> {
    const document = { ...delivery, storedAt: now.toISOString() };
    await this.blobs.put(outboxPath(delivery.messageId, now), JSON.stringify(document, null, 2), 'application/json', outboxMetadata(delivery, document.storedAt));
    return { kind: 'sent', providerMessageId: `outbox:${delivery.messageId}` };
  }
}
