import type { OutboundMessage } from '../../shared/messaging/bus.js';
import type { AcceptedMessage } from './queue.js';
import { LocalServiceBusError, type ApplicationProperties } from './types.js';

/** Service Bus caps MessageId (and the other id properties) at 128 characters. */
const maxIdLength = 128;

function invalid(message: string): never {
  throw new LocalServiceBusError('InvalidMessage', message);
}

function checkId(value: unknown, field: string, index: number, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.length === 0) invalid(`messages[${index}].${field} must be a non-empty string`);
  if (value.length > maxIdLength) invalid(`messages[${index}].${field} is longer than ${maxIdLength} characters`);
  return value;
}

/**
 * Turns what the app sends into what the queue stores, refusing what Azure Service Bus would refuse. The body
 * goes through JSON, as it does on its way to a Functions trigger, so the handler sees the same value in both.
 */
export function acceptOutbound(input: OutboundMessage, index: number, maxMessageSizeBytes: number): AcceptedMessage {
  if (typeof input !== 'object' || input === null) invalid(`messages[${index}] must be an object`);
  const messageId = checkId(input.messageId, 'messageId', index, true)!;
  const subject = checkId(input.subject, 'subject', index, false);
  const correlationId = checkId(input.correlationId, 'correlationId', index, false);

  let bodyJson: string | undefined;
  try {
    bodyJson = JSON.stringify(input.body === undefined ? null : input.body);
  } catch (error) {
    invalid(`messages[${index}].body cannot be serialised as JSON: ${(error as Error).message}`);
  }
  if (bodyJson === undefined) invalid(`messages[${index}].body cannot be serialised as JSON`);

  const applicationProperties: ApplicationProperties = {};
  for (const [key, value] of Object.entries(input.applicationProperties ?? {})) {
    const ok =
      typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) invalid(`messages[${index}].applicationProperties.${key} must be a string, a finite number or a boolean`);
    applicationProperties[key] = value;
  }

  let scheduledMs: number | undefined;
  if (input.scheduledEnqueueTime !== undefined) {
    const at = input.scheduledEnqueueTime;
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
      invalid(`messages[${index}].scheduledEnqueueTime must be a valid Date`);
    }
    scheduledMs = at.getTime();
  }

  const size =
    Buffer.byteLength(bodyJson) +
    Buffer.byteLength(JSON.stringify(applicationProperties)) +
    Buffer.byteLength(messageId) +
    Buffer.byteLength(subject ?? '') +
    Buffer.byteLength(correlationId ?? '');
  if (size > maxMessageSizeBytes) {
    throw new LocalServiceBusError(
      'MessageSizeExceeded',
      `messages[${index}] (messageId ${messageId}) is ${size} bytes; the limit is ${maxMessageSizeBytes}`,
    );
  }

  const accepted: AcceptedMessage = { messageId, body: JSON.parse(bodyJson) as unknown, applicationProperties };
  if (subject !== undefined) accepted.subject = subject;
  if (correlationId !== undefined) accepted.correlationId = correlationId;
  if (scheduledMs !== undefined) accepted.scheduledMs = scheduledMs;
  return accepted;
}
