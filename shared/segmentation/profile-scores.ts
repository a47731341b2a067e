import { emptyFields, Scorer, summarize } from '../analytics/index.js';
import { CustomerAnalytics } from './customer-update.js';
import { occurredBefore } from './plan.js';
import type { SegmentationDeps } from './ports.js';
import { scoreCustomerAt } from './record.js';
import { shardWork, workColumns } from './work.js';

export type ProfileScores =
  | { kind: 'not_found' }
  | {
      kind: 'found';
      segment: string;
      segmentSince: string | null;
      previousSegment: string | null;
      analytics: Omit<CustomerAnalytics, 'segmentFrom'>;
      /** "document": the scores stored by the latest run; "recomputed": from the latest run's models. */
      source: 'document' | 'recomputed';
    };

/**
 * A customer's scores as of the latest completed run. A run rewrites a document only when something a
 * reader uses changed, so the stored scores may come from an earlier night; then they are recomputed
 * from the latest run's stored models, cut points and configuration over the customer's purchases up to
 * its asOf, by the same code pass 2 runs — the same record the run put into its snapshot (unless purchases
 * dated on or before that asOf were ingested or erased since). Costs: the document read, the latest-run
 * query and one single-partition purchase query.
 */
export async function profileScores(deps: SegmentationDeps, customerId: string): Promise<ProfileScores> {
  const found = await deps.customers.read(customerId);
  const stored = found?.stored;
  const parsed = CustomerAnalytics.safeParse(stored?.analytics);
  if (!stored || !parsed.success || stored.segment === undefined) return { kind: 'not_found' };
  const { segmentFrom: _from, ...storedScores } = parsed.data;
  const answer = (analytics: Omit<CustomerAnalytics, 'segmentFrom'>, source: 'document' | 'recomputed'): ProfileScores => ({
    kind: 'found',
    segment: stored.segment!,
    segmentSince: stored.segmentSince ?? null,
    previousSegment: stored.previousSegment ?? null,
    analytics,
    source,
  });
  const [latest] = await deps.runs.latestCompleted(1);
  if (!latest?.models || !latest.cutPoints || latest.runId === storedScores.runId || latest.asOf < storedScores.asOf) {
    return answer(storedScores, 'document');
  }
  const rows = await deps.purchases.forCustomer(customerId, occurredBefore(latest.asOf));
  const summary = summarize(rows, { asOf: latest.asOf, timeZone: latest.timeZone });
  if (!summary.ok || summary.summaries.length !== 1) return answer(storedScores, 'document');
  const currencies = rows.flatMap((r) => (r.currency ? [r.currency] : []));
  const work = shardWork(latest.runId, 0, latest.asOfDay, summary.summaries, currencies);
  const scored = scoreCustomerAt(work, workColumns(work), 0, new Scorer(latest.models, latest.cutPoints, latest.config), emptyFields(), {
    runId: latest.runId,
    asOf: latest.asOf,
    timeUnit: latest.timeUnit,
    currency: latest.currency ?? null,
    computedAt: deps.clock.now().toISOString(),
  });
  return answer(scored.analytics, 'recomputed');
}
