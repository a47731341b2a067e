import type { SegmentationDeps } from './ports.js';
import { currentPass, failRun, stalled } from './run.js';

/**
 * The runs' watchdog (segments-watchdog, every few minutes): a run in progress whose document has not
 * changed for `stallMinutes` — no shard reported, e.g. its messages were lost or are stuck — is marked failed
 * with the pass and the shards still pending, so it shows as failed instead of "scoring" forever. Its runId
 * can be re-triggered to resume it. Returns the runs it failed.
 */
export async function failStalledRuns(deps: SegmentationDeps, stallMinutes: number): Promise<string[]> {
  const now = deps.clock.now();
  const failed: string[] = [];
  for (const run of await deps.runs.inProgress()) {
    if (!stalled(run, now, stallMinutes)) continue;
    const changed = await deps.runs.update(run.runId, (current) => {
      if (!stalled(current, now, stallMinutes)) return { value: false };
      const { pass, pending } = currentPass(current);
      const text = `no progress for ${stallMinutes} minutes (SEGMENTS_STALL_MINUTES); pass ${pass}, shards still pending: ${pending.join(', ') || 'none (the pass did not move on)'}`;
      const next = failRun(current, { reason: 'stalled', pass, shards: pending }, text, now);
      return { next, value: next !== undefined ? text : false };
    });
    if (changed !== false) {
      failed.push(run.runId);
      deps.log(`segments: run ${run.runId} failed: ${changed}`);
    }
  }
  return failed;
}
