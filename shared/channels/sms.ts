import { SmsClient } from '@azure/communication-sms';
import type { ChannelAdapter, Delivery, SendOutcome } from '../messages/contract.js';
import { acsClientArgs, acsEndpoint, sdkClientOptions } from './acs.js';
import type { SmsChannelConfig } from './config.js';
import { smsLength, type SmsLength } from './gsm7.js';
import { outcomeOfError, outcomeOfStatus } from './outcome.js';
import { channelTexts } from './texts.js';

/** The SMS as it goes out: the template's text and, unless the template says it already, the STOP line. */
export function smsBody(text: string, locale: string | undefined): string {
  const body = text.trim();
  if (/\bSTOP\b/.test(body)) return body;
  return `${body}\n${channelTexts(locale).smsStop}`;
}

export type SmsTemplateCheck =
  | { ok: true; length: SmsLength }
  | { ok: false; length: SmsLength; reason: string };

/**
 * The template check for SMS: the body as sent (with the STOP line) must fit in `maxSegments`. Call it with
 * the template rendered on its longest plausible values; it is also applied to every send.
 */
export function checkSmsTemplate(text: string, options: { maxSegments: number; locale?: string }): SmsTemplateCheck {
  const length = smsLength(smsBody(text, options.locale));
  if (length.segments <= options.maxSegments) return { ok: true, length };
  const hint =
    length.encoding === 'UCS-2'
      ? `; it is sent as UCS-2 (70 characters a segment) because of ${length.nonGsmCharacters.map((c) => JSON.stringify(c)).join(', ')}`
      : '';
  return {
    ok: false,
    length,
    reason: `the SMS needs ${length.segments} segments (${length.units} ${length.encoding === 'GSM-7' ? 'GSM-7 characters' : 'UTF-16 units'}), more than the ${options.maxSegments} allowed${hint}`,
  };
}

/** SMS through Azure Communication Services, with delivery reports tagged by the message id. */
export class AcsSmsChannel implements ChannelAdapter {
  readonly channel = 'sms' as const;
  readonly provider = 'acs-sms';
  private readonly client: SmsClient;

  constructor(
    private readonly config: SmsChannelConfig,
    private readonly timeoutMs = 30_000,
  ) {
    const args = acsClientArgs(config.connection);
    const options = sdkClientOptions(acsEndpoint(config.connection));
    this.client = args.length === 1 ? new SmsClient(args[0], options) : new SmsClient(args[0], args[1], options);
  }

  async send(delivery: Delivery, now: Date): Promise<SendOutcome> {
    if (!delivery.to.phone) return { kind: 'permanent', reason: 'no_address: the customer has no phone number' };
    const check = checkSmsTemplate(delivery.parts.text, { maxSegments: this.config.maxSegments, locale: delivery.parts.locale });
    if (!check.ok) return { kind: 'permanent', reason: `sms_too_long: ${check.reason}` };
    try {
      const [result] = await this.client.send(
        { from: this.config.sender, to: [delivery.to.phone], message: smsBody(delivery.parts.text, delivery.parts.locale) },
        { enableDeliveryReport: true, tag: delivery.messageId, abortSignal: AbortSignal.timeout(this.timeoutMs) },
      );
      if (!result) return { kind: 'transient', reason: 'ACS answered without a result for the recipient' };
      if (result.successful) return { kind: 'sent', providerMessageId: result.messageId };
      return outcomeOfStatus(result.httpStatusCode, result.errorMessage ?? 'rejected by ACS', undefined, now);
    } catch (error) {
      return outcomeOfError(error, now);
    }
  }
}
