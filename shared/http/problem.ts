import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';

/** RFC 9457 problem details. `errors` names each offending field as a JSON pointer into the request body. */
export const FieldError = z.object({
  pointer: z.string().meta({ description: 'JSON pointer into the body (`/items/0/unitPrice`), or `route/<param>`, `query/<param>`, `header/<name>`' }),
  message: z.string(),
});
export type FieldError = z.infer<typeof FieldError>;

export const Problem = z
  .object({
    type: z.string().optional(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(FieldError).optional(),
    reason: z.string().optional().meta({ description: 'stable machine-readable cause for domain refusals (coupons, offers, idempotency)' }),
  })
  .catchall(z.unknown());
export type Problem = z.infer<typeof Problem>;

export const problemContentType = 'application/problem+json';

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status: problem.status,
    headers: { 'content-type': problemContentType, ...headers },
    body: JSON.stringify({ type: 'about:blank', ...problem }),
  };
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

export function toPointer(path: readonly PropertyKey[], prefix: readonly PropertyKey[] = []): string {
  const all = [...prefix, ...path];
  return '/' + all.map((part) => String(part).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/** Flattens a zod error into one entry per offending field (unknown keys are reported on the key itself). */
export function fieldErrors(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ pointer: toPointer([...issue.path, key], prefix), message: 'unknown field' });
      continue;
    }
    if (issue.code === 'invalid_union' && 'errors' in issue) {
      out.push({ pointer: toPointer(issue.path, prefix), message: issue.message });
      continue;
    }
    out.push({ pointer: toPointer(issue.path, prefix), message: issue.message });
  }
  return out;
}
