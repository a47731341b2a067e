import { queues } from '../resources.js';
import { decideCustomerUpdate, type CustomerDecision } from './customer-update.js';
import { segmentChangedMessage } from './events.js';
import type { SegmentationDeps, SegmentationWrite } from './ports.js';
import type { ScoredCustomer } from './record.js';
import type { SegmentRun } from './run.js';

export type WriteResult =
  | { kind: 'done'; from: string | null; previousSegment: string | null; segmentSince: string }
  | { kind: 'newer_exists' }
  | { kind: 'erased' };

/**
 * Applies one customer's decision to their document, re-deciding after a concurrent change (a profile PUT
 * between our read and write, an erasure) until it sticks.
 */
export async function writeCustomer(
  deps: SegmentationDeps,
  run: SegmentRun,
  s: ScoredCustomer,
  first: CustomerDecision,
  firstEtag: string | undefined,
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
          await deps.bus.send(queues.customerEvents.name, [segmentChangedMessage(s, next, run)]);
        }
        decision = next;
        break;
      }
    }
  }
  throw Object.assign(new Error(`too much contention on customer ${s.customerId}`), { code: 503 });
}
