import { createHmac } from 'node:crypto';
import type { ChannelAdapter, Delivery, SendOutcome } from '../messages/contract.js';
import type { WebhookChannelConfig } from './config.js';
import { outcomeOfError, outcomeOfStatus } from './outcome.js';

/**
 * Standard Webhooks signature (standardwebhooks.com): HMAC-SHA256 over `{id}.{timestamp}.{body}` with the
 * base64-decoded secret after its `whsec_` prefix, sent as `v1,<base64>`.
 */
export function standardWebhookSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The event the receiving ESP or CRM gets: what to send to whom, rendered, with the coupon and variables. */
export function webhookPayload(delivery: Delivery, now: Date) {
  return {
    type: 'message.send',
    timestamp: now.toISOString(),
    data: {
      messageId: delivery.messageId,
      customerId: delivery.customerId,
      templateId: delivery.templateId,
      channel: delivery.forChannel ?? null,
      journeyId: delivery.journeyId,
      stepId: delivery.stepId,
      enrollmentId: delivery.enrollmentId,
      to: delivery.to,
      parts: delivery.parts,
      coupon: delivery.coupon,
      unsubscribeUrl: delivery.unsubscribeUrl,
      variables: delivery.variables,
    },
  };
}

/**
 * POST to a configured URL. The webhook id is the message id, the same on every retry, so the receiver can
 * drop duplicates (as the scheme asks). Redirects are not followed: a signed body goes only where configured.
 */
export class WebhookChannel implements ChannelAdapter {
  readonly channel = 'webhook' as const;
  readonly provider = 'webhook';

  constructor(
    private readonly config: WebhookChannelConfig,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async send(delivery: Delivery, now: Date): Promise<SendOutcome> {
    const body = JSON.stringify(webhookPayload(delivery, now));
    const timestamp = Math.floor(now.getTime() / 1000);
    try {
      const response = await this.fetchImpl(this.config.url, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/json',
          'webhook-id': delivery.messageId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': standardWebhookSignature(this.config.secret, delivery.messageId, timestamp, body),
          'user-agent': 'winback-webhook/1',
        },
        body,
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      const text = (await response.text().catch(() => '')).slice(0, 300);
      if (response.status >= 300 && response.status < 400) {
        return { kind: 'permanent', reason: `${response.status}: redirect to ${response.headers.get('location') ?? '?'} not followed; configure the final URL` };
      }
      const outcome = outcomeOfStatus(response.status, text || response.statusText || 'no reason given', response.headers.get('retry-after'), now);
      return outcome.kind === 'sent' ? { kind: 'sent', providerMessageId: delivery.messageId } : outcome;
    } catch (error) {
      return outcomeOfError(error, now);
    }
  }
}
