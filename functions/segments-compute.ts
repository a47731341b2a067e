import { app, type InvocationContext, type Timer } from '@azure/functions';
import { z } from 'zod';
import { runtime } from '../shared/runtime.js';
import { logger } from '../shared/log.js';
import { startRun } from '../shared/segmentation/start.js';
import { RunRequest } from '../shared/segmentation/api.js';
import { segmentation, segmentationSettings } from '../shared/segmentation/services.js';

/** Starts a segmentation run: creates it and fans the first pass out to the shard workers. */
export async function segmentsCompute(timer: Timer, context: InvocationContext): Promise<void> {
  const raw = timer as unknown as Record<string, unknown>;
  const onDemand = Object.keys(RunRequest.shape).some((k) => raw[k] !== undefined);
  // The timer's own fields (isPastDue, schedule, …) sit beside the request's: not strict here.
  const input = z.object(RunRequest.shape).safeParse(raw);
  if (!input.success) {
    const issue = input.error.issues[0];
    throw new Error(`segments-compute: invalid input at ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const { deps, settings } = segmentation(context);
  const outcome = await startRun(deps, settings, {
    trigger: onDemand ? 'on_demand' : 'schedule',
    ...Object.fromEntries(Object.entries(input.data).filter(([, v]) => v !== undefined)),
  });
  const log = logger(context, { trigger: onDemand ? 'on_demand' : 'schedule' });
  switch (outcome.kind) {
    case 'started':
      log.info('segments.run_started', { runId: outcome.run.runId, detail: `segments: run ${outcome.run.runId} started (asOf ${outcome.run.asOf}, ${outcome.run.shards} shards, ${outcome.run.timeUnit})` });
      return;
    case 'resumed':
      log.info('segments.run_resumed', { runId: outcome.run.runId, resent: outcome.resent, detail: `segments: run ${outcome.run.runId} resumed; re-sent ${outcome.resent} shard messages` });
      return;
    case 'already_completed':
      log.info('segments.run_already_completed', { runId: outcome.run.runId, detail: `segments: run ${outcome.run.runId} already completed at ${outcome.run.completedAt}; nothing to do` });
      return;
    case 'invalid':
    case 'conflict':
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
