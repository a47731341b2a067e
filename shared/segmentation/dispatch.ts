import { queues } from '../resources.js';
import type { ShardMessage } from './plan.js';
import type { SegmentationDeps } from './ports.js';
import { failRun } from './run.js';
import { scoreShard } from './score.js';
import { summarizeShard } from './summarize.js';

/**
 * Entry point of the shard worker (segments-shard): routes a shard message to its pass. A throw abandons the
 * message and Service Bus redelivers it; on the last delivery Service Bus dead-letters it, so the run could
 * never finish: it is marked failed first, naming the shard and the error, and the error is rethrown (the
 * message stays in the dead-letter queue for inspection).
 */
export async function handleShardMessage(
  deps: SegmentationDeps,
  message: ShardMessage,
  deliveryCount: number,
  maxDeliveryCount: number = queues.segmentShards.maxDeliveryCount,
): Promise<void> {
  try {
    switch (message.kind) {
      case 'summarize':
        return await summarizeShard(deps, message.runId, message.shard, deliveryCount);
      case 'score':
        return await scoreShard(deps, message.runId, message.shard, deliveryCount);
    }
  } catch (error) {
    if (deliveryCount >= maxDeliveryCount) await giveUp(deps, message, deliveryCount, error);
    throw error;
  }
}

async function giveUp(deps: SegmentationDeps, message: ShardMessage, deliveryCount: number, error: unknown): Promise<void> {
  const reason = error instanceof Error ? error.message : String(error);
  const text = `shard ${message.shard} (${message.kind}) failed on all ${deliveryCount} deliveries and was dead-lettered: ${reason}`;
  const now = deps.clock.now();
  const failed = await deps.runs.update(message.runId, (current) => {
    const next = failRun(current, { reason: 'dead_lettered', pass: message.kind, shards: [message.shard] }, text, now);
    return { next, value: next !== undefined };
  });
  if (failed) deps.log(`segments: run ${message.runId} failed: ${text}`);
}
