import type { z } from 'zod';
import { issuesOf } from '../webhooks/common.js';

/**
 * The prologue of every queue trigger: JSON (the Functions host hands over objects, a string when the body
 * was not JSON), then the schema. A message that fails either can never succeed, so this throws with the
 * reason: after maxDeliveryCount attempts Service Bus dead-letters it with that error, where an operator finds
 * it (`/admin/local/queues/<queue>/deadletters` locally).
 */
export function decodeQueueMessage<S extends z.ZodType>(schema: S, message: unknown, what: string): z.infer<S> {
  let body = message;
  if (typeof message === 'string') {
    try {
      body = JSON.parse(message);
    } catch {
      throw new Error(`poison ${what}: not JSON`);
    }
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(`poison ${what}: ${issuesOf(parsed.error).join('; ')}`);
  return parsed.data;
}

/**
 * The same for consumers whose senders are winback itself and whose refusals are final answers (coupon
 * requests, redemption events, KPI events): a malformed message is logged with what is wrong and completed.
 */
export function decodeMessage<S extends z.ZodType>(schema: S, message: unknown, what: string, log: (line: string) => void): z.infer<S> | undefined {
  try {
    return decodeQueueMessage(schema, message, what);
  } catch (error) {
    log(`${(error as Error).message}; dropped`);
    return undefined;
  }
}
