import { createHash } from 'node:crypto';

/**
 * Structured log lines: one JSON object per line, `{"event": "...", "invocationId": ..., ...}`, written
 * through the invocation's context so the Functions host attaches them to the invocation (Application
 * Insights `traces`, with the invocation's operation id; `parse_json(message)` turns the fields into
 * columns). Customer ids are personal data: they are logged only as `customer`, a hash that joins log lines
 * of one customer without naming them (and that erasure leaves nothing to find by).
 */
export interface LogContext {
  invocationId: string;
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export interface LogFields {
  correlationId?: string | undefined;
  customerId?: string | undefined;
  runId?: string | undefined;
  journeyId?: string | undefined;
  [field: string]: string | number | boolean | null | undefined;
}

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** The same logger with more fields on every line (e.g. the run or journey once known). */
  with(fields: LogFields): Logger;
}

/** `c_` and 16 hex digits of SHA-256: stable across invocations and deployments, so a customer's lines join up. */
export function customerRef(customerId: string): string {
  return 'c_' + createHash('sha256').update(`winback-customer\n${customerId}`).digest('hex').slice(0, 16);
}

export function logLine(event: string, invocationId: string, fields: LogFields): string {
  const { customerId, ...rest } = fields;
  const line: Record<string, unknown> = { event, invocationId };
  if (customerId !== undefined) line['customer'] = customerRef(customerId);
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) line[key] = value;
  return JSON.stringify(line);
}

export function logger(context: LogContext, base: LogFields = {}): Logger {
  const write = (sink: 'log' | 'warn' | 'error') => (event: string, fields: LogFields = {}) =>
    context[sink](logLine(event, context.invocationId, { ...base, ...fields }));
  return { info: write('log'), warn: write('warn'), error: write('error'), with: (fields) => logger(context, { ...base, ...fields }) };
}

/** The correlation id a Service Bus message carries (set by the HTTP request that caused it), if any. */
export function messageCorrelationId(context: { triggerMetadata?: Record<string, unknown> }): string | undefined {
  const value = context.triggerMetadata?.['correlationId'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * A `(line) => void` callback for shared/ code that reports progress as text: each line becomes a
 * structured line of `event` with the text as `detail`. Without an invocation (HTTP routes that read runs,
 * tools) lines go to the console, as before.
 */
export function lineLog(context: LogContext | undefined, event: string, fields: LogFields = {}, level: 'info' | 'warn' | 'error' = 'info'): (line: string) => void {
  if (!context) return (line) => (level === 'info' ? console.log(line) : console[level](line));
  const log = logger(context, fields);
  return (line) => log[level](event, { detail: line });
}
