import type { Failure } from '../http/failure.js';
import type { LinkOutcome } from './service.js';

/**
 * Reads of a customer id that was merged away answer with the survivor; `content-location` names it so a
 * client can update the id it keeps.
 */
export function survivorHeaders(current: { customerId: string; redirected: boolean }, suffix = ''): Record<string, string> {
  return current.redirected ? { 'content-location': `/api/customers/${encodeURIComponent(current.customerId)}${suffix}` } : {};
}

/** Conflict fields of enrollments (shared/journeys/merge.ts) are `journeys.<journeyId>`. */
const journeyField = 'journeys.';

/** A link that would merge two customers who disagree: 409 naming the fields, nothing written. */
export function mergeConflictFailure(outcome: Extract<LinkOutcome, { kind: 'conflict' }>): Failure {
  const fields = [...new Set(outcome.conflicts.map((c) => c.field))];
  const journeys = fields.filter((f) => f.startsWith(journeyField)).map((f) => f.slice(journeyField.length));
  const profile = fields.filter((f) => !f.startsWith(journeyField));
  const details = [
    ...(profile.length > 0 ? [`linking would merge customers whose ${profile.join(' and ')} differ; correct one of the profiles first`] : []),
    ...(journeys.length > 0 ? [`both customers are active in journey ${journeys.join(', ')}; end one of the enrollments first`] : []),
  ];
  return {
    kind: 'conflict',
    detail: details.join('; '),
    reason: 'merge_conflict',
    extra: { customerId: outcome.customerId, conflicts: outcome.conflicts },
  };
}
