import { fitModels, mergeStats, rfmCutPoints, type PartialStats } from '../analytics/index.js';
import { allShards, sendShards } from './fan-out.js';
import { partialPath } from './paths.js';
import type { SegmentationDeps } from './ports.js';
import { failRun, passComplete, runCurrency } from './run.js';
import { secondsSince } from './summarize.js';

/**
 * Between the passes, on the shard that completed pass 1: merge the shards' partial statistics, fit BG/NBD
 * and Gamma-Gamma (falling back to the last good fit), store the models and RFM cut points on the run
 * (status "scoring") and fan out pass 2.
 */
export async function fitRun(deps: SegmentationDeps, runId: string): Promise<void> {
  const started = performance.now();
  const run = await deps.runs.get(runId);
  if (!run || run.status !== 'summarizing' || !passComplete(run, 'summarize')) return;
  let merged: PartialStats | undefined;
  for (let shard = 0; shard < run.shards; shard++) {
    const bytes = await deps.blobs.get(partialPath(runId, shard));
    if (!bytes) throw new Error(`run ${runId}: partial statistics of shard ${shard} are missing`);
    const partial = JSON.parse(bytes.toString('utf8')) as PartialStats;
    if (partial.version !== 1 || partial.asOfDay !== run.asOfDay) throw new Error(`run ${runId}: shard ${shard} partial does not match the run`);
    merged = merged === undefined ? partial : mergeStats(merged, partial);
  }
  const completed = (await deps.runs.latestCompleted(5)).filter((r) => r.runId !== runId);
  const previous = completed.find((r) => r.models !== undefined);
  // Pass 2 compares against what the latest completed run left on the documents; a backtest (asOf before
  // that run's) reads the documents instead, since it must see which customers a later run scored.
  const latest = completed[0];
  const baseline = latest !== undefined && latest.asOf <= run.asOf ? { runId: latest.runId, shards: latest.shards } : null;
  const fitted = fitModels(merged!, {
    timeUnit: run.timeUnit,
    minCustomers: run.config.fit.minCustomers,
    minRepeatBuyers: run.config.fit.minRepeatBuyers,
    ...(previous?.models ? { lastGoodFit: previous.models } : {}),
  });
  const now = deps.clock.now();
  if (!fitted.ok) {
    await deps.runs.update(runId, (current) => ({
      next: current.status === 'summarizing' ? failRun(current, { reason: 'no_model', pass: 'fit', shards: [] }, fitted.message, now) : undefined,
      value: undefined,
    }));
    deps.log(`segments: run ${runId} failed: ${fitted.message}`);
    return;
  }
  const cutPoints = rfmCutPoints(merged!);
  const currency = runCurrency(run);
  await deps.runs.update(runId, (current) => {
    if (current.status !== 'summarizing') return { value: undefined };
    return {
      next: {
        ...current,
        status: 'scoring',
        models: fitted.models,
        cutPoints,
        baseline,
        currency: currency.currency,
        warnings: [...current.warnings, ...fitted.warnings, ...(currency.warning ? [currency.warning] : [])],
        fittedAt: now.toISOString(),
        updatedAt: now.toISOString(),
      },
      value: undefined,
    };
  });
  deps.log(`segments: run ${runId} fitted on ${merged!.customers} customers in ${secondsSince(started)}s`);
  // Whoever got here sends the fan-out; a second sender's copies are dropped by duplicate detection.
  await sendShards(deps, run, 'score', allShards(run.shards));
}
