import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../../shared/messages/contract.js';
import { OutboxChannel, outboxPath, readOutboxMetadata } from '../../../shared/messages/outbox.js';
import type { BlobStore } from '../../../shared/storage/blobs.js';

class RecordingBlobs implements BlobStore {
  readonly files = new Map<string, { content: string; metadata?: Record<string, string> }>();
  async put(path: string, content: string | Buffer, _contentType: string, metadata?: Record<string, string>) {
    this.files.set(path, { content: content.toString(), ...(metadata ? { metadata } : {}) });
  }
  async get(path: string) {
    const found = this.files.get(path);
    return found && Buffer.from(found.content);
  }
  async list(prefix: string) {
    return [...this.files.keys()].filter((k) => k.startsWith(prefix));
  }
}

const now = new Date('2026-11-02T09:00:00Z');
const delivery = (extra: Partial<Delivery> = {}): Delivery =>
  ({
    messageId: 'e_1.2.miss-you',
    customerId: 'Zoë/Müller 1',
    channel: 'email',
    templateId: 'winback-miss-you',
    journeyId: 'winback-default',
    to: { email: 'zoe@example.com' },
    parts: { subject: 'Wir vermissen dich', text: '…' },
    variables: {},
    coupon: { code: 'WBQ7K2M9XRTA4C', displayCode: 'WBQ7-K2M9-XRTA-4C', barcodeValue: 'WBQ7K2M9XRTA4C', value: '10 %', expiresAt: '2026-12-02T09:00:00.000Z' },
    ...extra,
  }) as Delivery;

describe('outbox files carry who got what as blob metadata', () => {
  it('in ASCII, and a listing reads back what the file says', async () => {
    const blobs = new RecordingBlobs();
    await new OutboxChannel('email', blobs).send(delivery(), now);
    const file = blobs.files.get(outboxPath('e_1.2.miss-you', now))!;
    for (const value of Object.values(file.metadata!)) expect(value).toMatch(/^[\x20-\x7e]*$/);
    const document = JSON.parse(file.content) as { messageId: string; customerId: string; journeyId: string; coupon: { code: string }; storedAt: string };
    expect(readOutboxMetadata(file.metadata!)).toEqual({ messageId: document.messageId, customerId: document.customerId, journeyId: document.journeyId, couponCode: document.coupon.code, storedAt: document.storedAt });
  });

  it('leaves out what a message does not have; a file without metadata is not read from the listing', async () => {
    const blobs = new RecordingBlobs();
    const { journeyId: _journey, coupon: _coupon, ...plain } = delivery();
    await new OutboxChannel('email', blobs).send(plain as Delivery, now);
    const metadata = blobs.files.get(outboxPath('e_1.2.miss-you', now))!.metadata!;
    expect(readOutboxMetadata(metadata)).toEqual({ messageId: 'e_1.2.miss-you', customerId: 'Zoë/Müller 1', storedAt: now.toISOString() });
    expect(readOutboxMetadata({})).toBeUndefined();
  });
});
