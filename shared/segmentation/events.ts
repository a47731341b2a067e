import type { OutboundMessage } from '../messaging/bus.js';
import { round6 } from './csv.js';
import { segmentEventMessageId } from './plan.js';
import type { ScoredCustomer } from './record.js';

/**
 * `segment.changed` on `customer-events`, what journeys react to. The message id is customer:run, so a
 * redelivered shard's copies are dropped by duplicate detection.
 */
export function segmentChangedMessage(
  s: ScoredCustomer,
  change: { from: string | null; to: string },
  run: { runId: string; asOf: string },
): OutboundMessage {
  const a = s.analytics;
  return {
    messageId: segmentEventMessageId(s.customerId, run.runId),
    subject: 'segment.changed',
    body: {
      type: 'segment.changed',
      customerId: s.customerId,
      runId: run.runId,
      asOf: run.asOf,
      from: change.from,
      to: change.to,
      segmentSince: run.asOf,
      scores: {
        rfm: a.rfm.code,
        pAlive: round6(a.pAlive),
        expectedPurchases90d: round6(a.expectedPurchases90d),
        expectedAovMinor: a.expectedAovMinor,
        clv12mMinor: a.clv12mMinor,
        daysSinceLastPurchase: a.daysSinceLastPurchase,
        churnRisk: a.churnRisk.atRisk,
        currency: a.currency,
      },
    },
  };
}
