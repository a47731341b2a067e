import type { HttpResponseInit } from '@azure/functions';
import { problemResponse, type FieldError } from './problem.js';

/**
 * Every expected failure the HTTP layer can report. Domain code returns these as values; `failureResponse`
 * is the one place that turns them into status codes.
 */
export type Failure =
  | { kind: 'invalid'; detail: string; errors: FieldError[] }
  | { kind: 'malformed_json'; detail: string }
  | { kind: 'unsupported_media_type'; detail: string }
  | { kind: 'payload_too_large'; limitBytes: number }
  | { kind: 'not_found'; detail: string }
  | { kind: 'conflict'; detail: string; reason?: string; extra?: Record<string, unknown> }
  | { kind: 'gone'; detail: string }
  | { kind: 'unprocessable'; detail: string; reason: string; extra?: Record<string, unknown> }
  | { kind: 'unauthorized'; detail: string }
  | { kind: 'precondition_required'; detail: string }
  | { kind: 'unavailable'; detail: string; retryAfterSeconds?: number }
  /** A domain refusal that carries its own status and stable `reason` (coupons: see shared/coupons/problems.ts). */
  | { kind: 'rejected'; status: 404 | 409 | 410 | 422; title: string; detail: string; reason: string; extra?: Record<string, unknown> };

export function failureResponse(failure: Failure): HttpResponseInit {
  switch (failure.kind) {
    case 'invalid':
      return problemResponse({ status: 400, title: 'Invalid request', detail: failure.detail, errors: failure.errors });
    case 'malformed_json':
      return problemResponse({ status: 400, title: 'Malformed JSON', detail: failure.detail, errors: [{ pointer: '', message: failure.detail }] });
    case 'unsupported_media_type':
      return problemResponse({ status: 415, title: 'Unsupported Media Type', detail: failure.detail });
    case 'payload_too_large':
      return problemResponse({ status: 413, title: 'Payload Too Large', detail: `the body exceeds ${failure.limitBytes} bytes` });
    case 'not_found':
      return problemResponse({ status: 404, title: 'Not Found', detail: failure.detail });
    case 'conflict':
      return problemResponse({ status: 409, title: 'Conflict', detail: failure.detail, reason: failure.reason, ...failure.extra });
    case 'gone':
      return problemResponse({ status: 410, title: 'Gone', detail: failure.detail });
    case 'unprocessable':
      return problemResponse({ status: 422, title: 'Unprocessable', detail: failure.detail, reason: failure.reason, ...failure.extra });
    case 'unauthorized':
      return problemResponse({ status: 401, title: 'Unauthorized', detail: failure.detail });
    case 'precondition_required':
      return problemResponse({ status: 428, title: 'Precondition Required', detail: failure.detail });
    case 'unavailable':
      return problemResponse(
        { status: 503, title: 'Service Unavailable', detail: failure.detail },
        failure.retryAfterSeconds ? { 'retry-after': String(failure.retryAfterSeconds) } : {},
      );
    case 'rejected':
      return problemResponse({ ...failure.extra, status: failure.status, title: failure.title, detail: failure.detail, reason: failure.reason });
    default: {
      const exhaustive: never = failure;
      return exhaustive;
    }
  }
}

export type Result<T, F = Failure> = { ok: true; value: T } | { ok: false; failure: F };
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = <F>(failure: F): Result<never, F> => ({ ok: false, failure });
