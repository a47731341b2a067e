import { app, type InvocationContext, type Timer } from '@azure/functions';
import { z } from 'zod';
import { TimeUnit } from '../shared/analytics/index.js';
import { runtime } from '../shared/runtime.js';
import { startRun } from '../shared/segmentation/start.js';
import { RunId } from '../shared/segmentation/plan.js';
import { TestFaults } from '../shared/segmentation/run.js';
import { segmentation, segmentationSettings } from '../shared/segmentation/services.js';

/**
 * What a run on demand may carry (POST /admin/functions/segments-compute {"input": "{...}"}); the host merges
 * these fields into the timer argument. A scheduled run has none of them.
 */
export const OnDemandInput = z.object({
  /** Last observed day, inclusive (retailer's calendar). Default: yesterday. */
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day YYYY-MM-DD').optional(),
  timeUnit: TimeUnit.optional(),
  /** Re-trigger a run: a completed run is not recomputed, an unfinished one resumes. */
  runId: RunId.optional(),
  shards: z.number().int().min(1).max(1024).optional(),
  /** Honoured only by the local host (tests); ignored in Azure. */
  testFaults: TestFaults.optional(),
});

/** Starts a segmentation run: creates it and fans the first pass out to the shard workers. */
export async function segmentsCompute(timer: Timer, context: InvocationContext): Promise<void> {
  const raw = timer as unknown as Record<string, unknown>;
  const onDemand = ['asOf', 'timeUnit', 'runId', 'shards', 'testFaults'].some((k) => raw[k] !== undefined);
  const input = OnDemandInput.safeParse(raw);
  if (!input.success) {
    const issue = input.error.issues[0];
    throw new Error(`segments-compute: invalid input at ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const { deps, settings } = segmentation(context);
  const outcome = await startRun(deps, settings, {
    trigger: onDemand ? 'on_demand' : 'schedule',
    ...Object.fromEntries(Object.entries(input.data).filter(([, v]) => v !== undefined)),
  });
  switch (outcome.kind) {
    case 'started':
      context.log(`segments: run ${outcome.run.runId} started (asOf ${outcome.run.asOf}, ${outcome.run.shards} shards, ${outcome.run.timeUnit})`);
      return;
    case 'resumed':
      context.log(`segments: run ${outcome.run.runId} resumed; re-sent ${outcome.resent} shard messages`);
      return;
    case 'already_completed':
      context.log(`segments: run ${outcome.run.runId} already completed at ${outcome.run.completedAt}; nothing to do`);
      return;
    case 'failed_before':
      context.warn(`segments: run ${outcome.run.runId} failed before (${outcome.run.error}); trigger a new run`);
      return;
    case 'invalid':
      throw new Error(`segments-compute: ${outcome.message}`);
    default: {
      const exhaustive: never = outcome;
      return exhaustive;
    }
  }
}

// A bad SEGMENTS_CONFIG stops startup with its path, not the first nightly run.
app.hook.appStart(() => {
  segmentationSettings(runtime());
});

// The Functions host resolves %SEGMENTS_SCHEDULE% from app settings (Bicep and local.settings.json set it;
// the local host falls back to the default in shared/settings.ts).
app.timer('segments-compute', {
  schedule: '%SEGMENTS_SCHEDULE%',
  handler: segmentsCompute,
});
