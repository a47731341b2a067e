import { z } from 'zod';
import { isKnownCurrency } from '../money.js';
import { audienceNeeded, holdoutNeeded, meanMde, meanPower, proportionMde, proportionPower } from './stats/power.js';

/**
 * Planning before launch (POST /api/experiments/power): how small an effect a journey with this audience and
 * holdout can detect, and whether the effect the marketer hopes for is one of them.
 */
export const PowerRequest = z
  .strictObject({
    /** Customers expected to enter (treatment + holdout). */
    audience: z.number().int().min(2).max(1e9),
    holdoutPercent: z.number().gt(0).lt(100),
    alpha: z.number().gt(0).max(0.5).default(0.05),
    power: z.number().min(0.5).lt(1).default(0.8),
    /** Share of customers who reactivate without treatment. */
    baseRate: z.number().gt(0).lt(1).optional(),
    /** Absolute change in the reactivation rate hoped for (0.01 = +1 percentage point). */
    expectedUplift: z.number().gt(-1).lt(1).refine((v) => v !== 0, 'must not be 0').optional(),
    revenue: z
      .strictObject({
        /** Mean spend per customer in the attribution window, major units, zeros included. */
        mean: z.number().min(0),
        /** Standard deviation of that spend (per customer). */
        sd: z.number().gt(0),
        currency: z.string().refine(isKnownCurrency, 'an ISO 4217 currency code').optional(),
        /** Change hoped for, absolute (major units per customer)… */
        expectedUplift: z.number().refine((v) => v !== 0, 'must not be 0').optional(),
        /** …or relative, in percent of `mean` (1.2 = +1.2 %). */
        expectedUpliftPercent: z.number().refine((v) => v !== 0, 'must not be 0').optional(),
      })
      .refine((r) => (r.expectedUplift === undefined) !== (r.expectedUpliftPercent === undefined), {
        message: 'give exactly one of expectedUplift and expectedUpliftPercent',
        path: ['expectedUplift'],
      })
      .refine((r) => r.expectedUpliftPercent === undefined || r.mean > 0, {
        message: 'a relative uplift needs a mean above 0',
        path: ['expectedUpliftPercent'],
      })
      .optional(),
  })
  .superRefine((r, ctx) => {
    if (r.baseRate === undefined && r.revenue === undefined)
      ctx.addIssue({ code: 'custom', path: ['baseRate'], message: 'give baseRate (reactivation) and/or revenue' });
    if (r.baseRate !== undefined && r.expectedUplift === undefined)
      ctx.addIssue({ code: 'custom', path: ['expectedUplift'], message: 'required with baseRate' });
    if (r.expectedUplift !== undefined && r.baseRate === undefined)
      ctx.addIssue({ code: 'custom', path: ['baseRate'], message: 'required with expectedUplift' });
    if (r.baseRate !== undefined && r.expectedUplift !== undefined && (r.baseRate + r.expectedUplift <= 0 || r.baseRate + r.expectedUplift >= 1))
      ctx.addIssue({ code: 'custom', path: ['expectedUplift'], message: 'baseRate + expectedUplift must stay between 0 and 1' });
  });
export type PowerRequest = z.infer<typeof PowerRequest>;

export interface MetricPlan {
  minimumDetectableEffect: number | null;
  minimumDetectableEffectRelative: number | null;
  expectedUplift: number;
  powerAtExpectedUplift: number;
  holdoutPercentNeeded: number | null;
  audienceNeeded: number | null;
  underpowered: boolean;
  verdict: 'detectable' | 'likelyMissed' | 'veryLikelyNotDetectable';
  message: string;
  method: string;
}

export interface PowerPlan {
  audience: number;
  holdoutPercent: number;
  alpha: number;
  power: number;
  groups: { treatment: number; control: number };
  reactivation?: MetricPlan & { baseRate: number };
  revenue?: MetricPlan & { mean: number; sd: number; currency: string | null };
  underpowered: boolean;
  message: string;
}

const fmt = (value: number, digits = 0) => value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const pct = (share: number, digits = 1) => `${fmt(share * 100, digits)} %`;
const signed = (text: string, value: number) => (value > 0 ? `+${text}` : text);

function verdictOf(powerAt: number, target: number): MetricPlan['verdict'] {
  if (powerAt >= target) return 'detectable';
  return powerAt < 0.2 ? 'veryLikelyNotDetectable' : 'likelyMissed';
}

function sentence(
  request: PowerRequest,
  what: { effect: string; mde: string | null; expected: string; powerAt: number; holdoutNeeded: number | null; audienceNeeded: number | null },
): string {
  const share = request.holdoutPercent / 100;
  const setting = `With ${fmt(request.audience)} customers and a ${fmt(request.holdoutPercent, 1)} % holdout`;
  const reliably = `${pct(request.power, 0)} of the time`;
  const mde = what.mde
    ? `${setting}, the smallest ${what.effect} this test detects ${reliably} is ${what.mde}.`
    : `${setting}, no ${what.effect} is large enough to be detected ${reliably}.`;
  const verdict = verdictOf(what.powerAt, request.power);
  const expected =
    verdict === 'detectable'
      ? `The ${what.expected} you expect would be detected ${pct(what.powerAt, 0)} of the time: the test is powered.`
      : `The ${what.expected} you expect would be detected only ${pct(what.powerAt, 0)} of the time: ${verdict === 'veryLikelyNotDetectable' ? 'very likely not detectable' : 'it may well be missed'}.`;
  let advice = '';
  if (verdict === 'detectable') {
    if (what.holdoutNeeded !== null && what.holdoutNeeded < share - 1e-9) advice = ` A holdout of ${fmt(what.holdoutNeeded * 100, 1)} % would already be enough.`;
  } else {
    const holdout = what.holdoutNeeded !== null ? `Raise the holdout to ${fmt(what.holdoutNeeded * 100, 1)} %` : 'Even a 50 % holdout would not be enough';
    const audience = what.audienceNeeded !== null ? `at a ${fmt(request.holdoutPercent, 1)} % holdout you would need about ${fmt(what.audienceNeeded)} customers` : 'no realistic audience would be enough at this holdout';
    advice = ` ${holdout}; ${audience}.`;
  }
  return `${mde} ${expected}${advice}`;
}

const roundUpPercent = (share: number | null) => (share === null ? null : Math.ceil(share * 1000 - 1e-9) / 10);

/**
 * What both metrics' plans share: the power now, the holdout and the audience that would reach the target,
 * the verdict and its sentence. `relativeTo` is the base the relative MDE is expressed against (0: none).
 */
function metricPlan(
  request: PowerRequest,
  groups: { nT: number; nC: number; share: number },
  metric: { powerAt: (t: number, c: number) => number; mde: number | null; expectedUplift: number; relativeTo: number; effect: string; mdeText: string | null; expectedText: string; method: string },
): MetricPlan {
  const powerNow = metric.powerAt(groups.nT, groups.nC);
  const holdout = holdoutNeeded(request.audience, request.power, metric.powerAt);
  const audience = audienceNeeded(groups.share, request.power, metric.powerAt);
  return {
    minimumDetectableEffect: metric.mde,
    minimumDetectableEffectRelative: metric.mde === null || metric.relativeTo === 0 ? null : metric.mde / metric.relativeTo,
    expectedUplift: metric.expectedUplift,
    powerAtExpectedUplift: powerNow,
    holdoutPercentNeeded: roundUpPercent(holdout),
    audienceNeeded: audience,
    underpowered: powerNow < request.power,
    verdict: verdictOf(powerNow, request.power),
    message: sentence(request, { effect: metric.effect, mde: metric.mdeText, expected: metric.expectedText, powerAt: powerNow, holdoutNeeded: holdout, audienceNeeded: audience }),
    method: metric.method,
  };
}

export function planExperiment(request: PowerRequest): PowerPlan {
  const share = request.holdoutPercent / 100;
  const nC = request.audience * share;
  const nT = request.audience - nC;
  const plan: PowerPlan = {
    audience: request.audience,
    holdoutPercent: request.holdoutPercent,
    alpha: request.alpha,
    power: request.power,
    groups: { treatment: Math.round(nT), control: Math.round(nC) },
    underpowered: false,
    message: '',
  };
  const messages: string[] = [];

  const groups = { nT, nC, share };
  if (request.baseRate !== undefined && request.expectedUplift !== undefined) {
    const base = request.baseRate;
    const uplift = request.expectedUplift;
    const mde = proportionMde(base, nT, nC, request.alpha, request.power);
    plan.reactivation = {
      baseRate: base,
      ...metricPlan(request, groups, {
        powerAt: (t, c) => proportionPower(base, uplift, t, c, request.alpha),
        mde,
        expectedUplift: uplift,
        relativeTo: base,
        effect: 'change in the reactivation rate',
        mdeText: mde === null ? null : `${fmt(mde * 100, 2)} percentage points (from ${pct(base)} to ${pct(base + mde)})`,
        expectedText: `${signed(fmt(uplift * 100, 2), uplift)} percentage points`,
        method: 'two-sided test of two proportions (pooled z), power by the normal approximation for unequal groups (Fleiss, Levin & Paik 2003)',
      }),
    };
    messages.push(`Reactivation: ${plan.reactivation.message}`);
  }

  if (request.revenue) {
    const { mean, sd } = request.revenue;
    const uplift = request.revenue.expectedUplift ?? (mean * request.revenue.expectedUpliftPercent!) / 100;
    const currency = request.revenue.currency ?? null;
    const money = (v: number) => (currency ? `${fmt(v, 2)} ${currency}` : fmt(v, 2));
    const relative = (v: number) => (mean > 0 ? ` (${signed(fmt((v / mean) * 100, 1), v)} %)` : '');
    const mde = meanMde(sd, nT, nC, request.alpha, request.power);
    plan.revenue = {
      mean,
      sd,
      currency,
      ...metricPlan(request, groups, {
        powerAt: (t, c) => meanPower(sd, uplift, t, c, request.alpha),
        mde,
        expectedUplift: uplift,
        relativeTo: mean,
        effect: 'change in revenue per customer',
        mdeText: mde === null ? null : `${money(mde)} per customer${relative(mde)}`,
        expectedText: `${signed(money(uplift), uplift)} per customer${relative(uplift)}`,
        method: 'two-sided test of two means (normal approximation to Welch), MDE = (z₁₋α/₂ + z₁₋β)·sd·√(1/nT + 1/nC); CUPED would shrink sd by √(1 − variance reduction)',
      }),
    };
    messages.push(`Revenue: ${plan.revenue.message}`);
  }

  plan.underpowered = (plan.reactivation?.underpowered ?? false) || (plan.revenue?.underpowered ?? false);
  plan.message = messages.join(' ');
  return plan;
}
