import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { operationIdFor } from '../../../shared/channels/acs.js';
import { AcsEmailChannel, barcodeContentId } from '../../../shared/channels/email.js';
import { startStandIns, type StandIns } from '../../standins/providers.js';
import { delivery, now } from './fixtures.js';

let acs: StandIns;
beforeAll(async () => {
  acs = await startStandIns();
});
afterAll(() => acs.close());
beforeEach(() => acs.reset());

const channel = (timeoutMs?: number) =>
  new AcsEmailChannel(
    { connection: { kind: 'connectionString', connectionString: acs.acsConnectionString }, senderAddress: 'DoNotReply@shop.example', engagementTracking: false },
    { unsubscribeUrl: (customerId) => `https://winback.example.com/api/unsubscribe?token=for-${customerId}`, timeoutMs },
  );

interface SentEmail {
  senderAddress: string;
  recipients: { to: { address: string; displayName?: string }[] };
  content: { subject: string; plainText: string; html: string };
  headers: Record<string, string>;
  attachments?: { name: string; contentType: string; contentInBase64: string; contentId?: string }[];
  userEngagementTrackingDisabled?: boolean;
}

describe('ACS e-mail adapter against the ACS stand-in', () => {
  it('sends HTML and text, the coupon as text and barcode image, and one-click unsubscribe headers, HMAC-signed', async () => {
    const d = delivery();
    const outcome = await channel().send(d, now);
    expect(outcome).toEqual({ kind: 'sent', providerMessageId: operationIdFor(d.messageId) });

    const [send] = acs.of('email');
    expect(send!.authenticated).toBe(true);
    expect(send!.headers['operation-id']).toBe(operationIdFor(d.messageId));
    const email = send!.body as SentEmail;
    expect(email.senderAddress).toBe('DoNotReply@shop.example');
    expect(email.recipients.to).toEqual([{ address: 'anna.schmidt@example.com', displayName: 'Anna Schmidt' }]);
    expect(email.content.subject).toBe('Wir vermissen Sie, Anna');
    expect(email.content.html).toContain('<h1>Wir vermissen Sie, Anna</h1>');
    expect(email.content.html).toContain(`<img src="cid:${barcodeContentId}"`);
    expect(email.content.html).toContain('WB7K-2M9Q');
    // The footer goes inside the body, with the link the header names.
    expect(email.content.html).toMatch(/Abmelden<\/a><\/p><\/body><\/html>$/);
    expect(email.content.html).toContain('href="https://winback.example.com/api/unsubscribe?token=tok123"');
    expect(email.content.plainText).toContain('Ihr Code: WB7K-2M9Q');
    expect(email.content.plainText).toContain('Gültig bis 31.12.2026');
    expect(email.content.plainText).toContain('Abmelden: https://winback.example.com/api/unsubscribe?token=tok123');
    expect(email.headers['List-Unsubscribe']).toBe('<https://winback.example.com/api/unsubscribe?token=tok123>');
    expect(email.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(email.userEngagementTrackingDisabled).toBe(true);
    const [image] = email.attachments!;
    expect(image).toMatchObject({ contentType: 'image/png', contentId: barcodeContentId });
    expect(Buffer.from(image!.contentInBase64, 'base64').subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });

  it('builds the unsubscribe link itself when the delivery has none, and sends no image without a coupon', async () => {
    await channel().send(delivery({ unsubscribeUrl: undefined, coupon: undefined }), now);
    const email = acs.of('email')[0]!.body as SentEmail;
    expect(email.headers['List-Unsubscribe']).toBe('<https://winback.example.com/api/unsubscribe?token=for-c-1001>');
    expect(email.attachments).toBeUndefined();
    expect(email.content.html).not.toContain('cid:');
  });

  it('a 503 is transient with the Retry-After seconds, and the SDK does not retry on its own', async () => {
    acs.script('email', { status: 503, headers: { 'retry-after': '7' }, body: { error: { code: 'ServiceUnavailable', message: 'try later' } } });
    const outcome = await channel().send(delivery(), now);
    expect(outcome).toEqual({ kind: 'transient', reason: '503: ServiceUnavailable: try later', retryAfterSeconds: 7 });
    expect(acs.of('email')).toHaveLength(1);
  });

  it('a 429 is transient; Retry-After as an HTTP date counts from now', async () => {
    acs.script('email', { status: 429, headers: { 'retry-after': new Date(now.getTime() + 90_000).toUTCString() }, body: { error: { code: 'TooManyRequests', message: 'slow down' } } });
    const outcome = await channel().send(delivery(), now);
    expect(outcome).toMatchObject({ kind: 'transient', retryAfterSeconds: 90 });
  });

  it('a 400 is permanent with the provider reason', async () => {
    acs.script('email', { status: 400, body: { error: { code: 'InvalidRecipientAddress', message: 'recipient address is not valid' } } });
    expect(await channel().send(delivery(), now)).toEqual({ kind: 'permanent', reason: '400: InvalidRecipientAddress: recipient address is not valid' });
  });

  it('a provider that does not answer in time is transient (timeout)', async () => {
    acs.script('email', { status: 202, delayMs: 1_000 });
    const outcome = await channel(150).send(delivery(), now);
    expect(outcome.kind).toBe('transient');
    expect(outcome.kind === 'transient' && outcome.reason).toMatch(/timeout|abort/i);
  });

  it('a refused connection is transient', async () => {
    const closed = await startStandIns();
    const connectionString = closed.acsConnectionString;
    await closed.close();
    const adapter = new AcsEmailChannel(
      { connection: { kind: 'connectionString', connectionString }, senderAddress: 'x@shop.example', engagementTracking: true },
      { unsubscribeUrl: () => 'https://u' },
    );
    expect((await adapter.send(delivery(), now)).kind).toBe('transient');
  });

  it('a customer without an e-mail address is permanent without a request', async () => {
    const d = delivery();
    expect(await channel().send({ ...d, to: { ...d.to, email: undefined } }, now)).toMatchObject({ kind: 'permanent', reason: expect.stringMatching(/^no_address/) });
    expect(acs.requests).toHaveLength(0);
  });

  it('the stand-in refuses a wrong access key (the auth assertion can fail)', async () => {
    const wrong = new AcsEmailChannel(
      {
        connection: { kind: 'connectionString', connectionString: `endpoint=${acs.url}/;accesskey=${Buffer.from('wrong').toString('base64')}` },
        senderAddress: 'x@shop.example',
        engagementTracking: true,
      },
      { unsubscribeUrl: () => 'https://u' },
    );
    expect(await wrong.send(delivery(), now)).toMatchObject({ kind: 'permanent', reason: expect.stringContaining('401') });
    expect(acs.of('email')[0]!.authenticated).toBe(false);
  });
});
