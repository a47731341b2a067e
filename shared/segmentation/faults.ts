import type { ShardPass } from './plan.js';
import type { SegmentationDeps } from './ports.js';
import type { SegmentRun, TestFaults } from './run.js';

/** Thrown by a shard at a test fault (local host only): the message is redelivered like after a crash. */
export class TestFault extends Error {
  override readonly name = 'TestFault';
}

/** The run's test fault when it applies to this delivery of this shard. */
export function faultAt(deps: SegmentationDeps, run: SegmentRun, pass: ShardPass, shard: number, deliveryCount: number): TestFaults | undefined {
  const f = run.testFaults;
  if (!deps.allowTestFaults || f === undefined || deliveryCount > f.deliveries) return undefined;
  return f.pass === pass && f.shard === shard ? f : undefined;
}
