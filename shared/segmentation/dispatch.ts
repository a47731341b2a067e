import type { ShardMessage } from './plan.js';
import type { SegmentationDeps } from './ports.js';
import { scoreShard } from './score.js';
import { summarizeShard } from './summarize.js';

/** Entry point of the shard worker (segments-shard): routes a shard message to its pass. */
export async function handleShardMessage(deps: SegmentationDeps, message: ShardMessage, deliveryCount: number): Promise<void> {
  switch (message.kind) {
    case 'summarize':
      return summarizeShard(deps, message.runId, message.shard, deliveryCount);
    case 'score':
      return scoreShard(deps, message.runId, message.shard, deliveryCount);
  }
}
