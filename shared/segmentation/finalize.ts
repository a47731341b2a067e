import { summaryPath } from './paths.js';
import type { SegmentationDeps } from './ports.js';
import { passComplete, scoreTotals, type SegmentRun } from './run.js';
import { snapshotSummary } from './view.js';

/**
 * After pass 2, on the shard that completed it: total the shards' results, write summary.json (its presence
 * marks the snapshot complete) and mark the run completed.
 */
export async function finalizeRun(deps: SegmentationDeps, runId: string): Promise<void> {
  const run = await deps.runs.get(runId);
  if (!run || run.status !== 'scoring' || !passComplete(run, 'score')) return;
  const now = deps.clock.now();
  const totals = scoreTotals(run);
  const completed: SegmentRun = { ...run, status: 'completed', completedAt: now.toISOString(), updatedAt: now.toISOString(), totals };
  await deps.blobs.put(summaryPath(runId), JSON.stringify(snapshotSummary(completed, now), null, 2), 'application/json');
  await deps.runs.update(runId, (current) =>
    current.status === 'scoring'
      ? { next: { ...current, status: 'completed', completedAt: completed.completedAt, updatedAt: completed.updatedAt, totals }, value: undefined }
      : { value: undefined },
  );
  deps.log(`segments: run ${runId} completed: ${totals.customers} customers, ${totals.events} segment changes`);
}
