import { fromMinorUnits } from '../money.js';
import { snapshotColumns } from './csv.js';
import { partName, snapshotPrefix } from './paths.js';
import { shardRange } from './plan.js';
import { runProgress, runSeconds, scoreTotals, type SegmentRun } from './run.js';

/**
 * How a run is shown: the API (GET /api/segments, /api/segments/runs/{runId}) and the snapshot's
 * summary.json share `runFields`, so a field has one name wherever a user reads it.
 */
export function runFields(run: SegmentRun, now: Date) {
  const totals = run.totals ?? (Object.keys(run.score).length > 0 ? scoreTotals(run) : undefined);
  return {
    runId: run.runId,
    asOf: run.asOf,
    timeZone: run.timeZone,
    status: run.status,
    trigger: run.trigger,
    shards: run.shards,
    customers: totals?.customers ?? 0,
    segments: totals?.segments ?? {},
    models: run.models ? modelsView(run) : null,
    /** "from→to" counts of the customers whose segment changed in this run ("none→x": a first assignment). */
    movements: totals?.movements ?? {},
    /** Customers whose segment changed: one segment.changed event each. */
    segmentChanges: totals?.events ?? 0,
    /** Customer documents this run wrote (a segment, a band or stale scores changed), and those it left as they were. */
    customersWritten: totals?.written ?? 0,
    writeReasons: totals?.writeReasons ?? {},
    customersUnchanged: totals?.unchanged ?? 0,
    baselineRunId: run.baseline?.runId ?? null,
    /** Pass 1: purchases read, and customers whose summaries came unchanged from an earlier run (which: summariesFrom). */
    purchasesRead: Object.values(run.summarize).reduce((sum, r) => sum + r.purchases, 0),
    customersReused: Object.values(run.summarize).reduce((sum, r) => sum + r.reused, 0),
    summariesFrom: [...new Set(Object.values(run.summarize).flatMap((r) => (r.baselineRunId === null ? [] : [r.baselineRunId])))].sort(),
    cutPoints: run.cutPoints ?? null,
    currency: run.currency ?? null,
    createdAt: run.createdAt,
    fittedAt: run.fittedAt ?? null,
    completedAt: run.completedAt ?? null,
    runSeconds: Math.round(runSeconds(run, now) * 1000) / 1000,
    warnings: run.warnings,
    ...(run.error ? { error: run.error } : {}),
    ...(run.failure ? { failure: run.failure } : {}),
  };
}

/** A run as the API shows it, also while it runs. */
export function runView(run: SegmentRun, now: Date, snapshotContainer: string) {
  return {
    ...runFields(run, now),
    progress: runProgress(run),
    /** Shards that needed more than one delivery (a crash, a lost lock): what an operator looks at first. */
    retries: [
      ...Object.entries(run.summarize).map(([shard, r]) => ({ pass: 'summarize', shard: Number(shard), deliveryCount: r.deliveryCount })),
      ...Object.entries(run.score).map(([shard, r]) => ({ pass: 'score', shard: Number(shard), deliveryCount: r.deliveryCount })),
    ].filter((r) => r.deliveryCount > 1),
    snapshot: run.status === 'completed' ? { container: snapshotContainer, prefix: snapshotPrefix(run.runId) } : null,
  };
}

/** summary.json of a completed run's snapshot: the run's fields plus what a BI tool needs to read the parts. */
export function snapshotSummary(run: SegmentRun, now: Date) {
  return {
    ...runFields(run, now),
    rules: run.config.segments,
    columns: snapshotColumns,
    parts: Array.from({ length: run.shards }, (_, shard) => partName(shard)),
    shardResults: Array.from({ length: run.shards }, (_, shard) => ({
      ...shardRange(shard, run.shards),
      customers: run.score[String(shard)]?.customers ?? 0,
      purchases: run.summarize[String(shard)]?.purchases ?? 0,
      reused: run.summarize[String(shard)]?.reused ?? 0,
      summariesFrom: run.summarize[String(shard)]?.baselineRunId ?? null,
      summarizeSeconds: run.summarize[String(shard)]?.seconds ?? null,
      scoreSeconds: run.score[String(shard)]?.seconds ?? null,
    })),
  };
}

/** Models as the API shows them: γ in major units of the run's currency (minor units kept beside it). */
export function modelsView(run: SegmentRun) {
  const m = run.models!;
  const currency = run.currency ?? null;
  const factor = currency ? fromMinorUnits(1, currency) : 1;
  return {
    timeUnit: m.timeUnit,
    bgnbd: {
      r: m.bgnbd.r,
      alpha: m.bgnbd.alpha,
      a: m.bgnbd.a,
      b: m.bgnbd.b,
      logLikelihood: m.bgnbd.logLikelihood,
      customers: m.bgnbd.customers,
      origin: m.bgnbd.origin,
    },
    gammaGamma: {
      p: m.gammaGamma.p,
      q: m.gammaGamma.q,
      gamma: m.gammaGamma.gamma * factor,
      gammaMinor: m.gammaGamma.gamma,
      currency,
      logLikelihood: m.gammaGamma.logLikelihood,
      repeatBuyers: m.gammaGamma.repeatBuyers,
      origin: m.gammaGamma.origin,
    },
  };
}
