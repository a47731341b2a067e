import { z } from 'zod';
import { customerBucket } from '../purchases/ingest.js';
import { CustomerState } from './customer-update.js';
import { statePath } from './paths.js';
import { planShards, type ShardRange } from './plan.js';
import type { SegmentationDeps } from './ports.js';

/**
 * A shard's customer state file: for every customer the run scored, what their document holds once the run
 * is done (written, left unchanged, or left alone as scored by a later run). The next run reads these files
 * instead of reading every customer document: it only touches the documents it has to rewrite, with a
 * conditional patch that fails when a document no longer matches the state it assumed (then it reads).
 * Columnar JSON, since a file holds tens of thousands of customers.
 */
const stateColumns = [
  z.string(), // customerId
  z.string(), // runId of the stored scores
  z.string(), // asOf of the stored scores
  z.string().nullable(), // segmentFrom
  z.string(), // segment
  z.string(), // segmentSince
  z.string().nullable(), // previousSegment
  CustomerState.shape.churnBand,
  z.number(), // clvBand
  z.string().nullable(), // topCategory
] as const;

/** Version 2 added the P(alive) band; a version 1 file (an earlier run's) is still read, without it. */
const StateFile = z.discriminatedUnion('version', [
  z.object({ version: z.literal(1), runId: z.string(), shard: z.number().int(), customers: z.array(z.tuple(stateColumns)) }),
  z.object({ version: z.literal(2), runId: z.string(), shard: z.number().int(), customers: z.array(z.tuple([...stateColumns, z.number().int().nullable()])) }), // + pAliveBand
]);

export function stateFile(runId: string, shard: number, states: readonly CustomerState[]): string {
  return JSON.stringify({
    version: 2,
    runId,
    shard,
    customers: states.map((s) => [s.customerId, s.runId, s.asOf, s.segmentFrom, s.segment, s.segmentSince, s.previousSegment, s.churnBand, s.clvBand, s.topCategory, s.pAliveBand]),
  } satisfies z.input<typeof StateFile>);
}

/** The previous run's shards whose bucket ranges overlap `range` (the shard counts may differ). */
export function overlappingShards(range: ShardRange, previousShards: number): number[] {
  return planShards(previousShards)
    .filter((r) => r.lo < range.hi && range.lo < r.hi)
    .map((r) => r.shard);
}

/**
 * The state of this shard's customers as the baseline run left them, or undefined when a state file is
 * missing (then the shard reads documents instead).
 */
export async function loadBaseline(
  deps: SegmentationDeps,
  baseline: { runId: string; shards: number },
  range: ShardRange,
  shards: number,
): Promise<Map<string, CustomerState> | undefined> {
  const sameShards = baseline.shards === shards;
  const states = new Map<string, CustomerState>();
  for (const shard of overlappingShards(range, baseline.shards)) {
    const bytes = await deps.blobs.get(statePath(baseline.runId, shard));
    if (!bytes) return undefined;
    const raw = JSON.parse(bytes.toString('utf8')) as { version?: unknown };
    if (raw.version !== 1 && raw.version !== 2) {
      // Written by a newer version of winback (then rolled back): compare with the documents instead.
      deps.log(`segments: state file ${statePath(baseline.runId, shard)} has version ${JSON.stringify(raw.version)}, which this version cannot read; reading customer documents instead`);
      return undefined;
    }
    const file = StateFile.parse(raw);
    const rows = file.version === 2 ? file.customers : file.customers.map((row) => [...row, null] as const);
    for (const [customerId, runId, asOf, segmentFrom, segment, segmentSince, previousSegment, churnBand, clvBand, topCategory, pAliveBand] of rows) {
      if (!sameShards) {
        const bucket = customerBucket(customerId);
        if (bucket < range.lo || bucket >= range.hi) continue;
      }
      states.set(customerId, { customerId, runId, asOf, segmentFrom, segment, segmentSince, previousSegment, churnBand, pAliveBand, clvBand, topCategory });
    }
  }
  return states;
}
