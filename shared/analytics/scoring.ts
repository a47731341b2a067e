import { z } from 'zod';
import { BgNbdPredictor } from './bgnbd.js';
import type { AnalyticsConfig } from './config.js';
import { formatDay, parseDay, resolveAsOfDay } from './days.js';
import { conditionalExpectedAverageSpend } from './gammaGamma.js';
import type { Models } from './models.js';
import { assignSegmentIndex, type SegmentFields } from './segments.js';
import { frequencyScore, monetaryScore, recencyScore, type RfmCutPoints } from './stats.js';
import type { CustomerSummary, SummaryColumns } from './summary.js';

export const ChurnRisk = z.object({
  atRisk: z.boolean(),
  /** P(alive) below the threshold. */
  lowPAlive: z.boolean(),
  /** Quiet for longer than the customer's own rhythm allows. */
  overdue: z.boolean(),
  /** Days without purchase after which this customer counts as overdue. */
  overdueAfterDays: z.number(),
});
export type ChurnRisk = z.infer<typeof ChurnRisk>;

/** What a run stores per customer. Money in minor units, rounded: these are estimates, not ledger entries. */
export const CustomerScores = z.object({
  customerId: z.string(),
  asOf: z.string(),
  daysSinceLastPurchase: z.number().int(),
  daysSinceFirstPurchase: z.number().int(),
  purchaseDays: z.number().int(),
  totalSpendMinor: z.number().int(),
  typicalIntervalDays: z.number().nullable(),
  rfm: z.object({
    recency: z.number().int().min(1).max(5),
    frequency: z.number().int().min(1).max(5),
    monetary: z.number().int().min(1).max(5),
    /** e.g. "545": recency, frequency, monetary. */
    code: z.string(),
  }),
  pAlive: z.number(),
  expectedPurchases90d: z.number(),
  expectedAovMinor: z.number().int(),
  clv12mMinor: z.number().int(),
  churnRisk: ChurnRisk,
  segment: z.string(),
});
export type CustomerScores = z.infer<typeof CustomerScores>;

/** The per-customer inputs scoring needs, whether read from objects or columns. Days are whole days. */
interface Row {
  x: number;
  txDays: number;
  TDays: number;
  repeatSpendMinor: number;
  totalSpendMinor: number;
  medianGapDays: number;
  orders: number;
  couponOrders: number;
  /** Stored on the customer by the delivery-events consumer; null (or absent) when not known yet. */
  engagementRate?: number | null;
  couponRedemptionRate?: number | null;
}

/**
 * Scores customers against one run's global statistics. Holds the BG/NBD predictor whose memo tables make
 * scoring a million customers cheap; create one per run (or per shard) and reuse it.
 */
export class Scorer {
  private readonly predictor: BgNbdPredictor;
  readonly segmentNames: string[];

  constructor(
    readonly models: Models,
    readonly cutPoints: RfmCutPoints,
    readonly config: AnalyticsConfig,
  ) {
    const { r, alpha, a, b } = models.bgnbd;
    // Horizon 0 is the prediction horizon, 1..months the CLV month ends.
    const horizons: number[] = [config.predictionHorizonDays];
    for (let i = 1; i <= config.clv.months; i++) horizons.push(i * config.clv.daysPerMonth);
    this.predictor = new BgNbdPredictor({ r, alpha, a, b }, models.timeUnit, horizons);
    this.segmentNames = config.segments.map((rule) => rule.name);
  }

  /** Fills `f` with the rule fields of one customer and returns the segment's index. */
  evaluate(row: Row, f: SegmentFields): number {
    const { churn, clv } = this.config;
    const x = row.x;
    const purchaseDays = x + 1;
    const daysSinceLast = row.TDays - row.txDays;
    const alive = this.predictor.pAlive(x, row.txDays, row.TDays);
    const at = this.predictor.offset(x, row.TDays);
    const values = this.predictor.values;
    const expected90 = values[at]! * alive;
    const m = x > 0 ? row.repeatSpendMinor / x : 0;
    const aov = conditionalExpectedAverageSpend(this.models.gammaGamma, x, m);
    // lifetimes' customer_lifetime_value, inlined (see gammaGamma.ts) over the memoised month ends.
    let value = 0;
    let previous = 0;
    let discount = 1;
    for (let i = 1; i <= clv.months; i++) {
      const cumulative = values[at + i]! * alive;
      discount /= 1 + clv.monthlyDiscountRate;
      value += aov * (cumulative - previous) * discount;
      previous = cumulative;
    }
    const interval = Number.isNaN(row.medianGapDays) ? null : row.medianGapDays;
    const overdueAfter =
      interval === null
        ? Math.max(churn.singlePurchaseDays, churn.floorDays)
        : Math.max(churn.intervalMultiplier * interval, churn.floorDays);
    const lowPAlive = alive < churn.pAliveThreshold;
    const overdue = daysSinceLast > overdueAfter;

    f.recencyScore = recencyScore(daysSinceLast, this.cutPoints);
    f.frequencyScore = frequencyScore(purchaseDays, this.cutPoints);
    f.monetaryScore = monetaryScore(row.totalSpendMinor, this.cutPoints);
    f.pAlive = alive;
    f.expectedPurchases90d = expected90;
    f.expectedAovMinor = Math.round(aov);
    f.clv12mMinor = Math.round(value);
    f.churnRisk = lowPAlive || overdue;
    f.daysSinceLastPurchase = daysSinceLast;
    f.daysSinceFirstPurchase = row.TDays;
    f.purchaseDays = purchaseDays;
    f.repeatPurchases = x;
    f.typicalIntervalDays = interval;
    f.overdueRatio = interval === null || interval === 0 ? null : daysSinceLast / interval;
    f.totalSpendMinor = row.totalSpendMinor;
    f.couponUsageRate = row.orders > 0 ? row.couponOrders / row.orders : 0;
    f.engagementRate = row.engagementRate ?? null;
    f.couponRedemptionRate = row.couponRedemptionRate ?? null;
    this.lastLowPAlive = lowPAlive;
    this.lastOverdue = overdue;
    this.lastOverdueAfter = overdueAfter;
    return assignSegmentIndex(f, this.config.segments);
  }

  /** Churn details of the last `evaluate` call (kept out of SegmentFields, which rules read). */
  private lastLowPAlive = false;
  private lastOverdue = false;
  private lastOverdueAfter = 0;

  get lastChurn(): ChurnRisk {
    return {
      atRisk: this.lastLowPAlive || this.lastOverdue,
      lowPAlive: this.lastLowPAlive,
      overdue: this.lastOverdue,
      overdueAfterDays: this.lastOverdueAfter,
    };
  }

  /** Scores one customer summary as of a day ('YYYY-MM-DD'); T and recency are counted to that day. */
  score(summary: CustomerSummary, asOf: string): CustomerScores {
    const asOfDay = resolveAsOfDay(asOf, this.config.timeZone);
    const first = parseDay(summary.firstPurchaseDay);
    const last = parseDay(summary.lastPurchaseDay);
    if (asOfDay === undefined || first === undefined || last === undefined) {
      throw new RangeError(`cannot score ${summary.customerId}: bad day (asOf ${asOf})`);
    }
    if (asOfDay < last) throw new RangeError(`asOf ${asOf} lies before ${summary.customerId}'s last purchase`);
    const f = emptyFields();
    const index = this.evaluate(
      {
        x: summary.x,
        txDays: last - first,
        TDays: asOfDay - first,
        repeatSpendMinor: summary.repeatAovMinor === null ? 0 : summary.repeatAovMinor * summary.x,
        totalSpendMinor: summary.totalSpendMinor,
        medianGapDays: summary.typicalIntervalDays ?? Number.NaN,
        orders: summary.orders,
        couponOrders: Math.round(summary.couponUsageRate * summary.orders),
      },
      f,
    );
    const rfm = { recency: f.recencyScore!, frequency: f.frequencyScore!, monetary: f.monetaryScore! };
    return {
      customerId: summary.customerId,
      asOf: formatDay(asOfDay),
      daysSinceLastPurchase: f.daysSinceLastPurchase!,
      daysSinceFirstPurchase: f.daysSinceFirstPurchase!,
      purchaseDays: f.purchaseDays!,
      totalSpendMinor: summary.totalSpendMinor,
      typicalIntervalDays: f.typicalIntervalDays,
      rfm: { ...rfm, code: `${rfm.recency}${rfm.frequency}${rfm.monetary}` },
      pAlive: f.pAlive!,
      expectedPurchases90d: f.expectedPurchases90d!,
      expectedAovMinor: f.expectedAovMinor!,
      clv12mMinor: f.clv12mMinor!,
      churnRisk: this.lastChurn,
      segment: this.segmentNames[index]!,
    };
  }
}

export function emptyFields(): SegmentFields {
  return {
    recencyScore: 0,
    frequencyScore: 0,
    monetaryScore: 0,
    pAlive: 0,
    expectedPurchases90d: 0,
    expectedAovMinor: 0,
    clv12mMinor: 0,
    churnRisk: false,
    daysSinceLastPurchase: 0,
    daysSinceFirstPurchase: 0,
    purchaseDays: 0,
    repeatPurchases: 0,
    typicalIntervalDays: null,
    overdueRatio: null,
    totalSpendMinor: 0,
    couponUsageRate: 0,
    engagementRate: null,
    couponRedemptionRate: null,
  };
}

const scorers = new WeakMap<Models, WeakMap<RfmCutPoints, WeakMap<AnalyticsConfig, Scorer>>>();

/** One customer's scores. Reuses a Scorer per (models, cutPoints, config) objects so loops stay fast. */
export function scoreCustomer(
  summary: CustomerSummary,
  models: Models,
  cutPoints: RfmCutPoints,
  config: AnalyticsConfig,
  asOf: string,
): CustomerScores {
  let byCuts = scorers.get(models);
  if (byCuts === undefined) scorers.set(models, (byCuts = new WeakMap()));
  let byConfig = byCuts.get(cutPoints);
  if (byConfig === undefined) byCuts.set(cutPoints, (byConfig = new WeakMap()));
  let scorer = byConfig.get(config);
  if (scorer === undefined) byConfig.set(config, (scorer = new Scorer(models, cutPoints, config)));
  return scorer.score(summary, asOf);
}

/** Columnar scores for the bulk path; `segment` indexes `segmentNames`. */
export interface ScoreColumns {
  length: number;
  recencyScore: Uint8Array;
  frequencyScore: Uint8Array;
  monetaryScore: Uint8Array;
  pAlive: Float64Array;
  expectedPurchases90d: Float64Array;
  expectedAovMinor: Float64Array;
  clv12mMinor: Float64Array;
  churnRisk: Uint8Array;
  segment: Uint8Array;
  segmentNames: string[];
}

export function scoreColumns(s: SummaryColumns, scorer: Scorer): ScoreColumns {
  const n = s.length;
  const out: ScoreColumns = {
    length: n,
    recencyScore: new Uint8Array(n),
    frequencyScore: new Uint8Array(n),
    monetaryScore: new Uint8Array(n),
    pAlive: new Float64Array(n),
    expectedPurchases90d: new Float64Array(n),
    expectedAovMinor: new Float64Array(n),
    clv12mMinor: new Float64Array(n),
    churnRisk: new Uint8Array(n),
    segment: new Uint8Array(n),
    segmentNames: scorer.segmentNames,
  };
  const f = emptyFields();
  const row: Row = {
    x: 0,
    txDays: 0,
    TDays: 0,
    repeatSpendMinor: 0,
    totalSpendMinor: 0,
    medianGapDays: 0,
    orders: 0,
    couponOrders: 0,
  };
  for (let i = 0; i < n; i++) {
    const first = s.firstDay[i]!;
    row.x = s.purchaseDays[i]! - 1;
    row.txDays = s.lastDay[i]! - first;
    row.TDays = s.asOfDay - first;
    row.repeatSpendMinor = s.repeatSpendMinor[i]!;
    row.totalSpendMinor = s.totalSpendMinor[i]!;
    row.medianGapDays = s.medianGapDays[i]!;
    row.orders = s.orders[i]!;
    row.couponOrders = s.couponOrders[i]!;
    out.segment[i] = scorer.evaluate(row, f);
    out.recencyScore[i] = f.recencyScore!;
    out.frequencyScore[i] = f.frequencyScore!;
    out.monetaryScore[i] = f.monetaryScore!;
    out.pAlive[i] = f.pAlive!;
    out.expectedPurchases90d[i] = f.expectedPurchases90d!;
    out.expectedAovMinor[i] = f.expectedAovMinor!;
    out.clv12mMinor[i] = f.clv12mMinor!;
    out.churnRisk[i] = f.churnRisk ? 1 : 0;
  }
  return out;
}
