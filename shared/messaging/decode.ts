import type { z } from 'zod';
import { issuesOf } from '../webhooks/common.js';

/** JSON (the Functions host hands over objects, a string when the body was not JSON), then the schema. */
function decode<S extends z.ZodType>(schema: S, message: unknown): { ok: true; value: z.infer<S> } | { ok: false; problem: string } {
  let body = message;
  if (typeof message === 'string') {
    try {
      body = JSON.parse(message);
    } catch {
      return { ok: false, problem: 'not JSON' };
    }
  }
  const parsed = schema.safeParse(body);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: issuesOf(parsed.error).join('; ') };
}

/**
 * The prologue of every queue trigger whose messages must never vanish: a message that fails to decode can
 * never succeed, so this throws with the reason; after maxDeliveryCount attempts Service Bus dead-letters it
 * with that error, where an operator finds it (`/admin/local/queues/<queue>/deadletters` locally).
 */
export function decodeQueueMessage<S extends z.ZodType>(schema: S, message: unknown, what: string): z.infer<S> {
  const decoded = decode(schema, message);
  if (!decoded.ok) throw new Error(`poison ${what}: ${decoded.problem}`);
  return decoded.value;
}

/**
 * The same for consumers whose refusals are final answers (coupon requests, redemption events, KPI events): a
 * malformed message is logged with what is wrong and completed.
 */
export function decodeMessage<S extends z.ZodType>(schema: S, message: unknown, what: string, log: (line: string) => void): z.infer<S> | undefined {
  const decoded = decode(schema, message);
  if (decoded.ok) return decoded.value;
  log(decoded.problem === 'not JSON' ? `${what} is not JSON; dropped` : `invalid ${what}, dropped: ${decoded.problem}`);
  return undefined;
}
