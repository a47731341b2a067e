import { z } from 'zod';
import { DayClock, parseDay } from '../analytics/days.js';
import { currencyExponent, fromMinorUnits, isKnownCurrency } from '../money.js';
import { filterCounters, totalsByArm, type ArmTotals, type CounterFilter } from './aggregate.js';
import type { CounterDocument } from './counters.js';
import { definitions } from './definitions.js';
import { compareProportions, compareRevenue, revenueCap, winsorPercentile, type Analysis } from './stats/compare.js';
import { phiInverse, zCritical } from './stats/distributions.js';
import { proportionMde } from './stats/power.js';
import type { Interval } from './stats/proportions.js';
import { sampleRatioCheck, type SampleRatioCheck } from './stats/srm.js';

const day = z.string().refine((v) => parseDay(v) !== undefined, 'a calendar date YYYY-MM-DD');

/** Query of GET /api/kpis and /api/kpis/daily. */
export const KpiQuery = z
  .strictObject({
    journeyId: z.string().trim().min(1).max(128),
    version: z.coerce.number().int().min(1).optional(),
    segment: z.string().min(1).max(64).optional(),
    channel: z.string().min(1).max(32).optional(),
    from: day.optional(),
    to: day.optional(),
    currency: z.string().refine(isKnownCurrency, 'an ISO 4217 currency code').optional(),
    /** The relative effect a comparison must be able to detect to count as powered (0.1 = 10 % of the control's value). */
    targetRelativeUplift: z.coerce.number().gt(0).max(10).default(0.1),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });
export type KpiQuery = z.infer<typeof KpiQuery>;

export const controlArm = 'control';

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** Money in major units: totals exact to the currency's decimals, per-customer figures with two more. */
function money(currency: string | null) {
  const exponent = currency ? currencyExponent(currency) : 2;
  const factor = 10 ** exponent;
  return {
    total: (minor: number) => (currency ? fromMinorUnits(minor, currency) : round(minor / factor, exponent)),
    fine: (minor: number) => round(minor / factor, exponent + 2),
    interval: (minor: Interval): Interval => [round(minor[0] / factor, exponent + 2), round(minor[1] / factor, exponent + 2)],
  };
}

export interface ArmView {
  arm: string;
  enrolled: number;
  messaged: number;
  messagedByChannel: Record<string, number>;
  messages: number;
  messagesByChannel: Record<string, number>;
  couponsIssued: number;
  couponsRedeemed: number;
  redemptionRate: number | null;
  reactivated: number;
  reactivationRate: number | null;
  revenue: number;
  revenuePerEnrolled: number | null;
  discountCost: number;
  preSpendPerEnrolled: number | null;
  openWindows: number;
}

function armView(t: ArmTotals, m: ReturnType<typeof money>): ArmView {
  return {
    arm: t.arm,
    enrolled: t.enrolled,
    messaged: t.messaged,
    messagedByChannel: t.messagedByChannel,
    messages: t.messages,
    messagesByChannel: t.messagesByChannel,
    couponsIssued: t.couponsIssued,
    couponsRedeemed: t.couponsRedeemed,
    redemptionRate: ratio(t.couponsRedeemed, t.couponsIssued),
    reactivated: t.reactivated,
    reactivationRate: ratio(t.reactivated, t.enrolled),
    revenue: m.total(t.revenueMinor),
    revenuePerEnrolled: t.enrolled > 0 ? m.fine(t.revenueMinor / t.enrolled) : null,
    discountCost: m.total(t.discountMinor),
    preSpendPerEnrolled: t.enrolled > 0 ? m.fine(t.preSpendMinor / t.enrolled) : null,
    openWindows: t.openWindows,
  };
}

export interface ComparisonView {
  arm: string;
  against: string;
  /** what the comparison measures: the journey's effect, or the coupon's own effect on top of the message */
  effect: 'treatment' | 'coupon';
  reactivation: { absolute: number; relative: number | null; ci95: Interval; pValue: number; method: string };
  revenuePerEnrolled: { absolute: number; relative: number | null; ci95: Interval; pValue: number; method: string; varianceReduction: number };
  incrementalReactivations: { value: number; ci95: Interval };
  incrementalRevenue: { value: number; ci95: Interval };
  incrementalRevenueNetOfDiscount: { value: number; ci95: Interval };
  power: {
    reactivation: { minimumDetectableEffect: number | null; minimumDetectableEffectRelative: number | null; powered: boolean };
    revenuePerEnrolled: { minimumDetectableEffect: number | null; minimumDetectableEffectRelative: number | null; powered: boolean };
  };
}

/** Treatment arms against the holdout; in a three-arm journey also each coupon arm against each message-only arm. */
export function comparisonPairs(arms: Map<string, ArmTotals>): { arm: string; against: string; effect: 'treatment' | 'coupon' }[] {
  const pairs: { arm: string; against: string; effect: 'treatment' | 'coupon' }[] = [];
  const treatments = [...arms.values()].filter((a) => a.arm !== controlArm && a.enrolled > 0).sort((a, b) => a.arm.localeCompare(b.arm));
  if (arms.has(controlArm)) for (const t of treatments) pairs.push({ arm: t.arm, against: controlArm, effect: 'treatment' });
  const issues = (a: ArmTotals) => a.issuesCoupon ?? a.couponsIssued > 0;
  const couponArms = treatments.filter(issues);
  const messageOnly = treatments.filter((a) => !issues(a) && (a.messaged > 0 || a.issuesCoupon === false));
  for (const c of couponArms) for (const m of messageOnly) pairs.push({ arm: c.arm, against: m.arm, effect: 'coupon' });
  return pairs;
}

function compare(
  t: ArmTotals,
  c: ArmTotals,
  pair: { arm: string; against: string; effect: 'treatment' | 'coupon' },
  cap: number | null,
  analysis: Analysis,
  m: ReturnType<typeof money>,
  targetRelativeUplift: number,
): ComparisonView {
  const reactivation = compareProportions(t.reactivated, t.enrolled, c.reactivated, c.enrolled, analysis);
  const revenue = compareRevenue(t.revenue, c.revenue, cap, analysis);
  const nT = t.enrolled;
  const discountShiftMinor = (t.discountMinor / Math.max(1, t.enrolled) - c.discountMinor / Math.max(1, c.enrolled)) * nT;
  const scale = (ci: Interval, factor: number, shift = 0): Interval => [ci[0] * factor + shift, ci[1] * factor + shift];
  const controlRate = c.enrolled > 0 ? c.reactivated / c.enrolled : 0;
  const reactivationMde = controlRate > 0 && controlRate < 1 ? proportionMde(controlRate, t.enrolled, c.enrolled) : null;
  const revenueMdeMinor = revenue.standardError > 0 ? (zCritical(0.05) + phiInverse(0.8)) * revenue.standardError : null;
  const controlRevenuePerEnrolled = c.enrolled > 0 ? c.revenueMinor / c.enrolled : 0;
  const revenueMdeRelative = revenueMdeMinor !== null && controlRevenuePerEnrolled > 0 ? revenueMdeMinor / controlRevenuePerEnrolled : null;
  return {
    ...pair,
    reactivation: {
      absolute: reactivation.absolute,
      relative: reactivation.relative,
      ci95: reactivation.ci95,
      pValue: reactivation.pValue,
      method: reactivation.method,
    },
    revenuePerEnrolled: {
      absolute: m.fine(revenue.absolute),
      relative: revenue.relative,
      ci95: m.interval(revenue.ci95),
      pValue: revenue.pValue,
      method: revenue.method,
      varianceReduction: revenue.varianceReduction,
    },
    incrementalReactivations: { value: round(reactivation.absolute * nT, 2), ci95: scale(reactivation.ci95, nT).map((v) => round(v, 2)) as Interval },
    incrementalRevenue: { value: m.fine(revenue.absolute * nT + discountShiftMinor), ci95: m.interval(scale(revenue.ci95, nT, discountShiftMinor)) },
    incrementalRevenueNetOfDiscount: { value: m.fine(revenue.absolute * nT), ci95: m.interval(scale(revenue.ci95, nT)) },
    power: {
      reactivation: {
        minimumDetectableEffect: reactivationMde,
        minimumDetectableEffectRelative: reactivationMde !== null ? reactivationMde / controlRate : null,
        powered: reactivationMde !== null && reactivationMde / controlRate <= targetRelativeUplift,
      },
      revenuePerEnrolled: {
        minimumDetectableEffect: revenueMdeMinor === null ? null : m.fine(revenueMdeMinor),
        minimumDetectableEffectRelative: revenueMdeRelative,
        powered: revenueMdeRelative !== null && revenueMdeRelative <= targetRelativeUplift,
      },
    },
  };
}

export interface SampleRatioView {
  version: number;
  status: 'ok' | 'mismatch' | 'unknown';
  detail: string;
  check: SampleRatioCheck | null;
}

function sampleRatios(counters: readonly CounterDocument[]): SampleRatioView[] {
  const versions = [...new Set(counters.map((c) => c.version))].sort((a, b) => a - b);
  return versions.map((version) => {
    const own = counters.filter((c) => c.version === version);
    const split = own.find((c) => c.split !== null)?.split ?? null;
    const observed: Record<string, number> = {};
    for (const c of own) observed[c.arm] = (observed[c.arm] ?? 0) + c.enrolled;
    if (split === null) return { version, status: 'unknown', detail: 'the enrolled events did not state the configured split', check: null };
    const check = sampleRatioCheck(observed, split);
    return {
      version,
      status: check.mismatch ? 'mismatch' : 'ok',
      detail: check.mismatch
        ? `the arms' sizes differ from the configured split (χ² = ${check.chiSquare.toFixed(1)}, p = ${check.pValue.toExponential(2)}): do not trust the comparisons until the cause is found`
        : `arm sizes agree with the configured split (p = ${check.pValue.toFixed(3)})`,
      check,
    };
  });
}

export interface KpiSelection {
  counters: CounterDocument[];
  currency: string | null;
  /** enrollments left out because they are counted in another currency */
  otherCurrencies: Record<string, number>;
}

/** Filters the counters and picks the currency: the one asked for, else the one most enrollments have. */
export function selectCounters(all: readonly CounterDocument[], query: CounterFilter & { currency?: string }): KpiSelection {
  const filtered = filterCounters(all, query);
  const byCurrency = new Map<string, number>();
  for (const c of filtered) if (c.currency !== null) byCurrency.set(c.currency, (byCurrency.get(c.currency) ?? 0) + c.enrolled);
  const currency = query.currency ?? [...byCurrency.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
  const otherCurrencies: Record<string, number> = {};
  for (const [code, n] of byCurrency) if (code !== currency) otherCurrencies[code] = n;
  // Enrollments without a currency yet have no money figures and belong to whichever currency is reported.
  return { counters: filtered.filter((c) => c.currency === null || c.currency === currency), currency, otherCurrencies };
}

export interface KpiReport {
  journeyId: string;
  asOf: string;
  currency: string | null;
  attributionDays: number | null;
  analysis: Analysis;
  filters: CounterFilter;
  arms: ArmView[];
  comparisons: ComparisonView[];
  checks: {
    sampleRatio: SampleRatioView[];
    sampleRatioMismatch: boolean;
    power: { targetRelativeUplift: number; comparisons: { arm: string; against: string; powered: boolean }[] };
    openWindows: number;
    otherCurrencies: Record<string, number>;
    foreignCurrencyOrders: number;
    winsorizedAt: number | null;
    winsorizedAtPercentile: number;
  };
  methods: { reactivation: string; revenuePerEnrolled: string; sampleRatio: string };
  definitions: typeof definitions;
}

/** Analysis of a set of counters: sequential as soon as any enrolled event asked for it (it is the safe reading). */
const analysisOf = (counters: readonly CounterDocument[]): Analysis => (counters.some((c) => c.analysis === 'sequential' && c.enrolled > 0) ? 'sequential' : 'fixedHorizon');

/**
 * The KPI answer from counters alone. Pure: takes the journey's counters, the query and `now`.
 */
export function buildReport(all: readonly CounterDocument[], query: KpiQuery, now: Date, timeZone: string): KpiReport {
  const filters: CounterFilter = { version: query.version, segment: query.segment, channel: query.channel, from: query.from, to: query.to };
  const selection = selectCounters(all, { ...filters, currency: query.currency });
  return reportOf(query.journeyId, selection, filters, query.targetRelativeUplift, now, new DayClock(timeZone).dayOfMs(now.getTime()));
}

export function reportOf(
  journeyId: string,
  selection: KpiSelection,
  filters: CounterFilter,
  targetRelativeUplift: number,
  now: Date,
  todayEpochDay: number,
): KpiReport {
  const { counters, currency } = selection;
  const m = money(currency);
  const arms = totalsByArm(counters, todayEpochDay);
  const analysis = analysisOf(counters);
  const cap = revenueCap([...arms.values()].map((a) => a.revenue));
  const comparisons = comparisonPairs(arms).map((pair) => compare(arms.get(pair.arm)!, arms.get(pair.against)!, pair, cap, analysis, m, targetRelativeUplift));
  const sampleRatio = sampleRatios(counters);
  const ordered = [...arms.values()].sort((a, b) => (a.arm === controlArm ? -1 : b.arm === controlArm ? 1 : a.arm.localeCompare(b.arm)));
  const attribution = counters.length > 0 ? Math.max(...counters.map((c) => c.attributionDays)) : null;
  const example = comparisons[0];
  return {
    journeyId,
    asOf: now.toISOString(),
    currency,
    attributionDays: attribution,
    analysis,
    filters,
    arms: ordered.map((a) => armView(a, m)),
    comparisons,
    checks: {
      sampleRatio,
      sampleRatioMismatch: sampleRatio.some((s) => s.status === 'mismatch'),
      power: {
        targetRelativeUplift,
        comparisons: comparisons.map((c) => ({ arm: c.arm, against: c.against, powered: c.power.reactivation.powered && c.power.revenuePerEnrolled.powered })),
      },
      openWindows: ordered.reduce((s, a) => s + a.openWindows, 0),
      otherCurrencies: selection.otherCurrencies,
      foreignCurrencyOrders: ordered.reduce((s, a) => s + a.foreignCurrencyOrders, 0),
      winsorizedAt: cap === null ? null : m.fine(cap),
      winsorizedAtPercentile: winsorPercentile * 100,
    },
    methods: {
      reactivation: example?.reactivation.method ?? compareProportions(0, 1, 0, 1, analysis).method,
      revenuePerEnrolled: example?.revenuePerEnrolled.method ?? compareRevenue({}, {}, cap, analysis).method,
      sampleRatio: sampleRatio.find((s) => s.check)?.check?.method ?? 'Pearson χ² goodness-of-fit against the configured split, flagged when p < 0.001',
    },
    definitions,
  };
}
