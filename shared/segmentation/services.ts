import { availableParallelism } from 'node:os';
import type { InvocationContext } from '@azure/functions';
import { lineLog, type LogFields } from '../log.js';
import { AnalyticsConfig } from '../analytics/index.js';
import { containers } from '../resources.js';
import { runtime, type Runtime } from '../runtime.js';
import { inProcessCompute, type ShardCompute } from './compute.js';
import { PooledCompute } from './compute-pool.js';
import { CosmosCustomerSegmentationStore, CosmosIdentityChanges, CosmosPurchaseSource, CosmosRunRepository } from './cosmos.js';
import type { SegmentationSettings } from './start.js';
import type { SegmentationDeps } from './ports.js';

/**
 * The analytics configuration from SEGMENTS_CONFIG (JSON, any subset of AnalyticsConfig), on top of the
 * defaults; the time zone and unit come from their own settings. Throws with the offending path.
 */
export function segmentationSettings(rt: Runtime): SegmentationSettings {
  const overrides: unknown = rt.settings.segmentsConfig ? JSON.parse(rt.settings.segmentsConfig) : {};
  const parsed = AnalyticsConfig.safeParse({
    ...(overrides as object),
    timeZone: rt.settings.retailerTimeZone,
    timeUnit: rt.settings.segmentsTimeUnit,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`SEGMENTS_CONFIG: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return {
    timeZone: rt.settings.retailerTimeZone,
    timeUnit: rt.settings.segmentsTimeUnit,
    shards: rt.settings.segmentsShards,
    config: parsed.data,
    stallMinutes: rt.settings.segmentsStallMinutes,
  };
}

/**
 * Where a shard's CPU-bound work runs: SEGMENTS_WORKER_THREADS threads, by default as many as the instance
 * has cores; one thread is in-process (a pool of one would only add copying).
 */
export function shardCompute(configured: number | undefined, cores = availableParallelism()): ShardCompute {
  const threads = configured ?? cores;
  return threads > 1 ? new PooledCompute({ threads }) : inProcessCompute;
}

let cached: { runtime: Runtime; settings: SegmentationSettings; runs: CosmosRunRepository; base: Omit<SegmentationDeps, 'log'> } | undefined;

function build() {
  const rt = runtime();
  if (cached?.runtime === rt) return cached;
  // A new runtime (tests reconfigure it) gets its own pool; the old one's threads are stopped.
  if (cached?.base.compute instanceof PooledCompute) void cached.base.compute.close();
  const runs = new CosmosRunRepository(rt.container(containers.segmentRuns.name));
  cached = {
    runtime: rt,
    settings: segmentationSettings(rt),
    runs,
    base: {
      runs,
      purchases: new CosmosPurchaseSource(rt.container(containers.purchases.name)),
      customers: new CosmosCustomerSegmentationStore(rt.container(containers.customers.name)),
      bus: rt.bus,
      blobs: rt.blobs,
      clock: rt.clock,
      // Only the local host installs its in-process Service Bus; in Azure test faults are never honoured.
      allowTestFaults: rt.settings.serviceBus.kind === 'local',
      writePolicy: { staleAfterDays: rt.settings.segmentsStaleAfterDays },
      compute: shardCompute(rt.settings.segmentsWorkerThreads),
      identityChanges: new CosmosIdentityChanges(rt.container(containers.customers.name), rt.container(containers.links.name)),
      fullScanDays: rt.settings.segmentsFullScanDays,
    },
  };
  return cached;
}

/** Dependencies of the segmentation functions, logging to the invocation (structured lines, shared/log.ts). */
export function segmentation(context?: InvocationContext, fields: LogFields = {}): { deps: SegmentationDeps; settings: SegmentationSettings; runs: CosmosRunRepository } {
  const built = build();
  return {
    deps: { ...built.base, log: lineLog(context, 'segments.progress', fields) },
    settings: built.settings,
    runs: built.runs,
  };
}
