import {
  emptyFields,
  fitModels,
  mergeStats,
  parseDay,
  partialStats,
  PurchaseRecord,
  rfmCutPoints,
  Scorer,
  summarize,
  type AnalyticsConfig,
  type PartialStats,
  type TimeUnit,
} from '../analytics/index.js';
import { DayClock, formatDay as formatDayOf } from '../analytics/days.js';
import { fromMinorUnits } from '../money.js';
import { queues } from '../resources.js';
import { csvRow, round6, snapshotColumns, type CsvValue } from './csv.js';
import { decideCustomerUpdate, movementKey, type CustomerAnalytics, type CustomerDecision } from './customer-update.js';
import {
  defaultAsOf,
  occurredBefore,
  randomRunId,
  scheduledRunId,
  segmentEventMessageId as segmentEventId,
  shardMessageId,
  shardRange,
  type ShardMessage,
  type ShardPass,
} from './plan.js';
import type { SegmentationDeps, SegmentationWrite } from './ports.js';
import {
  newRun,
  passComplete,
  pendingShards,
  recordShard,
  runCurrency,
  runSeconds,
  scoreTotals,
  type RecordOutcome,
  type ScoreResult,
  type SegmentRun,
  type SummarizeResult,
  type TestFaults,
} from './run.js';
import { ShardWork, shardWork, workColumns } from './work.js';

/**
 * A segmentation run, in two passes over customer shards (bucket ranges of the purchases container):
 *  1. summarize: each shard builds its customers' summaries (kept in Blob) and mergeable statistics;
 *  2. the shard that completes pass 1 (unique, by the run document's ETag) merges the statistics, fits the
 *     models, stores them with the RFM cut points on the run and fans out pass 2;
 *  3. score: each shard scores and segments its customers, sends `segment.changed` for changes and writes
 *     the results onto the customer documents; the shard that completes pass 2 writes `summary.json`.
 * Every step is idempotent (deterministic ids and blob paths, ETag-guarded run updates, customers stamped
 * with the run id, events with deterministic message ids), so a redelivered shard message redoes its work.
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

export const summariesPath = (runId: string, shard: number) => `segment-work/${runId}/summaries-${pad(shard)}.json`;
export const partialPath = (runId: string, shard: number) => `segment-work/${runId}/partial-${pad(shard)}.json`;
export const partPath = (runId: string, shard: number) => `segments/${runId}/part-${pad(shard)}.csv`;
export const summaryPath = (runId: string) => `segments/${runId}/summary.json`;
const pad = (n: number) => String(n).padStart(4, '0');

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
  await sendShards(
    deps,
    runId,
    'summarize',
    Array.from({ length: shards }, (_, i) => i),
  );
  return { kind: 'started', run };
}

async function sendShards(deps: SegmentationDeps, runId: string, kind: ShardPass, shards: number[]): Promise<void> {
  const messages = shards.map((shard) => {
    const body: ShardMessage = { kind, runId, shard };
    return { messageId: shardMessageId(body), body, subject: `segments.${kind}` };
  });
  for (let i = 0; i < messages.length; i += 100) await deps.bus.send(queues.segmentShards.name, messages.slice(i, i + 100));
}

class TestFault extends Error {
  override readonly name = 'TestFault';
}

function faultAt(deps: SegmentationDeps, run: SegmentRun, pass: ShardPass, shard: number, deliveryCount: number): TestFaults | undefined {
  const f = run.testFaults;
  if (!deps.allowTestFaults || f === undefined || deliveryCount !== 1) return undefined;
  return f.pass === pass && f.shard === shard ? f : undefined;
}

/** Entry point of the shard worker. */
export async function handleShardMessage(deps: SegmentationDeps, message: ShardMessage, deliveryCount: number): Promise<void> {
  switch (message.kind) {
    case 'summarize':
      return summarizeShard(deps, message.runId, message.shard, deliveryCount);
    case 'score':
      return scoreShard(deps, message.runId, message.shard, deliveryCount);
  }
}

// ------------------------------------------------------------------ pass 1

export async function summarizeShard(deps: SegmentationDeps, runId: string, shard: number, deliveryCount: number): Promise<void> {
  const started = performance.now();
  const run = await deps.runs.get(runId);
  if (!run) return deps.log(`segments: run ${runId} not found; dropping summarize ${shard}`);
  if (run.status === 'failed' || run.status === 'completed') return;
  if (run.status === 'scoring') {
    // Pass 1 is over. A redelivery may come from the shard that fitted and then crashed before the fan-out.
    if (deliveryCount > 1) await sendShards(deps, runId, 'score', pendingShards(run, 'score'));
    return;
  }
  if (shard >= run.shards) return deps.log(`segments: run ${runId} has ${run.shards} shards; dropping summarize ${shard}`);

  if (!Object.hasOwn(run.summarize, String(shard))) {
    const range = shardRange(shard, run.shards);
    const rows: PurchaseRecordInput[] = [];
    const currencies = new Set<string>();
    for await (const page of deps.purchases.scan(range, occurredBefore(run.asOf))) {
      for (const row of page) {
        rows.push(row);
        if (row.currency) currencies.add(row.currency);
      }
    }
    const summary = summarize(rows, { asOf: run.asOf, timeZone: run.timeZone });
    if (!summary.ok) throw new Error(`summarize shard ${shard}: ${summary.message}`);
    const work = shardWork(runId, shard, run.asOfDay, summary.summaries, currencies);
    const partial = partialStats(workColumns(work));
    await deps.blobs.put(summariesPath(runId, shard), JSON.stringify(work), 'application/json');
    await deps.blobs.put(partialPath(runId, shard), JSON.stringify(partial), 'application/json');
    if (faultAt(deps, run, 'summarize', shard, deliveryCount)) throw new TestFault(`test fault: summarize shard ${shard}`);
    const result: SummarizeResult = {
      customers: work.customers.length,
      purchases: rows.length,
      skipped: summary.skipped,
      currencies: work.currencies,
      seconds: round3((performance.now() - started) / 1000),
      deliveryCount,
      finishedAt: deps.clock.now().toISOString(),
    };
    const outcome = await deps.runs.update<RecordOutcome>(runId, (current) => {
      const o = recordShard(current, 'summarize', shard, result, deps.clock.now());
      return o.kind === 'recorded' ? { next: o.run, value: o } : { value: o };
    });
    if (outcome.kind === 'wrong_status' || !outcome.complete) return;
  } else if (!passComplete(run, 'summarize')) {
    return;
  }
  await fitRun(deps, runId);
}

type PurchaseRecordInput = Parameters<typeof PurchaseRecord.parse>[0];

/** Merges the partials, fits the models, stores them with the cut points and fans out pass 2. */
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
  const previous = (await deps.runs.latestCompleted(5)).find((r) => r.models !== undefined && r.runId !== runId);
  const fitted = fitModels(merged!, {
    timeUnit: run.timeUnit,
    minCustomers: run.config.fit.minCustomers,
    minRepeatBuyers: run.config.fit.minRepeatBuyers,
    ...(previous?.models ? { lastGoodFit: previous.models } : {}),
  });
  const now = deps.clock.now();
  if (!fitted.ok) {
    await deps.runs.update(runId, (current) =>
      current.status === 'summarizing'
        ? { next: { ...current, status: 'failed', error: fitted.message, updatedAt: now.toISOString() }, value: undefined }
        : { value: undefined },
    );
    deps.log(`segments: run ${runId} failed: ${fitted.message}`);
    return;
  }
  const cutPoints = rfmCutPoints(merged!);
  const currency = runCurrency(run);
  const fitSeconds = round3((performance.now() - started) / 1000);
  await deps.runs.update(runId, (current) => {
    if (current.status !== 'summarizing') return { value: undefined };
    return {
      next: {
        ...current,
        status: 'scoring',
        models: fitted.models,
        cutPoints,
        currency: currency.currency,
        warnings: [...current.warnings, ...fitted.warnings, ...(currency.warning ? [currency.warning] : [])],
        fittedAt: now.toISOString(),
        updatedAt: now.toISOString(),
      },
      value: undefined,
    };
  });
  deps.log(`segments: run ${runId} fitted on ${merged!.customers} customers in ${fitSeconds}s`);
  // Whoever got here sends the fan-out; a second sender's copies are dropped by duplicate detection.
  await sendShards(
    deps,
    runId,
    'score',
    Array.from({ length: run.shards }, (_, i) => i),
  );
}

// ------------------------------------------------------------------ pass 2

const chunkSize = 100;

interface Scored {
  customerId: string;
  segment: string;
  analytics: Omit<CustomerAnalytics, 'segmentFrom'>;
}

export async function scoreShard(deps: SegmentationDeps, runId: string, shard: number, deliveryCount: number): Promise<void> {
  const started = performance.now();
  const run = await deps.runs.get(runId);
  if (!run) return deps.log(`segments: run ${runId} not found; dropping score ${shard}`);
  if (run.status !== 'scoring') return;
  if (Object.hasOwn(run.score, String(shard))) {
    if (passComplete(run, 'score')) await finalizeRun(deps, runId);
    return;
  }
  const { models, cutPoints } = run;
  if (!models || !cutPoints) throw new Error(`run ${runId} is scoring without models`);
  const bytes = await deps.blobs.get(summariesPath(runId, shard));
  if (!bytes) throw new Error(`run ${runId}: summaries of shard ${shard} are missing`);
  const work = ShardWork.parse(JSON.parse(bytes.toString('utf8')));
  const columns = workColumns(work);
  const scorer = new Scorer(models, cutPoints, run.config);
  const currency = run.currency ?? null;
  const computedAt = deps.clock.now().toISOString();
  const fault = faultAt(deps, run, 'score', shard, deliveryCount);

  const segments: Record<string, number> = {};
  const movements: Record<string, number> = {};
  let events = 0;
  let written = 0;
  let skippedNewer = 0;
  let skippedErased = 0;
  const csv: string[] = [csvRow(snapshotColumns)];
  const f = emptyFields();
  const chunks = Math.ceil(work.customers.length / chunkSize);

  for (let chunk = 0; chunk < chunks; chunk++) {
    const scored: Scored[] = [];
    // The stored documents are read before scoring: rules may use what delivery reports put on the customer
    // (engagement), and the write decision below needs them anyway.
    const from = chunk * chunkSize;
    const stored = await mapLimit(work.customers.slice(from, Math.min(work.customers.length, (chunk + 1) * chunkSize)), deps.concurrency ?? 16, (id) => deps.customers.read(id));
    for (let i = from; i < Math.min(work.customers.length, (chunk + 1) * chunkSize); i++) {
      const engagement = stored[i - from]?.stored.engagement;
      const first = columns.firstDay[i]!;
      const last = columns.lastDay[i]!;
      const x = columns.purchaseDays[i]! - 1;
      const index = scorer.evaluate(
        {
          x,
          txDays: last - first,
          TDays: columns.asOfDay - first,
          repeatSpendMinor: columns.repeatSpendMinor[i]!,
          totalSpendMinor: columns.totalSpendMinor[i]!,
          medianGapDays: columns.medianGapDays[i]!,
          orders: columns.orders[i]!,
          couponOrders: columns.couponOrders[i]!,
          engagementRate: engagement?.engagementRate ?? null,
          couponRedemptionRate: engagement?.couponRedemptionRate ?? null,
        },
        f,
      );
      const segment = scorer.segmentNames[index]!;
      const rfm = { recency: f.recencyScore!, frequency: f.frequencyScore!, monetary: f.monetaryScore! };
      scored.push({
        customerId: work.customers[i]!,
        segment,
        analytics: {
          runId,
          asOf: run.asOf,
          computedAt,
          timeUnit: run.timeUnit,
          firstPurchaseDay: formatDayOf(first),
          lastPurchaseDay: formatDayOf(last),
          purchaseDays: x + 1,
          x,
          txDays: last - first,
          TDays: columns.asOfDay - first,
          daysSinceLastPurchase: columns.asOfDay - last,
          totalSpendMinor: Math.round(columns.totalSpendMinor[i]!),
          repeatAovMinor: x > 0 ? columns.repeatSpendMinor[i]! / x : null,
          typicalIntervalDays: f.typicalIntervalDays,
          couponUsageRate: f.couponUsageRate!,
          topCategory: work.topCategory[i] ?? null,
          currency,
          rfm: { ...rfm, code: `${rfm.recency}${rfm.frequency}${rfm.monetary}` },
          pAlive: f.pAlive!,
          expectedPurchases90d: f.expectedPurchases90d!,
          expectedAovMinor: f.expectedAovMinor!,
          clv12mMinor: f.clv12mMinor!,
          churnRisk: { ...scorer.lastChurn },
        },
      });
      segments[segment] = (segments[segment] ?? 0) + 1;
    }

    const decisions = scored.map((s, k) => {
      const found = stored[k];
      return { found, decision: decideCustomerUpdate(found?.stored, run, s.segment) };
    });
    // Events go out before the customers are stamped: a crash in between re-sends them on redelivery, where
    // duplicate detection (messageId = customer:run) drops the copies; stamped customers are skipped.
    const outgoing = scored.flatMap((s, k) => {
      const d = decisions[k]!.decision;
      return d.kind === 'write' && d.changed ? [segmentChangedMessage(s, d, run, currency)] : [];
    });
    if (outgoing.length > 0) await deps.bus.send(queues.customerEvents.name, outgoing);
    if (fault && chunk === Math.min(fault.afterChunk, chunks - 1)) {
      throw new TestFault(`test fault: score shard ${shard} after the events of chunk ${chunk}`);
    }

    const outcomes = await mapLimit(scored, deps.concurrency ?? 16, async (s, k) => {
      const { found, decision } = decisions[k]!;
      return writeCustomer(deps, run, s, decision, found?.etag, currency);
    });
    scored.forEach((s, k) => {
      const outcome = outcomes[k]!;
      switch (outcome.kind) {
        case 'newer_exists':
          skippedNewer++;
          break;
        case 'erased':
          skippedErased++;
          break;
        case 'done':
          written++;
          // Counted from the outcome, not from sends: a redelivery finds earlier customers stamped.
          if (outcome.from !== s.segment) {
            events++;
            movementsAdd(movements, movementKey(outcome.from, s.segment));
          }
          break;
      }
      csv.push(csvRow(csvValues(s, outcome.kind === 'done' ? outcome : undefined, run, currency)));
    });
  }

  const part = partPath(runId, shard);
  await deps.blobs.put(part, csv.join(''), 'text/csv; charset=utf-8');
  const result: ScoreResult = {
    customers: work.customers.length,
    segments,
    movements,
    events,
    written,
    skippedNewer,
    skippedErased,
    part,
    seconds: round3((performance.now() - started) / 1000),
    deliveryCount,
    finishedAt: deps.clock.now().toISOString(),
  };
  const outcome = await deps.runs.update<RecordOutcome>(runId, (current) => {
    const o = recordShard(current, 'score', shard, result, deps.clock.now());
    return o.kind === 'recorded' ? { next: o.run, value: o } : { value: o };
  });
  if (outcome.kind !== 'wrong_status' && outcome.complete) await finalizeRun(deps, runId);
}

function movementsAdd(movements: Record<string, number>, key: string): void {
  movements[key] = (movements[key] ?? 0) + 1;
}

type WriteResult =
  | { kind: 'done'; from: string | null; previousSegment: string | null; segmentSince: string }
  | { kind: 'newer_exists' }
  | { kind: 'erased' };

/** Writes one customer, re-deciding after a concurrent change (a profile PUT between our read and write). */
async function writeCustomer(
  deps: SegmentationDeps,
  run: SegmentRun,
  s: Scored,
  first: CustomerDecision,
  firstEtag: string | undefined,
  currency: string | null,
): Promise<WriteResult> {
  let decision = first;
  let etag = firstEtag;
  for (let attempt = 0; attempt < 8; attempt++) {
    switch (decision.kind) {
      case 'newer_exists':
        return { kind: 'newer_exists' };
      case 'already_done':
        // Stamped by an earlier delivery, whose event (if any) went out before the stamp.
        return { kind: 'done', from: decision.from, previousSegment: decision.changed ? decision.from : null, segmentSince: run.asOf };
      case 'write': {
        const write: SegmentationWrite = {
          analytics: { ...s.analytics, segmentFrom: decision.from },
          segment: s.segment,
          segmentSince: decision.segmentSince,
          previousSegment: decision.previousSegment,
        };
        let outcome;
        if (etag === undefined) {
          if (await deps.customers.isErased(s.customerId)) return { kind: 'erased' };
          outcome = await deps.customers.createAnalyticsOnly(s.customerId, write);
        } else {
          outcome = await deps.customers.update(s.customerId, etag, write);
        }
        if (outcome === 'written') {
          return { kind: 'done', from: decision.from, previousSegment: decision.previousSegment, segmentSince: decision.segmentSince };
        }
        const found = await deps.customers.read(s.customerId);
        etag = found?.etag;
        const next = decideCustomerUpdate(found?.stored, run, s.segment);
        if (next.kind === 'write' && next.changed && !(decision.changed && decision.from === next.from)) {
          // The customer changed under us in a way that changes the event; send the corrected one (same id:
          // if the first copy is still in the duplicate window, it wins — both name the same run and target).
          await deps.bus.send(queues.customerEvents.name, [segmentChangedMessage(s, next, run, currency)]);
        }
        decision = next;
        break;
      }
    }
  }
  throw Object.assign(new Error(`too much contention on customer ${s.customerId}`), { code: 503 });
}

function segmentChangedMessage(s: Scored, d: { from: string | null; to: string }, run: SegmentRun, currency: string | null) {
  const a = s.analytics;
  return {
    messageId: segmentEventId(s.customerId, run.runId),
    subject: 'segment.changed',
    body: {
      type: 'segment.changed',
      customerId: s.customerId,
      runId: run.runId,
      asOf: run.asOf,
      from: d.from,
      to: d.to,
      segmentSince: run.asOf,
      scores: {
        rfm: a.rfm.code,
        pAlive: round6(a.pAlive),
        expectedPurchases90d: round6(a.expectedPurchases90d),
        expectedAovMinor: a.expectedAovMinor,
        clv12mMinor: a.clv12mMinor,
        daysSinceLastPurchase: a.daysSinceLastPurchase,
        churnRisk: a.churnRisk.atRisk,
        currency,
      },
    },
  };
}


function csvValues(
  s: Scored,
  done: { from: string | null; previousSegment: string | null } | undefined,
  run: SegmentRun,
  currency: string | null,
): CsvValue[] {
  const a = s.analytics;
  const money = (minor: number) => (currency ? fromMinorUnits(Math.round(minor), currency) : Math.round(minor));
  const from = done?.from ?? null;
  return [
    s.customerId,
    s.segment,
    done === undefined ? null : from,
    done === undefined ? null : from !== s.segment,
    a.rfm.recency,
    a.rfm.frequency,
    a.rfm.monetary,
    a.rfm.code,
    a.x,
    a.txDays,
    a.TDays,
    a.daysSinceLastPurchase,
    a.purchaseDays,
    money(a.totalSpendMinor),
    round6(a.pAlive),
    round6(a.expectedPurchases90d),
    money(a.expectedAovMinor),
    money(a.clv12mMinor),
    currency,
    a.churnRisk.atRisk,
    a.churnRisk.lowPAlive,
    a.churnRisk.overdue,
    round6(a.churnRisk.overdueAfterDays),
    a.typicalIntervalDays,
    round6(a.couponUsageRate),
    a.topCategory,
  ];
}

// ------------------------------------------------------------------ completion

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

export function snapshotSummary(run: SegmentRun, now: Date) {
  const shards = Array.from({ length: run.shards }, (_, shard) => ({
    ...shardRange(shard, run.shards),
    customers: run.score[String(shard)]?.customers ?? 0,
    purchases: run.summarize[String(shard)]?.purchases ?? 0,
    summarizeSeconds: run.summarize[String(shard)]?.seconds ?? null,
    scoreSeconds: run.score[String(shard)]?.seconds ?? null,
  }));
  return {
    runId: run.runId,
    asOf: run.asOf,
    timeZone: run.timeZone,
    status: run.status,
    trigger: run.trigger,
    customers: run.totals?.customers ?? 0,
    segments: run.totals?.segments ?? {},
    movements: run.totals?.movements ?? {},
    events: run.totals?.events ?? 0,
    models: run.models ? modelsView(run) : null,
    cutPoints: run.cutPoints ?? null,
    currency: run.currency ?? null,
    warnings: run.warnings,
    startedAt: run.createdAt,
    fittedAt: run.fittedAt ?? null,
    completedAt: run.completedAt ?? null,
    runSeconds: round3(runSeconds(run, now)),
    rules: run.config.segments,
    columns: snapshotColumns,
    parts: shards.map((s) => `part-${pad(s.shard)}.csv`),
    shards,
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

// ------------------------------------------------------------------ helpers

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
