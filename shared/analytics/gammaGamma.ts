import { z } from 'zod';
import { minimizeBfgs } from './optimize.js';
import { digamma, logGamma } from './special.js';

/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999): a customer's
 * purchase-day values are Gamma(p, ν), ν ~ Gamma(q, γ) across customers. Fitted on repeat buyers' mean
 * repeat value m (lifetimes' monetary_value). γ is in the money unit of m — minor units here.
 */
export const GammaGammaParams = z.object({
  p: z.number().positive(),
  q: z.number().positive(),
  gamma: z.number().positive(),
});
export type GammaGammaParams = z.infer<typeof GammaGammaParams>;

/** Relative width of the spend buckets (0.1 %). */
export const spendBucketWidth = 1e-3;
const logBucketBase = Math.log1p(spendBucketWidth);

/**
 * Bucket of a mean spend m > 0: geometric buckets of relative width 0.1 %. Buckets keep the per-bucket
 * count, Σ ln m and Σ m, so the (p x − 1) ln m term of the likelihood stays exact; only ln(x m + γ) is
 * evaluated at the bucket mean. ln is concave, so by Jensen the error per customer is at most
 * (p x + q) · δ²/8 with δ ≤ 0.1 % the spread inside a bucket: below 2e-7 · (p x + q) nats.
 */
export function spendBucket(m: number): number {
  return Math.floor(Math.log(m) / logBucketBase);
}

/** Mergeable spend statistic: repeat buyers (m > 0) grouped by (x, spend bucket of m). */
export interface SpendHistogram {
  length: number;
  x: Int32Array;
  bucket: Int32Array;
  count: Float64Array;
  sumLogM: Float64Array;
  sumM: Float64Array;
}

/** lifetimes' per-customer Gamma-Gamma log-likelihood. */
export function gammaGammaLogLikelihoodOne(g: GammaGammaParams, x: number, m: number): number {
  const { p, q, gamma } = g;
  return (
    logGamma(p * x + q) -
    logGamma(p * x) -
    logGamma(q) +
    q * Math.log(gamma) +
    (p * x - 1) * Math.log(m) +
    p * x * Math.log(x) -
    (p * x + q) * Math.log(x * m + gamma)
  );
}

export function gammaGammaLogLikelihood(
  g: GammaGammaParams,
  h: SpendHistogram,
): { logLikelihood: number; gradient: [number, number, number] } {
  const { p, q, gamma } = g;
  let maxX = 0;
  for (let i = 0; i < h.length; i++) if (h.x[i]! > maxX) maxX = h.x[i]!;
  const n = new Float64Array(maxX + 1);
  const sumLog = new Float64Array(maxX + 1);
  const lx = new Float64Array(maxX + 1);
  const ix = new Float64Array(maxX + 1);
  for (let i = 0; i < h.length; i++) {
    const x = h.x[i]!;
    const c = h.count[i]!;
    const v = x * (h.sumM[i]! / c) + gamma;
    n[x]! += c;
    sumLog[x]! += h.sumLogM[i]!;
    lx[x]! += c * Math.log(v);
    ix[x]! += c / v;
  }
  const lgQ = logGamma(q);
  const psiQ = digamma(q);
  const lnGamma = Math.log(gamma);
  let ll = 0;
  let gp = 0;
  let gq = 0;
  let gg = 0;
  for (let x = 1; x <= maxX; x++) {
    const c = n[x]!;
    if (c === 0) continue;
    const px = p * x;
    const lnX = Math.log(x);
    const psiPXQ = digamma(px + q);
    ll += c * (logGamma(px + q) - logGamma(px) - lgQ + q * lnGamma + px * lnX) + (px - 1) * sumLog[x]! - (px + q) * lx[x]!;
    gp += c * x * (psiPXQ - digamma(px) + lnX) + x * sumLog[x]! - x * lx[x]!;
    gq += c * (psiPXQ - psiQ + lnGamma) - lx[x]!;
    gg += (c * q) / gamma - (px + q) * ix[x]!;
  }
  return { logLikelihood: ll, gradient: [gp, gq, gg] };
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  customers: number;
  meanSpend: number;
  iterations: number;
}

export type GammaGammaFitResult =
  | { ok: true; fit: GammaGammaFit }
  | { ok: false; reason: 'too_few_repeat_buyers' | 'did_not_converge'; message: string };

export function fitGammaGamma(
  h: SpendHistogram,
  options: { start?: GammaGammaParams; minRepeatBuyers?: number } = {},
): GammaGammaFitResult {
  let customers = 0;
  let spend = 0;
  for (let i = 0; i < h.length; i++) {
    customers += h.count[i]!;
    spend += h.sumM[i]!;
  }
  const minimum = Math.max(2, options.minRepeatBuyers ?? 2);
  if (customers < minimum) {
    return { ok: false, reason: 'too_few_repeat_buyers', message: `${customers} repeat buyers, need ${minimum}` };
  }
  const mean = spend / customers;
  // E[m] ≈ p γ / (q − 1): starting points on that line, spread over the shape of the spend distribution.
  const starts: GammaGammaParams[] = [
    { p: 2, q: 3, gamma: mean },
    { p: 6, q: 4, gamma: mean / 2 },
    { p: 1, q: 1.5, gamma: mean / 2 },
  ];
  if (options.start !== undefined) starts.unshift(options.start);
  const objective = (theta: readonly number[]) => {
    const g = { p: Math.exp(theta[0]!), q: Math.exp(theta[1]!), gamma: Math.exp(theta[2]!) };
    const { logLikelihood, gradient } = gammaGammaLogLikelihood(g, h);
    return {
      value: -logLikelihood / customers,
      gradient: [(-gradient[0] * g.p) / customers, (-gradient[1] * g.q) / customers, (-gradient[2] * g.gamma) / customers],
    };
  };
  let best: { theta: number[]; value: number; iterations: number } | undefined;
  for (const s of starts) {
    const result = minimizeBfgs(objective, [Math.log(s.p), Math.log(s.q), Math.log(s.gamma)]);
    if (!result.converged || !Number.isFinite(result.value)) continue;
    best = { theta: result.theta, value: result.value, iterations: result.iterations };
    // Further starting points only matter when this one failed.
    break;
  }
  if (best === undefined) return { ok: false, reason: 'did_not_converge', message: 'no starting point converged' };
  return {
    ok: true,
    fit: {
      params: { p: Math.exp(best.theta[0]!), q: Math.exp(best.theta[1]!), gamma: Math.exp(best.theta[2]!) },
      logLikelihood: -best.value * customers,
      customers,
      meanSpend: mean,
      iterations: best.iterations,
    },
  };
}

/**
 * E[M | x, m]: posterior mean purchase value, shrinking the customer's own mean toward the population's.
 * Without repeat purchases (or a non-positive mean, e.g. after refunds) it is the population mean pγ/(q−1).
 */
export function conditionalExpectedAverageSpend(g: GammaGammaParams, x: number, m: number): number {
  if (x <= 0 || !(m > 0)) return (g.p * g.gamma) / (g.q - 1);
  return (g.p * (g.gamma + x * m)) / (g.p * x + g.q - 1);
}

/**
 * lifetimes' `customer_lifetime_value` discounting: the horizon is cut into months; month i contributes
 * value × (E[Y(i)] − E[Y(i−1)]) / (1 + d)^i, with E[Y(·)] the conditional expected purchases up to then.
 */
export function customerLifetimeValue(
  expectedUpTo: (days: number) => number,
  expectedValue: number,
  options: { months: number; monthlyDiscountRate: number; daysPerMonth: number },
): number {
  let clv = 0;
  let previous = 0;
  for (let i = 1; i <= options.months; i++) {
    const cumulative = expectedUpTo(i * options.daysPerMonth);
    clv += (expectedValue * (cumulative - previous)) / (1 + options.monthlyDiscountRate) ** i;
    previous = cumulative;
  }
  return clv;
}
