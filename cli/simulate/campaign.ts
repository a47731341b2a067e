import { z } from 'zod';
import { currencyExponent } from '../../shared/money.js';
import type { HostClient } from '../host-client.js';

/**
 * Everything the simulation needs from journeys (issue #8) and KPIs (issue #10), in one place: the routes
 * and answer shapes those issues name. A host without them makes the command fail with the missing route —
 * the simulation never invents what the host did not do.
 */
export const journeyId = 'winback-default';

export const CustomerMessage = z.looseObject({
  messageId: z.string(),
  channel: z.string(),
  template: z.string().nullish(),
  journeyId: z.string().nullish(),
  stepId: z.string().nullish(),
  status: z.enum(['sent', 'deferred', 'skipped', 'failed']),
  reason: z.string().nullish(),
  createdAt: z.string(),
  sentAt: z.string().nullish(),
  couponCode: z.string().nullish(),
});
export type CustomerMessage = z.infer<typeof CustomerMessage>;

export const CustomerEnrollment = z.looseObject({
  journeyId: z.string(),
  version: z.number().optional(),
  arm: z.string(),
  status: z.string(),
  enteredAt: z.string(),
});
export type CustomerEnrollment = z.infer<typeof CustomerEnrollment>;

const Interval = z.tuple([z.number(), z.number()]);
export const KpiComparison = z.looseObject({
  arm: z.string(),
  against: z.string(),
  reactivation: z.looseObject({ absolute: z.number(), relative: z.number().nullish(), ci95: Interval, pValue: z.number().nullish(), method: z.string() }),
  revenuePerEnrolled: z.looseObject({ absolute: z.number(), ci95: Interval, method: z.string() }).optional(),
  incrementalRevenue: z.looseObject({ value: z.number(), ci95: Interval }).optional(),
});
export type KpiComparison = z.infer<typeof KpiComparison>;

export const KpiReport = z.looseObject({
  attributionDays: z.number().int().positive().nullable(),
  asOf: z.string(),
  currency: z.string().nullish(),
  arms: z.array(z.looseObject({ arm: z.string(), enrolled: z.number(), messaged: z.unknown().optional(), reactivated: z.number().optional(), reactivationRate: z.number().nullish(), couponsIssued: z.number().optional(), couponsRedeemed: z.number().optional(), revenue: z.number().optional() })),
  comparisons: z.array(KpiComparison),
});
export type KpiReport = z.infer<typeof KpiReport>;

export class MissingRouteError extends Error {
  constructor(readonly routes: { route: string; issue: string }[], url: string) {
    super(
      `the host at ${url} lacks ${routes.map((r) => `${r.route} (${r.issue})`).join(', ')}: the campaign loop needs journeys and KPIs. ` +
        'Run with --no-journeys to simulate purchases and nightly segmentation only.',
    );
    this.name = 'MissingRouteError';
  }
}

export class ShapeError extends Error {}

/** A 404 that the host itself gave (no function route matched), not one a function answered. */
function routeMissing(status: number, text: string): boolean {
  return status === 404 && (text.trim() === '' || /no function route matches|no route for/.test(text));
}

export class CampaignApi {
  constructor(private readonly client: HostClient) {}

  /** Checks that every route the campaign loop uses exists, and says which do not. */
  async preflight(probeCustomerId: string): Promise<void> {
    const probes = [
      { route: `GET /api/journeys/${journeyId}`, path: `/api/journeys/${journeyId}`, issue: 'journeys, issue #8' },
      { route: 'GET /api/customers/{id}/journeys', path: `/api/customers/${probeCustomerId}/journeys`, issue: 'journeys, issue #8' },
      { route: 'GET /api/customers/{id}/messages', path: `/api/customers/${probeCustomerId}/messages`, issue: 'journeys and the outbox, issue #8' },
      { route: `GET /api/kpis?journeyId=${journeyId}`, path: `/api/kpis?journeyId=${journeyId}`, issue: 'KPIs, issue #10' },
    ];
    const missing = [];
    for (const probe of probes) {
      const response = await this.client.request('GET', probe.path);
      if (routeMissing(response.status, response.text)) missing.push(probe);
    }
    if (missing.length > 0) throw new MissingRouteError(missing, this.client.url);
  }

  private async read<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    const response = await this.client.expect([200], 'GET', path);
    const parsed = schema.safeParse(response.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ShapeError(`GET ${path} answered a shape the simulation does not know: ${issue.path.join('.')}: ${issue.message}`);
    }
    return parsed.data;
  }

  async messages(customerId: string): Promise<CustomerMessage[]> {
    return (await this.read(`/api/customers/${encodeURIComponent(customerId)}/messages`, z.object({ items: z.array(CustomerMessage) }))).items;
  }

  async enrollments(customerId: string): Promise<CustomerEnrollment[]> {
    return (await this.read(`/api/customers/${encodeURIComponent(customerId)}/journeys`, z.object({ items: z.array(CustomerEnrollment) }))).items;
  }

  /** Shipped journeys start paused; the simulation is the marketer who switches the win-back on. */
  async resume(): Promise<void> {
    const response = await this.client.expect<{ status?: string }>([200], 'POST', `/api/journeys/${journeyId}/resume`);
    if (response.body.status !== 'active') throw new ShapeError(`POST /api/journeys/${journeyId}/resume answered status ${String(response.body.status)}, not active`);
  }

  /** What the customer's coupon list says of a coupon: its minimum basket (minor units, 0 for none) and expiry. */
  async couponConditions(customerId: string, code: string): Promise<{ minBasketMinor: number; expiresAt?: string; status?: string }> {
    const list = await this.read(
      `/api/customers/${encodeURIComponent(customerId)}/coupons`,
      z.looseObject({
        coupons: z.array(z.looseObject({ code: z.string(), status: z.string().optional(), expiresAt: z.string().optional(), terms: z.looseObject({ minBasketMinor: z.number().int().nonnegative().optional() }) })),
      }),
    );
    const coupon = list.coupons.find((c) => c.code === code);
    return { minBasketMinor: coupon?.terms.minBasketMinor ?? 0, ...(coupon?.expiresAt ? { expiresAt: coupon.expiresAt } : {}), ...(coupon?.status ? { status: coupon.status } : {}) };
  }

  async kpis(): Promise<KpiReport> {
    return this.read(`/api/kpis?journeyId=${journeyId}`, KpiReport);
  }

  /** The journey's attribution window (days, as the KPIs count it) and the segments that enroll. */
  async definition(): Promise<{ attributionDays: number; segments: string[] }> {
    const journey = await this.read(
      `/api/journeys/${journeyId}`,
      z.looseObject({
        attributionDays: z.number().int().positive().optional(),
        trigger: z.looseObject({ type: z.string(), segments: z.array(z.string()).optional() }),
      }),
    );
    return { attributionDays: journey.attributionDays ?? 30, segments: journey.trigger.segments ?? [] };
  }
}

/** What the simulation injected, per arm: the sum of its customers' expected effects (0 for the holdout). */
export type InjectedEffects = Map<string, number>;

/** The revenue the journey added per arm, in minor units (RevenueLedger): induced orders, top-ups minus discounts. */
export type InjectedRevenue = Map<string, number>;

export interface CheckedComparison {
  journeyId: string;
  /** What is compared: the reactivation rate (a share), or revenue per enrolled customer (the report's currency). */
  metric: 'reactivation' | 'revenuePerEnrolled';
  arms: [string, string];
  estimate: number;
  ci95: [number, number];
  /** The effect the simulation injected for this comparison (difference of the arms' mean effects). */
  injected: number;
  covered: boolean;
}

/**
 * The self-check: each reported 95 % interval must contain the effect the simulation injected, arm minus
 * the arm it is compared against, per enrolled customer —
 * - reactivation: the mean expected effect (the sum over the arm's messaged customers ÷ enrolled);
 * - revenue per enrolled: what the journey's orders added to the arm's revenue ÷ enrolled, in major units
 *   of the report's currency (when the report and `revenue` have it).
 */
export function selfCheck(report: KpiReport, injected: InjectedEffects, revenue?: InjectedRevenue): CheckedComparison[] {
  const enrolled = new Map(report.arms.map((a) => [a.arm, a.enrolled]));
  const perEnrolled = (totals: Map<string, number>, arm: string) => {
    const n = enrolled.get(arm) ?? 0;
    return n === 0 ? 0 : (totals.get(arm) ?? 0) / n;
  };
  const minorPerMajor = 10 ** currencyExponent(report.currency ?? 'EUR');
  const check = (metric: CheckedComparison['metric'], c: KpiComparison, estimate: number, ci95: [number, number], truth: number): CheckedComparison => ({
    journeyId,
    metric,
    arms: [c.arm, c.against],
    estimate,
    ci95,
    injected: truth,
    covered: ci95[0] <= truth && truth <= ci95[1],
  });
  return report.comparisons.flatMap((c) => {
    const checks = [check('reactivation', c, c.reactivation.absolute, c.reactivation.ci95, perEnrolled(injected, c.arm) - perEnrolled(injected, c.against))];
    if (revenue && c.revenuePerEnrolled) {
      const truth = (perEnrolled(revenue, c.arm) - perEnrolled(revenue, c.against)) / minorPerMajor;
      checks.push(check('revenuePerEnrolled', c, c.revenuePerEnrolled.absolute, c.revenuePerEnrolled.ci95, truth));
    }
    return checks;
  });
}
