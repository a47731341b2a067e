import { app, type InvocationContext } from '@azure/functions';
import { logger, messageCorrelationId } from '../shared/log.js';
import { queues, serviceBusConnectionName } from '../shared/resources.js';
import { handleShardMessage } from '../shared/segmentation/dispatch.js';
import { ShardMessage } from '../shared/segmentation/plan.js';
import { segmentation } from '../shared/segmentation/services.js';

/**
 * One shard of a segmentation run (pass 1: summarize, pass 2: score). A throw abandons the message and
 * Service Bus redelivers it; every step is idempotent, so the redelivery redoes the shard safely.
 */
export async function segmentsShard(message: unknown, context: InvocationContext): Promise<void> {
  const correlationId = messageCorrelationId(context);
  const parsed = ShardMessage.safeParse(message);
  if (!parsed.success) {
    // Retrying cannot fix a malformed message; logging and completing it keeps the queue moving.
    logger(context, { correlationId }).error('segments.shard_malformed', { detail: `segments-shard: malformed message: ${parsed.error.issues[0]?.message}` });
    return;
  }
  const deliveryCount = Number(context.triggerMetadata?.['deliveryCount'] ?? 1);
  const { deps } = segmentation(context, { correlationId, runId: parsed.data.runId });
  await handleShardMessage(deps, parsed.data, Number.isFinite(deliveryCount) ? deliveryCount : 1);
}

app.serviceBusQueue('segments-shard', {
  queueName: queues.segmentShards.name,
  connection: serviceBusConnectionName,
  handler: segmentsShard,
});
