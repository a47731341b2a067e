import type { z } from 'zod';
import { issuesOf } from '../webhooks/common.js';

/**
 * The prologue of every queue consumer: Service Bus hands the body as a string or as parsed JSON; a body
 * that is not JSON or fails the schema can never succeed, so it is logged (with what is wrong) and the
 * message completed instead of being retried until it dead-letters.
 */
export function decodeMessage<S extends z.ZodType>(schema: S, message: unknown, what: string, log: (line: string) => void): z.infer<S> | undefined {
  let body = message;
  if (typeof message === 'string') {
    try {
      body = JSON.parse(message);
    } catch {
      log(`${what} is not JSON; dropped`);
      return undefined;
    }
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    log(`invalid ${what}, dropped: ${issuesOf(parsed.error).join('; ')}`);
    return undefined;
  }
  return parsed.data;
}
