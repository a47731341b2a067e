import { modelsView } from './orchestrator.js';
import { runProgress, runSeconds, scoreTotals, type SegmentRun } from './run.js';

/** A run as GET /api/segments and /api/segments/runs/{runId} show it. */
export function runView(run: SegmentRun, now: Date, snapshotContainer: string) {
  const totals = run.totals ?? (Object.keys(run.score).length > 0 ? scoreTotals(run) : undefined);
  return {
    runId: run.runId,
    asOf: run.asOf,
    timeZone: run.timeZone,
    status: run.status,
    trigger: run.trigger,
    customers: totals?.customers ?? 0,
    segments: totals?.segments ?? {},
    models: run.models ? modelsView(run) : null,
    movements: totals?.movements ?? {},
    segmentChanges: totals?.events ?? 0,
    cutPoints: run.cutPoints ?? null,
    progress: runProgress(run),
    shards: run.shards,
    createdAt: run.createdAt,
    fittedAt: run.fittedAt ?? null,
    completedAt: run.completedAt ?? null,
    runSeconds: Math.round(runSeconds(run, now) * 1000) / 1000,
    /** Shards that needed more than one delivery (a crash, a lost lock): what an operator looks at first. */
    retries: [
      ...Object.entries(run.summarize).map(([shard, r]) => ({ pass: 'summarize', shard: Number(shard), deliveryCount: r.deliveryCount })),
      ...Object.entries(run.score).map(([shard, r]) => ({ pass: 'score', shard: Number(shard), deliveryCount: r.deliveryCount })),
    ].filter((r) => r.deliveryCount > 1),
    warnings: run.warnings,
    ...(run.error ? { error: run.error } : {}),
    snapshot: run.status === 'completed' ? { container: snapshotContainer, prefix: `segments/${run.runId}/` } : null,
  };
}
