import { EmailClient, type EmailMessage } from '@azure/communication-email';
import type { ChannelAdapter, Delivery, SendOutcome } from '../messages/contract.js';
import { acsClientArgs, acsEndpoint, operationIdFor, sdkClientOptions } from './acs.js';
import { code128Png } from './barcode.js';
import type { EmailChannelConfig } from './config.js';
import { outcomeOfError } from './outcome.js';
import { channelTexts, escapeHtml, formatDate } from './texts.js';

/** Content id of the coupon barcode, inline in the HTML part as `cid:`. */
export const barcodeContentId = 'coupon-barcode';

/**
 * The message ACS sends, from a delivery: the template's HTML and plain-text parts, the coupon as text and as
 * a Code 128 image, a visible unsubscribe link, and the RFC 8058 one-click headers (mailbox providers require
 * them of bulk senders; the POST goes to the same URL as the link).
 */
export function buildEmailMessage(
  delivery: Delivery,
  input: { senderAddress: string; unsubscribeUrl: string; barcodePng?: Buffer; engagementTracking: boolean },
): EmailMessage {
  const { parts, coupon } = delivery;
  const t = channelTexts(parts.locale);
  const subject = parts.subject ?? parts.title ?? '';
  const textBlocks = [parts.text.trimEnd()];
  const htmlBlocks: string[] = [];
  if (coupon) {
    const expiry = formatDate(coupon.expiresAt, parts.locale);
    if (!parts.text.includes(coupon.displayCode)) textBlocks.push(`${t.couponCode}: ${coupon.displayCode}`);
    textBlocks.push(`${t.value}: ${coupon.value} · ${t.validUntil} ${expiry}`);
    htmlBlocks.push(
      `<div style="margin:24px 0;padding:16px;border:1px dashed #999;text-align:center">` +
        `<p style="margin:0 0 8px">${escapeHtml(t.couponCode)}: <strong style="font-size:20px;letter-spacing:2px">${escapeHtml(coupon.displayCode)}</strong></p>` +
        (input.barcodePng ? `<img src="cid:${barcodeContentId}" alt="${escapeHtml(coupon.barcodeValue)}" style="max-width:100%;height:auto">` : '') +
        `<p style="margin:8px 0 0">${escapeHtml(t.value)}: ${escapeHtml(coupon.value)} · ${escapeHtml(t.validUntil)} ${escapeHtml(expiry)}</p></div>`,
    );
  }
  textBlocks.push(`${t.unsubscribeLead} ${t.unsubscribe}: ${input.unsubscribeUrl}`);
  htmlBlocks.push(
    `<p style="margin-top:32px;font-size:12px;color:#666">${escapeHtml(t.unsubscribeLead)} ` +
      `<a href="${escapeHtml(input.unsubscribeUrl)}">${escapeHtml(t.unsubscribe)}</a></p>`,
  );
  const baseHtml = parts.html ?? `<p>${escapeHtml(parts.text).replace(/\n{2,}/g, '</p><p>').replace(/\n/g, '<br>')}</p>`;
  const html = insertBeforeBodyEnd(baseHtml, htmlBlocks.join(''));
  return {
    senderAddress: input.senderAddress,
    content: { subject, plainText: textBlocks.join('\n\n') + '\n', html },
    recipients: { to: [{ address: delivery.to.email!, ...(delivery.to.name ? { displayName: delivery.to.name } : {}) }] },
    headers: {
      'List-Unsubscribe': `<${input.unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'X-Winback-Message-Id': delivery.messageId,
    },
    ...(input.barcodePng
      ? { attachments: [{ name: 'coupon-barcode.png', contentType: 'image/png', contentInBase64: input.barcodePng.toString('base64'), contentId: barcodeContentId }] }
      : {}),
    ...(input.engagementTracking ? {} : { disableUserEngagementTracking: true }),
  };
}

function insertBeforeBodyEnd(html: string, addition: string): string {
  const index = html.toLowerCase().lastIndexOf('</body>');
  return index < 0 ? html + addition : html.slice(0, index) + addition + html.slice(index);
}

export interface EmailChannelDeps {
  /** Unsubscribe URL for a customer and channel, when the delivery does not bring one. */
  unsubscribeUrl: (customerId: string, channel: 'email') => string;
  /** How long a send may take before it counts as a transient failure (default 30 s). */
  timeoutMs?: number;
}

/** E-mail through Azure Communication Services. */
export class AcsEmailChannel implements ChannelAdapter {
  readonly channel = 'email' as const;
  readonly provider = 'acs-email';
  private readonly client: EmailClient;

  constructor(
    private readonly config: EmailChannelConfig,
    private readonly deps: EmailChannelDeps,
  ) {
    const args = acsClientArgs(config.connection);
    const options = sdkClientOptions(acsEndpoint(config.connection));
    this.client = args.length === 1 ? new EmailClient(args[0], options) : new EmailClient(args[0], args[1], options);
  }

  async send(delivery: Delivery, now: Date): Promise<SendOutcome> {
    if (!delivery.to.email) return { kind: 'permanent', reason: 'no_address: the customer has no e-mail address' };
    if (!(delivery.parts.subject ?? delivery.parts.title)) return { kind: 'permanent', reason: 'template_invalid: the e-mail has no subject' };
    const message = buildEmailMessage(delivery, {
      senderAddress: this.config.senderAddress,
      unsubscribeUrl: delivery.unsubscribeUrl ?? this.deps.unsubscribeUrl(delivery.customerId, 'email'),
      barcodePng: delivery.coupon ? await code128Png(delivery.coupon.barcodeValue) : undefined,
      engagementTracking: this.config.engagementTracking,
    });
    const operationId = operationIdFor(delivery.messageId);
    // ACS answers 202 and the SDK then polls the operation once; once the 202 has come, the mail is ACS's
    // to deliver, whatever the poll says (its outcome arrives as a delivery report).
    let accepted = false;
    try {
      const poller = await this.client.beginSend(message, {
        operationId,
        abortSignal: AbortSignal.timeout(this.deps.timeoutMs ?? 30_000),
        onResponse: (response) => {
          if (response.request.method === 'POST' && response.status >= 200 && response.status < 300) accepted = true;
        },
      });
      const state = poller.getOperationState();
      if (state.status === 'failed') {
        const error = state.error as { message?: string } | undefined;
        return { kind: 'permanent', reason: `send_failed: ${error?.message ?? 'ACS reported the operation failed'}` };
      }
      return { kind: 'sent', providerMessageId: state.result?.id ?? operationId };
    } catch (error) {
      if (accepted) return { kind: 'sent', providerMessageId: operationId };
      return outcomeOfError(error, now);
    }
  }
}
