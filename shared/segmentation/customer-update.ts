import { z } from 'zod';

/**
 * What a run keeps on the customer document (next to the profile, which it never touches): the scores under
 * `analytics`, plus `segment`, `segmentSince` and `previousSegment` at the top level for queries and journeys.
 */
export const CustomerAnalytics = z.object({
  runId: z.string(),
  asOf: z.string(),
  computedAt: z.string(),
  /** The segment the customer had before this run (null on a first assignment); kept so a redelivery can
   * count the movement and re-send the event it may have sent. */
  segmentFrom: z.string().nullable(),
  timeUnit: z.enum(['day', 'week']),
  firstPurchaseDay: z.string(),
  lastPurchaseDay: z.string(),
  purchaseDays: z.number().int(),
  /** BTYD summary in whole days. */
  x: z.number().int(),
  txDays: z.number().int(),
  TDays: z.number().int(),
  daysSinceLastPurchase: z.number().int(),
  totalSpendMinor: z.number().int(),
  repeatAovMinor: z.number().nullable(),
  typicalIntervalDays: z.number().nullable(),
  couponUsageRate: z.number(),
  topCategory: z.string().nullable(),
  currency: z.string().nullable(),
  rfm: z.object({ recency: z.number().int(), frequency: z.number().int(), monetary: z.number().int(), code: z.string() }),
  pAlive: z.number(),
  expectedPurchases90d: z.number(),
  expectedAovMinor: z.number().int(),
  clv12mMinor: z.number().int(),
  churnRisk: z.object({ atRisk: z.boolean(), lowPAlive: z.boolean(), overdue: z.boolean(), overdueAfterDays: z.number() }),
});
export type CustomerAnalytics = z.infer<typeof CustomerAnalytics>;

/** The segmentation fields as read from a customer document (all optional: older or profile-only docs). */
export interface StoredSegmentation {
  analytics?: Partial<CustomerAnalytics> | undefined;
  segment?: string | undefined;
  segmentSince?: string | undefined;
  previousSegment?: string | null | undefined;
  /** Written by the delivery-events consumer; segment rules can use its rates. */
  engagement?: { engagementRate?: number | null; couponRedemptionRate?: number | null } | undefined;
}

/**
 * What a reader of a customer document uses besides the segment, in bands coarse enough that a night's
 * drift of the scores rarely moves them: journeys and marketers act on "at risk" and "worth a lot", not on
 * the fourth decimal of P(alive). (Consents live on the profile, which segmentation never writes.)
 */
export interface MaterialBands {
  /** "high": the churn-risk flag is set; "medium": P(alive) below 0.5; else "low". */
  churnBand: 'high' | 'medium' | 'low';
  /**
   * P(alive) in tenths (0 for 0–0.099…, 9 for 0.9–1). P(alive) drifts down every night a customer does not
   * buy, so stored scores are rewritten when it crosses a tenth: a list sorted by the stored P(alive) is
   * right to the tenth without rewriting every customer every few days.
   */
  pAliveBand: number;
  /** 12-month CLV on a 1-2-5 ladder of minor units: 0, 1–99, 100–199, 200–499, 500–999, 1,000–1,999, … */
  clvBand: number;
  topCategory: string | null;
}

export function bandsOf(a: Pick<CustomerAnalytics, 'churnRisk' | 'pAlive' | 'clv12mMinor' | 'topCategory'>): MaterialBands {
  return {
    churnBand: a.churnRisk.atRisk ? 'high' : a.pAlive < 0.5 ? 'medium' : 'low',
    pAliveBand: pAliveBand(a.pAlive),
    clvBand: clvBand(a.clv12mMinor),
    topCategory: a.topCategory,
  };
}

/** The tenth of P(alive) holding `p` (0–9; 1 counts as 9, anything unreadable as 0). */
export function pAliveBand(p: number): number {
  return Number.isFinite(p) ? Math.min(9, Math.max(0, Math.floor(p * 10))) : 0;
}

/** Lower bound of the 1-2-5 band holding `minor` (0 for anything below 1). */
export function clvBand(minor: number): number {
  if (!(minor >= 1)) return 0;
  const decade = 10 ** Math.floor(Math.log10(minor));
  const lead = minor / decade;
  return (lead >= 5 ? 5 : lead >= 2 ? 2 : 1) * decade;
}

/**
 * A customer's segmentation as stored on their document: what a run compares its new scores with. Built
 * from a document read, or kept from the previous run's state file (then no read is needed).
 */
export const CustomerState = z.object({
  customerId: z.string(),
  runId: z.string(),
  asOf: z.string(),
  segmentFrom: z.string().nullable(),
  segment: z.string(),
  segmentSince: z.string(),
  previousSegment: z.string().nullable(),
  churnBand: z.enum(['high', 'medium', 'low']),
  /** null: kept by a run before P(alive) had a band (state files of version 1); then it is not compared. */
  pAliveBand: z.number().int().nullable(),
  clvBand: z.number(),
  topCategory: z.string().nullable(),
});
export type CustomerState = z.infer<typeof CustomerState>;

/** Never a real band: stored scores that cannot be read compare as changed. */
const unknownBand = -1;

/** The state of a read document; undefined when no run has stored complete scores on it. */
export function stateOf(customerId: string, stored: StoredSegmentation | undefined): CustomerState | undefined {
  if (stored?.segment === undefined) return undefined;
  const parsed = CustomerAnalytics.safeParse(stored.analytics);
  if (!parsed.success) {
    // Scores of an older shape: keep the segment (no false "first assignment" event) and force a rewrite.
    return {
      customerId,
      runId: stored.analytics?.runId ?? '',
      asOf: stored.analytics?.asOf ?? '',
      segmentFrom: stored.analytics?.segmentFrom ?? null,
      segment: stored.segment,
      segmentSince: stored.segmentSince ?? '',
      previousSegment: stored.previousSegment ?? null,
      churnBand: 'low',
      pAliveBand: null,
      clvBand: unknownBand,
      topCategory: null,
    };
  }
  const a = parsed.data;
  return {
    customerId,
    runId: a.runId,
    asOf: a.asOf,
    segmentFrom: a.segmentFrom,
    segment: stored.segment,
    segmentSince: stored.segmentSince ?? a.asOf,
    previousSegment: stored.previousSegment ?? null,
    ...bandsOf(a),
  };
}

/** What the document holds after a write of `write`. */
export function stateAfter(customerId: string, write: { analytics: CustomerAnalytics; segment: string; segmentSince: string; previousSegment: string | null }): CustomerState {
  return {
    customerId,
    runId: write.analytics.runId,
    asOf: write.analytics.asOf,
    segmentFrom: write.analytics.segmentFrom,
    segment: write.segment,
    segmentSince: write.segmentSince,
    previousSegment: write.previousSegment,
    ...bandsOf(write.analytics),
  };
}

export interface WritePolicy {
  /** Scores this many days older than the run's asOf are rewritten even when nothing material changed. */
  staleAfterDays: number;
}

export type WriteReason = 'first' | 'segment' | 'churn_band' | 'p_alive_band' | 'clv_band' | 'top_category' | 'stale';

export type CustomerDecision =
  /** A previous delivery of this shard already stamped the customer: nothing to write, event already sent. */
  | { kind: 'already_done'; from: string | null; to: string; changed: boolean }
  /** A run with a later asOf already scored this customer (a backtest must not overwrite the present). */
  | { kind: 'newer_exists' }
  /** Nothing a reader uses moved: no write, no event; the document keeps the scores of `state.runId`. */
  | { kind: 'unchanged'; from: string; state: CustomerState }
  | {
      kind: 'write';
      reason: WriteReason;
      from: string | null;
      to: string;
      /** The segment changed: a segment.changed event goes out (before the write). */
      changed: boolean;
      segmentSince: string;
      previousSegment: string | null;
      /** The run id the document must still carry for the write to apply (null: no scores stored yet). */
      expectedRunId: string | null;
    };

/**
 * Decides what a run does with one customer, from the stored state and the new scores. A segment change
 * (including the first assignment, from null) moves the old segment to `previousSegment` and starts
 * `segmentSince` at the run's asOf and sends an event; a moved band or stale scores only rewrite the
 * document; anything else leaves it alone.
 */
export function decideCustomer(
  state: CustomerState | undefined,
  scored: { segment: string; analytics: Pick<CustomerAnalytics, 'churnRisk' | 'pAlive' | 'clv12mMinor' | 'topCategory'> },
  run: { runId: string; asOf: string },
  policy: WritePolicy,
): CustomerDecision {
  const segment = scored.segment;
  if (state === undefined) {
    return { kind: 'write', reason: 'first', from: null, to: segment, changed: true, segmentSince: run.asOf, previousSegment: null, expectedRunId: null };
  }
  if (state.runId === run.runId) {
    const from = state.segmentFrom;
    return { kind: 'already_done', from, to: segment, changed: from !== segment };
  }
  if (state.asOf > run.asOf) return { kind: 'newer_exists' };
  const from = state.segment;
  if (from !== segment) {
    return { kind: 'write', reason: 'segment', from, to: segment, changed: true, segmentSince: run.asOf, previousSegment: from, expectedRunId: state.runId };
  }
  const reason = rewriteReason(bandsOf(scored.analytics), state, run, policy);
  if (reason === undefined) return { kind: 'unchanged', from, state };
  return {
    kind: 'write',
    reason,
    from,
    to: segment,
    changed: false,
    segmentSince: state.segmentSince || run.asOf,
    previousSegment: state.previousSegment,
    expectedRunId: state.runId,
  };
}

/** Why a customer whose segment stayed must be rewritten, if at all: the first band that moved, or age. */
function rewriteReason(bands: MaterialBands, state: CustomerState, run: { asOf: string }, policy: WritePolicy): WriteReason | undefined {
  if (bands.churnBand !== state.churnBand) return 'churn_band';
  // A state kept before P(alive) had a band compares none: its customers get one at their next write.
  if (state.pAliveBand !== null && bands.pAliveBand !== state.pAliveBand) return 'p_alive_band';
  if (bands.clvBand !== state.clvBand) return 'clv_band';
  if (bands.topCategory !== state.topCategory) return 'top_category';
  if (daysBetween(state.asOf, run.asOf) >= policy.staleAfterDays) return 'stale';
  return undefined;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Key of a movement count: "at_risk→lost"; a first assignment comes from "none". */
export function movementKey(from: string | null, to: string): string {
  return `${from ?? 'none'}→${to}`;
}
