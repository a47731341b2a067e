import { parseDay, type AnalyticsConfig, type TimeUnit } from '../analytics/index.js';
import { DayClock } from '../analytics/days.js';
import { allShards, sendShards } from './fan-out.js';
import { defaultAsOf, randomRunId, scheduledRunId, type ShardPass } from './plan.js';
import type { SegmentationDeps } from './ports.js';
import { newRun, pendingShards, type SegmentRun, type TestFaults } from './run.js';

/**
 * Starting a run: create its document in `segment-runs` (status "summarizing") and fan out pass 1. A run id
 * that exists already resumes that run (its pending shards are re-sent) instead of starting a second one.
 */

export interface SegmentationSettings {
  timeZone: string;
  timeUnit: TimeUnit;
  shards: number;
  config: AnalyticsConfig;
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
  | { kind: 'failed_before'; run: SegmentRun }
  | { kind: 'invalid'; message: string };

export async function startRun(deps: SegmentationDeps, settings: SegmentationSettings, request: StartRequest): Promise<StartOutcome> {
  const now = deps.clock.now();
  const timeZone = settings.timeZone;
  const asOf = request.asOf ?? defaultAsOf(now, timeZone);
  const asOfDay = parseDay(asOf);
  if (asOfDay === undefined) return { kind: 'invalid', message: `asOf must be a calendar day YYYY-MM-DD, got ${asOf}` };
  const today = new DayClock(timeZone).dayOfMs(now.getTime());
  if (asOfDay > today) return { kind: 'invalid', message: `asOf ${asOf} lies in the future (today is day ${today} in ${timeZone})` };
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
      return { kind: 'invalid', message: `run ${runId} exists with asOf ${existing.asOf} (${existing.timeUnit}); choose another runId` };
    }
    switch (existing.status) {
      case 'completed':
        return { kind: 'already_completed', run: existing };
      case 'failed':
        return { kind: 'failed_before', run: existing };
      case 'summarizing':
      case 'scoring': {
        // A resume: re-send what has not reported. Duplicate detection drops what is still queued.
        const pass: ShardPass = existing.status === 'summarizing' ? 'summarize' : 'score';
        const pending = pendingShards(existing, pass);
        await sendShards(deps, existing.runId, pass, pending);
        return { kind: 'resumed', run: existing, resent: pending.length };
      }
    }
  }
  await sendShards(deps, runId, 'summarize', allShards(shards));
  return { kind: 'started', run };
}
