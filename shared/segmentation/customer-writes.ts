import { queues } from '../resources.js';
import { decideCustomer, stateAfter, stateOf, type CustomerDecision, type CustomerState } from './customer-update.js';
import { segmentChangedMessage } from './events.js';
import type { SegmentationDeps, SegmentationWrite } from './ports.js';
import type { ScoredCustomer } from './record.js';
import type { SegmentRun } from './run.js';

export type WriteResult =
  /** Written now, or found written by an earlier delivery of this shard. */
  | { kind: 'done'; from: string | null; state: CustomerState }
  | { kind: 'unchanged'; from: string; state: CustomerState }
  | { kind: 'newer_exists'; state: CustomerState | undefined }
  | { kind: 'erased' };

/**
 * How the decision was made: from a document read (`etag` of that read, undefined when there was no
 * document) or from the previous run's state file (`assumed`: no read; writes are conditional on the
 * stored run id the state file names).
 */
export type Basis = { kind: 'read'; etag: string | undefined } | { kind: 'assumed' };

/**
 * Applies one customer's decision to their document. When the document is not what the decision assumed
 * (a profile PUT between read and write, an erasure, a state file that no longer matches), it reads the
 * document, decides again and retries, until the write sticks.
 */
export async function writeCustomer(
  deps: SegmentationDeps,
  run: SegmentRun,
  s: ScoredCustomer,
  first: CustomerDecision,
  firstBasis: Basis,
  firstState: CustomerState | undefined,
): Promise<WriteResult> {
  let decision = first;
  let basis = firstBasis;
  let state = firstState;
  for (let attempt = 0; attempt < 8; attempt++) {
    switch (decision.kind) {
      case 'newer_exists':
        return { kind: 'newer_exists', state };
      case 'unchanged':
        return { kind: 'unchanged', from: decision.from, state: decision.state };
      case 'already_done':
        // Stamped by an earlier delivery, whose event (if any) went out before the stamp.
        return { kind: 'done', from: decision.from, state: state! };
      case 'write': {
        const write: SegmentationWrite = {
          analytics: { ...s.analytics, segmentFrom: decision.from },
          segment: s.segment,
          segmentSince: decision.segmentSince,
          previousSegment: decision.previousSegment,
        };
        let outcome;
        if (basis.kind === 'read' && basis.etag !== undefined) {
          outcome = await deps.customers.update(s.customerId, basis.etag, write);
        } else if (basis.kind === 'assumed' && decision.expectedRunId !== null) {
          outcome = await deps.customers.updateIfScoredBy(s.customerId, decision.expectedRunId, write);
        } else {
          if (await deps.customers.isErased(s.customerId)) return { kind: 'erased' };
          outcome = await deps.customers.createAnalyticsOnly(s.customerId, write);
        }
        if (outcome === 'written') return { kind: 'done', from: decision.from, state: stateAfter(s.customerId, write) };
        const found = await deps.customers.read(s.customerId);
        basis = { kind: 'read', etag: found?.etag };
        state = stateOf(s.customerId, found?.stored);
        const next = decideCustomer(state, s, run, deps.writePolicy);
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
