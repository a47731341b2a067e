import { createHash } from 'node:crypto';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { CommunicationConnection } from './config.js';

/**
 * Client options every provider SDK gets: no retries inside the SDK — a send that fails goes back to the
 * dispatcher, which reschedules it on the queue with backoff instead of holding a function instance.
 * Plain HTTP only to a loopback address (the local stand-ins); anything else must be HTTPS.
 */
export function sdkClientOptions(endpoint: string) {
  if (!isLoopbackHttp(endpoint)) return { retryOptions: { maxRetries: 0 } };
  // Per request, because Notification Hubs builds its requests itself and ignores the client-level flag.
  const allowLoopback: PipelinePolicy = {
    name: 'winbackAllowLoopbackHttp',
    sendRequest: (request, next) => {
      request.allowInsecureConnection = true;
      return next(request);
    },
  };
  return { retryOptions: { maxRetries: 0 }, allowInsecureConnection: true, additionalPolicies: [{ policy: allowLoopback, position: 'perCall' as const }] };
}

export function isLoopbackHttp(endpoint: string): boolean {
  try {
    const url = new URL(endpoint);
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

/** The endpoint a connection string names (`endpoint=` for ACS, `Endpoint=` for Notification Hubs). */
export function endpointOf(connectionString: string): string {
  return /(?:^|;)\s*endpoint=([^;]+)/i.exec(connectionString)?.[1]?.trim() ?? '';
}

export function acsEndpoint(connection: CommunicationConnection): string {
  return connection.kind === 'connectionString' ? endpointOf(connection.connectionString) : connection.endpoint;
}

/** Constructor arguments for the ACS SDK clients (EmailClient, SmsClient) from a connection setting. */
export function acsClientArgs(connection: CommunicationConnection): [string] | [string, TokenCredential] {
  if (connection.kind === 'connectionString') return [connection.connectionString];
  const credential = connection.clientId ? new ManagedIdentityCredential({ clientId: connection.clientId }) : new DefaultAzureCredential();
  return [connection.endpoint, credential];
}

/**
 * A GUID derived from the message id: ACS takes it as the send's operation id, so a redelivered send carries the
 * same id, and delivery reports name it (shared/channels/delivery-events.ts finds the message by it).
 */
export function operationIdFor(messageId: string): string {
  const h = createHash('sha256').update(`winback:${messageId}`).digest('hex');
  // RFC 9562 version 8 (custom) with the variant bits set.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
