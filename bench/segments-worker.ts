/**
 * A shard worker for bench:segments: the same two passes a `segments-compute` shard runs — summaries and
 * partial statistics first, then scoring against the run's global models and cut points.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  AnalyticsConfig,
  partialStats,
  Scorer,
  scoreColumns,
  summarizeColumns,
  type Models,
  type PurchaseColumns,
  type RfmCutPoints,
  type SummaryColumns,
} from '../shared/analytics/index.js';

export interface ShardInput {
  asOfDay: number;
  rowFrom: number;
  rowTo: number;
  customerFrom: number;
  customerTo: number;
  customer: Int32Array;
  day: Int32Array;
  amountMinor: Float64Array;
  refund: Uint8Array;
  coupon: Uint8Array;
  category: Int32Array;
}

export type ShardRequest = { kind: 'pass1' } | { kind: 'pass2'; models: Models; cuts: RfmCutPoints; config: unknown };

const port = parentPort;
if (port === null) throw new Error('segments-worker runs as a worker thread');
const d = workerData as ShardInput;
const length = d.rowTo - d.rowFrom;
const rows = new Int32Array(length);
for (let i = 0; i < length; i++) rows[i] = i;
const purchases: PurchaseColumns = {
  length,
  customerCount: d.customerTo - d.customerFrom,
  customerBase: d.customerFrom,
  customer: d.customer.subarray(d.rowFrom, d.rowTo),
  day: d.day.subarray(d.rowFrom, d.rowTo),
  amountMinor: d.amountMinor.subarray(d.rowFrom, d.rowTo),
  refund: d.refund.subarray(d.rowFrom, d.rowTo),
  coupon: d.coupon.subarray(d.rowFrom, d.rowTo),
  items: { length, row: rows, category: d.category.subarray(d.rowFrom, d.rowTo), amountMinor: d.amountMinor.subarray(d.rowFrom, d.rowTo) },
};
let summaries: SummaryColumns | undefined;

port.on('message', (request: ShardRequest) => {
  const start = performance.now();
  switch (request.kind) {
    case 'pass1': {
      summaries = summarizeColumns(purchases, d.asOfDay);
      const stats = partialStats(summaries);
      port.postMessage({ kind: 'stats', stats, ms: performance.now() - start });
      return;
    }
    case 'pass2': {
      if (summaries === undefined) throw new Error('pass2 before pass1');
      const scorer = new Scorer(request.models, request.cuts, AnalyticsConfig.parse(request.config));
      const scores = scoreColumns(summaries, scorer);
      const counts: Record<string, number> = {};
      for (let i = 0; i < scores.length; i++) {
        const name = scores.segmentNames[scores.segment[i]!]!;
        counts[name] = (counts[name] ?? 0) + 1;
      }
      port.postMessage({ kind: 'scores', counts, customers: scores.length, ms: performance.now() - start });
      return;
    }
  }
});
port.postMessage({ kind: 'ready' });
