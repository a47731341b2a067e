import { rulesUse } from '../analytics/segments.js';
import { mapWithConcurrency } from '../concurrency.js';
import { queues } from '../resources.js';
import { inProcessCompute, sliceWork, type ScoreTask } from './compute.js';
import { csvRow, snapshotColumns } from './csv.js';
import { decideCustomer, movementKey, stateOf, type CustomerState } from './customer-update.js';
import { writeCustomer, type Basis } from './customer-writes.js';
import { segmentChangedMessage } from './events.js';
import { faultAt, TestFault } from './faults.js';
import { finalizeRun } from './finalize.js';
import { partPath, statePath, summariesPath } from './paths.js';
import { shardRange } from './plan.js';
import type { SegmentationDeps } from './ports.js';
import type { ScoredCustomer } from './record.js';
import { passComplete, recordShard, type RecordOutcome, type ScoreResult } from './run.js';
import { snapshotRow } from './snapshot-rows.js';
import { loadBaseline, stateFile } from './state.js';
import { secondsSince } from './summarize.js';
import { ShardWork } from './work.js';

const chunkSize = 100;
/** Customers scored ahead of the writes at a time (a multiple of chunkSize). */
const blockSize = 200 * chunkSize;

/**
 * Pass 2 of a shard: score and segment its customers from the summaries pass 1 kept, send `segment.changed`
 * for changes, write the results onto the customer documents, write the shard's CSV part and record the
 * result. The shard whose record completes the pass finalizes the run.
 */
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
  const context = { runId, asOf: run.asOf, timeUnit: run.timeUnit, currency: run.currency ?? null, computedAt: deps.clock.now().toISOString() };
  const fault = faultAt(deps, run, 'score', shard, deliveryCount);
  const concurrency = deps.concurrency ?? 16;
  const compute = deps.compute ?? inProcessCompute;
  const task: ScoreTask = { work, models, cutPoints, config: run.config, context };

  // With a baseline (the previous run's state files) the shard reads no customer document; without one
  // (first run, a backtest, a missing file) it reads each customer before deciding. Rules on what delivery
  // reports keep on the document (engagement) need the documents themselves, read before scoring: those
  // customers are scored chunk by chunk. All others are scored a block ahead of the writes, so that on a
  // worker pool the scoring of the next block overlaps the I/O of this one (and the first block the baseline
  // read); a block bounds what is held in memory.
  const needsDocuments = rulesUse(run.config.segments, ['engagementRate', 'couponRedemptionRate']);
  const n = work.customers.length;
  const scoreBlock = (from: number): Promise<ScoredCustomer[]> | undefined => {
    if (needsDocuments || from >= n) return undefined;
    const scoring = compute.score({ ...task, work: sliceWork(work, from, Math.min(n, from + blockSize)) });
    // Observed at once: a failure surfaces when the block is awaited, not as an unhandled rejection before.
    scoring.catch(() => undefined);
    return scoring;
  };
  let nextBlock = scoreBlock(0);
  let block: ScoredCustomer[] = [];
  const baseline = run.baseline && !needsDocuments ? await loadBaseline(deps, run.baseline, shardRange(shard, run.shards), run.shards) : undefined;

  const segments: Record<string, number> = {};
  const movements: Record<string, number> = {};
  let events = 0;
  let written = 0;
  const writeReasons: Record<string, number> = {};
  let unchanged = 0;
  let skippedNewer = 0;
  let skippedErased = 0;
  const csv: string[] = [csvRow(snapshotColumns)];
  const states: CustomerState[] = [];
  const chunks = Math.ceil(work.customers.length / chunkSize);

  for (let chunk = 0; chunk < chunks; chunk++) {
    const from = chunk * chunkSize;
    const ids = work.customers.slice(from, Math.min(work.customers.length, (chunk + 1) * chunkSize));
    const documents = baseline ? undefined : await mapWithConcurrency(ids, concurrency, (id) => deps.customers.read(id));
    if (!needsDocuments && from % blockSize === 0) {
      block = (await nextBlock)!;
      nextBlock = scoreBlock(from + blockSize);
    }
    const scored: ScoredCustomer[] = needsDocuments
      ? await compute.score({ ...task, work: sliceWork(work, from, from + ids.length), engagement: documents?.map((d) => d?.stored.engagement) })
      : block.slice(from % blockSize, (from % blockSize) + ids.length);
    for (const s of scored) segments[s.segment] = (segments[s.segment] ?? 0) + 1;

    const known: { state: CustomerState | undefined; basis: Basis }[] = baseline
      ? scored.map((s) => ({ state: baseline.get(s.customerId), basis: { kind: 'assumed' } }))
      : scored.map((s, k) => ({ state: stateOf(s.customerId, documents![k]?.stored), basis: { kind: 'read', etag: documents![k]?.etag } }));
    const decisions = scored.map((s, k) => decideCustomer(known[k]!.state, s, run, deps.writePolicy));
    // Events go out before the customers are stamped: a crash in between re-sends them on redelivery, where
    // duplicate detection (messageId = customer:run) drops the copies; stamped customers are skipped.
    const outgoing = scored.flatMap((s, k) => {
      const d = decisions[k]!;
      return d.kind === 'write' && d.changed ? [segmentChangedMessage(s, d, run)] : [];
    });
    if (outgoing.length > 0) await deps.bus.send(queues.customerEvents.name, outgoing);
    if (fault && chunk === Math.min(fault.afterChunk, chunks - 1)) {
      throw new TestFault(`test fault: score shard ${shard} after the events of chunk ${chunk}`);
    }

    const outcomes = await mapWithConcurrency(scored, concurrency, (s, k) => writeCustomer(deps, run, s, decisions[k]!, known[k]!.basis, known[k]!.state));
    scored.forEach((s, k) => {
      const outcome = outcomes[k]!;
      switch (outcome.kind) {
        case 'newer_exists':
          skippedNewer++;
          if (outcome.state) states.push(outcome.state);
          break;
        case 'erased':
          skippedErased++;
          break;
        case 'unchanged':
          unchanged++;
          states.push(outcome.state);
          break;
        case 'done': {
          written++;
          const decision = decisions[k]!;
          const reason = decision.kind === 'write' ? decision.reason : 'redelivered';
          writeReasons[reason] = (writeReasons[reason] ?? 0) + 1;
          states.push(outcome.state);
          // Counted from the outcome, not from sends: a redelivery finds earlier customers stamped.
          if (outcome.from !== s.segment) {
            events++;
            const key = movementKey(outcome.from, s.segment);
            movements[key] = (movements[key] ?? 0) + 1;
          }
          break;
        }
      }
      csv.push(csvRow(snapshotRow(s, outcome.kind === 'done' || outcome.kind === 'unchanged' ? outcome : undefined)));
    });
  }

  await deps.blobs.put(statePath(runId, shard), stateFile(runId, shard, states), 'application/json');
  const part = partPath(runId, shard);
  await deps.blobs.put(part, csv.join(''), 'text/csv; charset=utf-8');
  const result: ScoreResult = {
    customers: work.customers.length,
    segments,
    movements,
    events,
    written,
    writeReasons,
    unchanged,
    baseline: baseline !== undefined,
    skippedNewer,
    skippedErased,
    part,
    seconds: secondsSince(started),
    deliveryCount,
    finishedAt: deps.clock.now().toISOString(),
  };
  const outcome = await deps.runs.update<RecordOutcome>(runId, (current) => {
    const o = recordShard(current, 'score', shard, result, deps.clock.now());
    return o.kind === 'recorded' ? { next: o.run, value: o } : { value: o };
  });
  if (outcome.kind !== 'wrong_status' && outcome.complete) await finalizeRun(deps, runId);
}
