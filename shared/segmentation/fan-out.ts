import { queues } from '../resources.js';
import { shardMessageId, type ShardMessage, type ShardPass } from './plan.js';
import type { SegmentationDeps } from './ports.js';

/**
 * Sends one pass's shard messages. Message ids are deterministic, so a second sender (a resume, a coordinator
 * that crashed after fanning out) is dropped by duplicate detection.
 */
export async function sendShards(
  deps: SegmentationDeps,
  run: { runId: string; resumes: number },
  kind: ShardPass,
  shards: readonly number[],
): Promise<void> {
  const messages = shards.map((shard) => {
    const body: ShardMessage = { kind, runId: run.runId, shard };
    return { messageId: shardMessageId(body, run.resumes), body, subject: `segments.${kind}` };
  });
  for (let i = 0; i < messages.length; i += 100) await deps.bus.send(queues.segmentShards.name, messages.slice(i, i + 100));
}

export const allShards = (count: number) => Array.from({ length: count }, (_, i) => i);
