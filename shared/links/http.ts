import type { Failure } from '../http/failure.js';
import type { LinkOutcome } from './service.js';

/**
 * Reads of a customer id that was merged away answer with the survivor; `content-location` names it so a
 * client can update the id it keeps.
 */
export function survivorHeaders(current: { customerId: string; redirected: boolean }, suffix = ''): Record<string, string> {
  return current.redirected ? { 'content-location': `/api/customers/${encodeURIComponent(current.customerId)}${suffix}` } : {};
}

/** A link that would merge two customers who disagree: 409 naming the fields, nothing written. */
export function mergeConflictFailure(outcome: Extract<LinkOutcome, { kind: 'conflict' }>): Failure {
  const fields = [...new Set(outcome.conflicts.map((c) => c.field))];
  return {
    kind: 'conflict',
    detail: `linking would merge customers whose ${fields.join(' and ')} differ; correct one of the profiles first`,
    reason: 'merge_conflict',
    extra: { customerId: outcome.customerId, conflicts: outcome.conflicts },
  };
}
