import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { fail, failureResponse, ok, type Failure, type Result } from './failure.js';
import { logger } from '../log.js';
import { fieldErrors, problemResponse } from './problem.js';

export const maxBodyBytes = 1024 * 1024;

/** Reads the raw body with the 1 MB limit, before anything is parsed. */
export async function readRawBody(request: HttpRequest, limitBytes = maxBodyBytes): Promise<Result<Buffer>> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > limitBytes) return fail({ kind: 'payload_too_large', limitBytes });
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > limitBytes) return fail({ kind: 'payload_too_large', limitBytes });
  return ok(bytes);
}

export function parseJsonBytes(bytes: Buffer): Result<unknown> {
  if (bytes.length === 0) return fail({ kind: 'malformed_json', detail: 'the request body is empty' });
  try {
    return ok(JSON.parse(bytes.toString('utf8')) as unknown);
  } catch (error) {
    return fail({ kind: 'malformed_json', detail: `the body is not valid JSON: ${(error as Error).message}` });
  }
}

export function validate<S extends z.ZodType>(schema: S, data: unknown, prefix: PropertyKey[] = []): Result<z.infer<S>> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return ok(parsed.data);
  const errors = fieldErrors(parsed.error, prefix);
  return fail({ kind: 'invalid', detail: `${errors.length} invalid field(s): ${errors.map((e) => e.pointer).join(', ')}`, errors });
}

/** Size limit, content type, JSON syntax, then the schema: each failure becomes a 4xx problem. */
export async function readJson<S extends z.ZodType>(request: HttpRequest, schema: S): Promise<Result<z.infer<S>>> {
  const contentType = request.headers.get('content-type');
  if (contentType && !/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
    return fail({ kind: 'unsupported_media_type', detail: `expected application/json, got ${contentType}` });
  }
  const raw = await readRawBody(request);
  if (!raw.ok) return raw;
  const json = parseJsonBytes(raw.value);
  if (!json.ok) return json;
  return validate(schema, json.value);
}

export function validateParams<S extends z.ZodType>(schema: S, params: unknown, where: 'route' | 'query' = 'route'): Result<z.infer<S>> {
  const parsed = schema.safeParse(params);
  if (parsed.success) return ok(parsed.data);
  const errors = fieldErrors(parsed.error).map((e) => ({ ...e, pointer: `${where}${e.pointer}` }));
  return fail({ kind: 'invalid', detail: `invalid ${where} parameter`, errors });
}

/**
 * The query string against a strict schema: unknown and malformed parameters are named as `query/<name>`.
 * `code` is the function key when a client sends it in the URL (the host checked it already): not a parameter
 * of any route, so it is never refused as unknown.
 */
export function validateQuery<S extends z.ZodType>(schema: S, request: HttpRequest): Result<z.infer<S>> {
  const { code: _functionKey, ...query } = Object.fromEntries(request.query.entries());
  return validateParams(schema, query, 'query');
}

const correlationPattern = /^[\x21-\x7e]{1,128}$/;
const traceparentPattern = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The id that ties a request to its logs and to the Service Bus messages it causes (`correlationId` on each
 * message): the caller's `x-correlation-id`, else the trace id of a W3C `traceparent` (what Application
 * Insights uses as operation id), else the invocation id. Echoed in the response's `x-correlation-id`.
 */
export function correlationId(request: HttpRequest, context: Pick<InvocationContext, 'invocationId'>): string {
  const given = request.headers.get('x-correlation-id')?.trim();
  if (given && correlationPattern.test(given)) return given;
  const trace = traceparentPattern.exec(request.headers.get('traceparent')?.trim().toLowerCase() ?? '');
  if (trace && !/^0+$/.test(trace[1]!)) return trace[1]!;
  return context.invocationId;
}

/**
 * Why an error is a backing service's passing trouble rather than a fault of the request or the code, or
 * undefined. Under load these are what a read meets: Cosmos throttling (429), its own timeout or
 * retry-with (408, 449, 503), the SDK giving up on a request it sent (`TimeoutError`, after
 * connectionPolicy.requestTimeout), and a connection reset, refused or cut while the answer was on its way.
 * Retrying the request can succeed; answering 500 for them would report a bug that is not there.
 */
export function dependencyFailure(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode, name } = error as { code?: unknown; statusCode?: unknown; name?: unknown };
  const status = typeof code === 'number' ? code : typeof statusCode === 'number' ? statusCode : undefined;
  if (status === 429) return 'throttled (429)';
  if (status === 408 || status === 449 || status === 503) return `unavailable (${status})`;
  if (code === 'TimeoutError' || name === 'TimeoutError') return 'timed out (TimeoutError)';
  if (typeof code === 'string' && transientNetworkCodes.has(code)) return `connection failed (${code})`;
  return undefined;
}

const transientNetworkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'REQUEST_SEND_ERROR']);

/**
 * Wraps a handler so that infrastructure trouble (Cosmos throttling, timeouts, an outage) answers 503 with
 * Retry-After rather than a bare 500, and anything unexpected is logged with the invocation id. Every 5xx
 * it answers is logged with its reason.
 */
export function httpHandler(
  handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit | Failure>,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    const correlation = { 'x-correlation-id': correlationId(request, context) };
    // No URL in the line: paths carry customer ids; the host tags the line with the function's name.
    const log = logger(context, { correlationId: correlation['x-correlation-id'] });
    const withCorrelation = (response: HttpResponseInit): HttpResponseInit => ({
      ...response,
      headers: { ...(response.headers as Record<string, string> | undefined), ...correlation },
    });
    try {
      const result = await handler(request, context);
      if ('kind' in result && result.kind === 'unavailable') log.warn('http.unavailable', { reason: result.detail });
      return withCorrelation('kind' in result ? failureResponse(result) : result);
    } catch (error) {
      const reason = dependencyFailure(error);
      if (reason !== undefined) {
        log.warn('http.dependency_unavailable', { reason, detail: (error as Error).message });
        return withCorrelation(failureResponse({ kind: 'unavailable', detail: 'a backing service is busy or unreachable; retry', retryAfterSeconds: 5 }));
      }
      log.error('http.failed', { reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error), detail: error instanceof Error ? error.stack ?? error.message : String(error) });
      return withCorrelation(problemResponse({ status: 500, title: 'Internal Server Error', detail: `invocation ${context.invocationId} failed` }));
    }
  };
}
