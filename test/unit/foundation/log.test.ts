import functions from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { correlationId } from '../../../shared/http/request.js';
import { customerRef, lineLog, logger, messageCorrelationId } from '../../../shared/log.js';

const { HttpRequest } = functions;

function capture() {
  const lines: { level: string; text: string }[] = [];
  const sink = (level: string) => (...args: unknown[]) => lines.push({ level, text: args.map(String).join(' ') });
  return { lines, context: { invocationId: 'inv-1', log: sink('info'), warn: sink('warn'), error: sink('error') } };
}

describe('structured logs', () => {
  it('one JSON object per line with the invocation id, the customer only as a hash, and the ids given', () => {
    const { lines, context } = capture();
    const log = logger(context, { correlationId: 'corr-1', runId: 'run-7' });
    log.with({ journeyId: 'winback-at-risk' }).info('coupon.issued', { customerId: 'C-42', code: 'WBX', skipped: undefined });
    log.warn('coupon.refused', { reason: 'budget_exhausted' });
    expect(lines.map((l) => l.level)).toEqual(['info', 'warn']);
    expect(JSON.parse(lines[0]!.text)).toEqual({
      event: 'coupon.issued',
      invocationId: 'inv-1',
      customer: customerRef('C-42'),
      correlationId: 'corr-1',
      runId: 'run-7',
      journeyId: 'winback-at-risk',
      code: 'WBX',
    });
    expect(lines[0]!.text).not.toContain('C-42');
    expect(JSON.parse(lines[1]!.text)).toMatchObject({ event: 'coupon.refused', runId: 'run-7', reason: 'budget_exhausted' });
  });

  it('hashes a customer id stably, and different ids differently', () => {
    expect(customerRef('C-42')).toMatch(/^c_[0-9a-f]{16}$/);
    expect(customerRef('C-42')).toBe(customerRef('C-42'));
    expect(customerRef('C-43')).not.toBe(customerRef('C-42'));
  });
});

describe('correlation ids', () => {
  const request = (headers: Record<string, string>) => new HttpRequest({ method: 'GET', url: 'http://localhost/api/health', headers });
  const context = { invocationId: 'inv-9' };

  it('takes x-correlation-id, else the traceparent trace id, else the invocation id', () => {
    expect(correlationId(request({ 'x-correlation-id': 'pos-berlin-01-4711' }), context)).toBe('pos-berlin-01-4711');
    expect(correlationId(request({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }), context)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(correlationId(request({}), context)).toBe('inv-9');
  });

  it('ignores values that are not ids (spaces, control characters, too long) and an all-zero trace id', () => {
    expect(correlationId(request({ 'x-correlation-id': 'a b' }), context)).toBe('inv-9');
    expect(correlationId(request({ 'x-correlation-id': 'x'.repeat(129) }), context)).toBe('inv-9');
    expect(correlationId(request({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }), context)).toBe('inv-9');
    expect(correlationId(request({ traceparent: 'garbage' }), context)).toBe('inv-9');
  });

  it('reads the correlation id a Service Bus message carries', () => {
    expect(messageCorrelationId({ triggerMetadata: { correlationId: 'corr-1' } })).toBe('corr-1');
    expect(messageCorrelationId({ triggerMetadata: {} })).toBeUndefined();
  });

  it('turns the text lines shared/ code reports into structured lines of one event, at the level asked', () => {
    const { lines, context } = capture();
    lineLog(context, 'journeys.progress', { customerId: 'C-7', enrollmentId: 'e-1' }, 'warn')('enrollment e-1: waiting for quiet hours');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe('warn');
    expect(JSON.parse(lines[0]!.text)).toEqual({
      event: 'journeys.progress',
      invocationId: 'inv-1',
      customer: customerRef('C-7'),
      enrollmentId: 'e-1',
      detail: 'enrollment e-1: waiting for quiet hours',
    });
  });
});
