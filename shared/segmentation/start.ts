import { parseDay, type AnalyticsConfig, type TimeUnit } from '../analytics/index.js';
import { DayClock } from '../analytics/days.js';
import { allShards, sendShards } from './fan-out.js';
import { finalizeRun } from './finalize.js';
import { fitRun } from './fit.js';
import { defaultAsOf, randomRunId, scheduledRunId } from './plan.js';
import type { SegmentationDeps } from './ports.js';
import { currentPass, newRun, resumeRun, type SegmentRun, type TestFaults } from './run.js';

/**
 * Starting a run: create its document in `segment-runs` (status "summarizing") and fan out pass 1. A run id
 * that exists already resumes that run (its pending shards are re-sent) instead of starting a second one.
 */

export interface SegmentationSettings {
  timeZone: string;
  timeUnit: TimeUnit;
  shards: number;
  config: AnalyticsConfig;
  /** A run in progress with no shard reporting for this long is failed by the watchdog. */
  stallMinutes: number;
}

export interface StartRequest {
  trigger: SegmentRun['trigger'];
  asOf?: string;
  timeUnit?: TimeUnit;
  runId?: string;
  shards?: number;
  testFaults?: TestFaults;
}

export type StartOutcome =
  | { kind: 'started'; run: SegmentRun }
  | { kind: 'resumed'; run: SegmentRun; resent: number }
  | { kind: 'already_completed'; run: SegmentRun }
  /** A request the run cannot take; `field` names the input at fault. */
  | { kind: 'invalid'; field: 'asOf'; message: string }
  /** The run id exists for another day or time unit. */
  | { kind: 'conflict'; message: string };

export async function startRun(deps: SegmentationDeps, settings: SegmentationSettings, request: StartRequest): Promise<StartOutcome> {
  const now = deps.clock.now();
  const timeZone = settings.timeZone;
  const asOf = request.asOf ?? defaultAsOf(now, timeZone);
  const asOfDay = parseDay(asOf);
  if (asOfDay === undefined) return { kind: 'invalid', field: 'asOf', message: `asOf must be a calendar day YYYY-MM-DD, got ${asOf}` };
  const today = new DayClock(timeZone).dayOfMs(now.getTime());
  if (asOfDay > today) return { kind: 'invalid', field: 'asOf', message: `asOf ${asOf} lies in the future (today is day ${today} in ${timeZone})` };
  const timeUnit = request.timeUnit ?? settings.timeUnit;
  const shards = request.shards ?? settings.shards;
  const config: AnalyticsConfig = { ...settings.config, timeZone, timeUnit };
  const runId =
    request.runId ??
    (request.trigger === 'schedule' ? scheduledRunId(asOf, { timeUnit, shards, config }) : randomRunId(asOf));
  const run = newRun(
    {
      runId,
      asOf,
      asOfDay,
      timeZone,
      timeUnit,
      shards,
      trigger: request.trigger,
      config,
      ...(request.testFaults && deps.allowTestFaults ? { testFaults: request.testFaults } : {}),
    },
    now,
  );
  const created = await deps.runs.create(run);
  if (!created.created) {
    const existing = created.run;
    if (existing.asOf !== asOf || existing.timeUnit !== timeUnit) {
      return { kind: 'conflict', message: `run ${runId} exists with asOf ${existing.asOf} (${existing.timeUnit}); choose another runId` };
    }
    switch (existing.status) {
      case 'completed':
        return { kind: 'already_completed', run: existing };
      case 'failed': {
        // Goes on where it stopped, with a new message generation (the old ids may still be in the
        // duplicate-detection window, or dead-lettered).
        const resumed = await deps.runs.update(runId, (current) =>
          current.status === 'failed' ? { next: resumeRun(current, now), value: resumeRun(current, now) } : { value: current },
        );
        if (resumed.status === 'completed') return { kind: 'already_completed', run: resumed };
        deps.log(`segments: run ${runId} resumed after failing (${existing.error ?? 'no error recorded'})`);
        return { kind: 'resumed', run: resumed, resent: await continueRun(deps, resumed) };
      }
      case 'summarizing':
      case 'scoring':
        // A resume: re-send what has not reported. Duplicate detection drops what is still queued.
        return { kind: 'resumed', run: existing, resent: await continueRun(deps, existing) };
    }
  }
  await sendShards(deps, run, 'summarize', allShards(shards));
  return { kind: 'started', run };
}

/**
 * Re-sends the pending shards of the run's pass; when none is pending, does what the last shard of the pass
 * would have done (fit, or finalize). Returns the number of messages sent.
 */
async function continueRun(deps: SegmentationDeps, run: SegmentRun): Promise<number> {
  const { pass, pending } = currentPass(run);
  if (pending.length > 0) {
    await sendShards(deps, run, pass, pending);
    return pending.length;
  }
  if (pass === 'summarize') await fitRun(deps, run.runId);
  else await finalizeRun(deps, run.runId);
  return 0;
}
