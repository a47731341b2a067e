import { DayClock } from '../analytics/days.js';
import { snapshotFolders } from '../resources.js';
import type { CounterDocument } from './counters.js';
import { reportOf, selectCounters, type ArmView, type ComparisonView, type KpiQuery } from './report.js';

export interface DailyPoint {
  /** Entries up to and including this day are counted (cumulative). */
  entryDay: string;
  arms: ArmView[];
  comparisons: ComparisonView[];
  sampleRatioMismatch: boolean;
}

export interface DailySeries {
  journeyId: string;
  asOf: string;
  currency: string | null;
  analysis: 'fixedHorizon' | 'sequential';
  days: DailyPoint[];
}

/**
 * The KPI answer per entry day, cumulative: day d shows every enrollment that entered on or before d (within
 * the filters), as the answer would have read had it stopped taking entries then, with today's outcomes.
 */
export function buildDaily(all: readonly CounterDocument[], query: KpiQuery, now: Date, timeZone: string): DailySeries {
  const filters = { version: query.version, segment: query.segment, channel: query.channel, from: query.from, to: query.to };
  const selection = selectCounters(all, { ...filters, currency: query.currency });
  const today = new DayClock(timeZone).dayOfMs(now.getTime());
  const days = [...new Set(selection.counters.map((c) => c.entryDay))].sort();
  const points = days.map((entryDay) => {
    const report = reportOf(
      query.journeyId,
      { ...selection, counters: selection.counters.filter((c) => c.entryDay <= entryDay) },
      filters,
      query.targetRelativeUplift,
      now,
      today,
    );
    return { entryDay, arms: report.arms, comparisons: report.comparisons, sampleRatioMismatch: report.checks.sampleRatioMismatch };
  });
  const overall = reportOf(query.journeyId, selection, filters, query.targetRelativeUplift, now, today);
  return { journeyId: query.journeyId, asOf: now.toISOString(), currency: selection.currency, analysis: overall.analysis, days: points };
}

const csvColumns = [
  'date', 'journeyId', 'entryDay', 'arm', 'currency', 'analysis',
  'enrolled', 'messaged', 'messages', 'couponsIssued', 'couponsRedeemed', 'redemptionRate', 'reactivated', 'reactivationRate',
  'revenue', 'revenuePerEnrolled', 'discountCost', 'openWindows',
  'against', 'reactivationAbsolute', 'reactivationRelative', 'reactivationCi95Low', 'reactivationCi95High', 'reactivationPValue',
  'revenuePerEnrolledAbsolute', 'revenuePerEnrolledRelative', 'revenuePerEnrolledCi95Low', 'revenuePerEnrolledCi95High', 'revenuePerEnrolledPValue',
  'varianceReduction', 'incrementalRevenue', 'incrementalRevenueNetOfDiscount', 'sampleRatioMismatch',
] as const;

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  // A text starting with = + - @ would run as a formula in a spreadsheet: prefixed with ' (OWASP CSV injection).
  const text = typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** Where kpis-export writes a day's CSV in the snapshot container. */
export const kpisExportPath = (date: string) => `${snapshotFolders.kpiExports.prefix}${date}.csv`;

/**
 * CSV for Tableau / Power BI: one row per journey, arm and entry day (cumulative, as in /api/kpis/daily), each
 * arm with its comparison against `control` (a three-arm journey's coupon-vs-message rows as well).
 */
export function dailyCsv(dateText: string, series: readonly DailySeries[]): string {
  const lines: string[] = [csvColumns.join(',')];
  for (const s of series) {
    for (const point of s.days) {
      for (const arm of point.arms) {
        const comparisons = point.comparisons.filter((c) => c.arm === arm.arm);
        for (const comparison of comparisons.length > 0 ? comparisons : [undefined]) {
          const row: Record<(typeof csvColumns)[number], unknown> = {
            date: dateText,
            journeyId: s.journeyId,
            entryDay: point.entryDay,
            arm: arm.arm,
            currency: s.currency,
            analysis: s.analysis,
            enrolled: arm.enrolled,
            messaged: arm.messaged,
            messages: arm.messages,
            couponsIssued: arm.couponsIssued,
            couponsRedeemed: arm.couponsRedeemed,
            redemptionRate: arm.redemptionRate,
            reactivated: arm.reactivated,
            reactivationRate: arm.reactivationRate,
            revenue: arm.revenue,
            revenuePerEnrolled: arm.revenuePerEnrolled,
            discountCost: arm.discountCost,
            openWindows: arm.openWindows,
            against: comparison?.against,
            reactivationAbsolute: comparison?.reactivation.absolute,
            reactivationRelative: comparison?.reactivation.relative,
            reactivationCi95Low: comparison?.reactivation.ci95[0],
            reactivationCi95High: comparison?.reactivation.ci95[1],
            reactivationPValue: comparison?.reactivation.pValue,
            revenuePerEnrolledAbsolute: comparison?.revenuePerEnrolled.absolute,
            revenuePerEnrolledRelative: comparison?.revenuePerEnrolled.relative,
            revenuePerEnrolledCi95Low: comparison?.revenuePerEnrolled.ci95[0],
            revenuePerEnrolledCi95High: comparison?.revenuePerEnrolled.ci95[1],
            revenuePerEnrolledPValue: comparison?.revenuePerEnrolled.pValue,
            varianceReduction: comparison?.revenuePerEnrolled.varianceReduction,
            incrementalRevenue: comparison?.incrementalRevenue.value,
            incrementalRevenueNetOfDiscount: comparison?.incrementalRevenueNetOfDiscount.value,
            sampleRatioMismatch: point.sampleRatioMismatch,
          };
          lines.push(csvColumns.map((c) => cell(row[c])).join(','));
        }
      }
    }
  }
  return lines.join('\r\n') + '\r\n';
}
