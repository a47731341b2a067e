import type { SendOutcome } from '../messages/contract.js';

/**
 * One classification of a provider's answer for every adapter: 429, 408, 5xx and network failures or timeouts
 * are worth trying again (the dispatcher reschedules, honouring Retry-After); any other 4xx is final.
 */
export function outcomeOfStatus(status: number, reason: string, retryAfter?: string | null, now = new Date()): SendOutcome {
  if (status >= 200 && status < 300) return { kind: 'sent' };
  if (status === 429 || status === 408 || status >= 500) {
    const retryAfterSeconds = parseRetryAfter(retryAfter, now);
    return { kind: 'transient', reason: `${status}: ${reason}`, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  }
  return { kind: 'permanent', reason: `${status}: ${reason}` };
}

/** `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3); anything else is ignored. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at) || !/[a-z]/i.test(trimmed)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

interface RestErrorLike {
  name?: string;
  message?: string;
  statusCode?: number;
  code?: string;
  response?: { headers?: { get(name: string): string | undefined | null }; bodyAsText?: string | null };
}

/**
 * What an SDK call's failure means: a RestError with a status is classified like a response; an error without
 * one (connection refused, reset, DNS, abort on timeout) never reached a decision at the provider, so it is
 * transient. Anything that is not an Error is a bug and rethrown.
 */
export function outcomeOfError(error: unknown, now: Date): SendOutcome {
  if (!(error instanceof Error)) throw error;
  const e = error as RestErrorLike;
  if (typeof e.statusCode === 'number' && e.statusCode > 0) {
    const reason = providerReason(e) ?? e.message ?? 'provider error';
    return outcomeOfStatus(e.statusCode, reason, e.response?.headers?.get('retry-after'), now);
  }
  const what = e.name === 'AbortError' || e.name === 'TimeoutError' ? 'timeout' : (e.code ?? e.name ?? 'network error');
  return { kind: 'transient', reason: `${what}: ${e.message ?? ''}`.trim() };
}

/** The provider's own words: `{"error": {"code", "message"}}` (ACS) or the RestError's code and message. */
function providerReason(e: RestErrorLike): string | undefined {
  const body = e.response?.bodyAsText;
  if (body) {
    try {
      const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
      if (parsed.error?.message) return parsed.error.code ? `${parsed.error.code}: ${parsed.error.message}` : parsed.error.message;
    } catch {
      // XML (Notification Hubs) or plain text: fall through to the error's own message.
    }
  }
  if (e.code && e.message) return `${e.code}: ${e.message}`;
  return undefined;
}
