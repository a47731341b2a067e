import { z } from 'zod';
import { minimizeBfgs } from './optimize.js';
import { digamma, hyp2f1, logGamma } from './special.js';

/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"). While alive a customer buys
 * as a Poisson process with rate λ ~ Gamma(r, α); after each purchase they drop out with probability
 * p ~ Beta(a, b). α is a time scale and carries the time unit; r, a, b are unit-free.
 */
export const BgNbdParams = z.object({
  r: z.number().positive(),
  alpha: z.number().positive(),
  a: z.number().positive(),
  b: z.number().positive(),
});
export type BgNbdParams = z.infer<typeof BgNbdParams>;

export const TimeUnit = z.enum(['day', 'week']);
export type TimeUnit = z.infer<typeof TimeUnit>;

export function daysPerUnit(unit: TimeUnit): number {
  switch (unit) {
    case 'day':
      return 1;
    case 'week':
      return 7;
  }
}

/**
 * The compressed sufficient statistic: how many customers share each (x, t_x, T), times in whole days.
 * Shards build it independently and histograms add, so a fit over the merged histogram equals a fit over
 * all customers at once.
 */
export interface RfHistogram {
  length: number;
  x: Int32Array;
  tx: Int32Array;
  T: Int32Array;
  count: Float64Array;
}

/** ln L for one (x, t_x, T) in the model's time unit; the x > 0 term combined by log-sum-exp. */
export function bgnbdLogLikelihoodOne(p: BgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  const a1 = logGamma(r + x) - logGamma(r) + r * Math.log(alpha);
  const a2 = logGamma(a + b) + logGamma(b + x) - logGamma(b) - logGamma(a + b + x);
  const a3 = -(r + x) * Math.log(alpha + T);
  if (x === 0) return a1 + a2 + a3;
  const a4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  const m = Math.max(a3, a4);
  return a1 + a2 + m + Math.log(Math.exp(a3 - m) + Math.exp(a4 - m));
}

/**
 * Total log-likelihood of a histogram and its gradient with respect to (r, α, a, b). Everything that
 * depends on x alone is computed once per distinct x and everything that depends on a day count once per
 * day, so one evaluation costs a table lookup, an exp and a log1p per histogram entry.
 */
export function bgnbdLogLikelihood(
  p: BgNbdParams,
  h: RfHistogram,
  unit: TimeUnit,
): { logLikelihood: number; gradient: [number, number, number, number] } {
  const { r, alpha, a, b } = p;
  const scale = 1 / daysPerUnit(unit);
  let maxDay = 0;
  let maxX = 0;
  for (let i = 0; i < h.length; i++) {
    if (h.T[i]! > maxDay) maxDay = h.T[i]!;
    if (h.x[i]! > maxX) maxX = h.x[i]!;
  }
  const lnA = new Float64Array(maxDay + 1);
  const invA = new Float64Array(maxDay + 1);
  for (let d = 0; d <= maxDay; d++) {
    const v = alpha + d * scale;
    lnA[d] = Math.log(v);
    invA[d] = 1 / v;
  }
  const lnRatio = new Float64Array(maxX + 1);
  for (let x = 1; x <= maxX; x++) lnRatio[x] = Math.log(a) - Math.log(b + x - 1);
  const nx = new Float64Array(maxX + 1);
  const wx = new Float64Array(maxX + 1);

  let ll = 0;
  let gr = 0;
  let gAlpha = 0;
  const xs = h.x;
  const txs = h.tx;
  const Ts = h.T;
  const counts = h.count;
  const length = h.length;
  for (let i = 0; i < length; i++) {
    const x = xs[i]!;
    const T = Ts[i]!;
    const c = counts[i]!;
    const rx = r + x;
    const lT = lnA[T]!;
    nx[x]! += c;
    ll -= c * rx * lT;
    gr -= c * lT;
    gAlpha -= c * rx * invA[T]!;
    if (x > 0) {
      const tx = txs[i]!;
      const lTx = lnA[tx]!;
      const d = lnRatio[x]! + rx * (lT - lTx);
      const e = Math.exp(-Math.abs(d));
      const softplus = (d > 0 ? d : 0) + Math.log1p(e);
      const w = d >= 0 ? 1 / (1 + e) : e / (1 + e);
      ll += c * softplus;
      gr += c * w * (lT - lTx);
      gAlpha += c * w * rx * (invA[T]! - invA[tx]!);
      wx[x]! += c * w;
    }
  }
  const lgR = logGamma(r);
  const psiR = digamma(r);
  const lgAB = logGamma(a + b);
  const psiAB = digamma(a + b);
  const lgB = logGamma(b);
  const psiB = digamma(b);
  const lnAlpha = Math.log(alpha);
  let ga = 0;
  let gb = 0;
  for (let x = 0; x <= maxX; x++) {
    const n = nx[x]!;
    if (n === 0) continue;
    const lgABX = logGamma(a + b + x);
    const psiABX = digamma(a + b + x);
    ll += n * (logGamma(r + x) - lgR + r * lnAlpha + lgAB + logGamma(b + x) - lgB - lgABX);
    gr += n * (digamma(r + x) - psiR + lnAlpha);
    gAlpha += (n * r) / alpha;
    ga += n * (psiAB - psiABX);
    gb += n * (psiAB + digamma(b + x) - psiB - psiABX);
    if (x > 0) {
      ga += wx[x]! / a;
      gb -= wx[x]! / (b + x - 1);
    }
  }
  return { logLikelihood: ll, gradient: [gr, gAlpha, ga, gb] };
}

export interface BgNbdFit {
  params: BgNbdParams;
  logLikelihood: number;
  customers: number;
  iterations: number;
}

export type BgNbdFitResult =
  | { ok: true; fit: BgNbdFit }
  | { ok: false; reason: 'too_few_customers' | 'no_repeat_purchases' | 'did_not_converge'; message: string };

export interface BgNbdFitOptions {
  unit: TimeUnit;
  /** Extra starting point, typically the last good fit: warm starts converge in a few iterations. */
  start?: BgNbdParams;
  minCustomers?: number;
}

/** Maximum likelihood over log-parameters by BFGS from several starting points; the best converged wins. */
export function fitBgNbd(h: RfHistogram, options: BgNbdFitOptions): BgNbdFitResult {
  let customers = 0;
  let repeatPurchases = 0;
  let exposure = 0;
  for (let i = 0; i < h.length; i++) {
    customers += h.count[i]!;
    repeatPurchases += h.count[i]! * h.x[i]!;
    exposure += h.count[i]! * h.T[i]!;
  }
  const minCustomers = options.minCustomers ?? 1;
  if (customers < Math.max(1, minCustomers)) {
    return { ok: false, reason: 'too_few_customers', message: `${customers} customers, need ${minCustomers}` };
  }
  if (repeatPurchases === 0) {
    return { ok: false, reason: 'no_repeat_purchases', message: 'no customer has bought on a second day' };
  }
  const unitDays = daysPerUnit(options.unit);
  // Poisson rate per time unit among customers, ignoring dropout: λ ≈ r/α gives α for a chosen r.
  const rate = Math.max(repeatPurchases / Math.max(exposure / unitDays, 1e-9), 1e-9);
  const starts: BgNbdParams[] = [
    { r: 1, alpha: 1 / rate, a: 1, b: 1 },
    { r: 0.3, alpha: 0.3 / rate, a: 0.8, b: 2.5 },
    { r: 2, alpha: 2 / rate, a: 0.5, b: 5 },
  ];
  if (options.start !== undefined) starts.unshift(options.start);

  const objective = objectiveOf(h, options.unit, customers);

  // Large bases: a cold start first runs on every k-th histogram entry (weighted by k, an unbiased estimate of
  // the likelihood), so the full histogram only sees the last few BFGS iterations near the optimum.
  const thinned = h.length > 80_000 && options.start === undefined ? thin(h, Math.ceil(h.length / 40_000)) : undefined;
  let best: { theta: number[]; value: number; iterations: number } | undefined;
  for (const s of starts) {
    let theta = [Math.log(s.r), Math.log(s.alpha), Math.log(s.a), Math.log(s.b)];
    let inverseHessian: number[][] | undefined;
    if (thinned !== undefined) {
      const rough = minimizeBfgs(objectiveOf(thinned, options.unit, customers), theta, { gradientTolerance: 1e-7 });
      if (rough.converged) {
        theta = rough.theta;
        inverseHessian = rough.inverseHessian;
      }
    }
    const result = minimizeBfgs(objective, theta, inverseHessian === undefined ? {} : { inverseHessian });
    if (!result.converged || !Number.isFinite(result.value)) continue;
    if (best === undefined || result.value < best.value) {
      best = { theta: result.theta, value: result.value, iterations: result.iterations };
    }
    // Further starting points only matter when this one failed or drifted to a parameter boundary
    // (e.g. b → ∞ when hardly anyone drops out), where another start may find a better interior optimum.
    if (result.theta.every((t) => Math.abs(t) < 20)) break;
  }
  if (best === undefined) {
    return { ok: false, reason: 'did_not_converge', message: 'no starting point converged' };
  }
  const params = {
    r: Math.exp(best.theta[0]!),
    alpha: Math.exp(best.theta[1]!),
    a: Math.exp(best.theta[2]!),
    b: Math.exp(best.theta[3]!),
  };
  return {
    ok: true,
    fit: { params, logLikelihood: -best.value * customers, customers, iterations: best.iterations },
  };
}

/** −ln L / N over log-parameters, with its gradient (chain rule: ∂/∂θ = p · ∂/∂p). */
function objectiveOf(h: RfHistogram, unit: TimeUnit, customers: number) {
  return (theta: readonly number[]) => {
    const p = { r: Math.exp(theta[0]!), alpha: Math.exp(theta[1]!), a: Math.exp(theta[2]!), b: Math.exp(theta[3]!) };
    const { logLikelihood, gradient } = bgnbdLogLikelihood(p, h, unit);
    return {
      value: -logLikelihood / customers,
      gradient: [
        (-gradient[0] * p.r) / customers,
        (-gradient[1] * p.alpha) / customers,
        (-gradient[2] * p.a) / customers,
        (-gradient[3] * p.b) / customers,
      ],
    };
  };
}

function thin(h: RfHistogram, k: number): RfHistogram {
  const n = Math.ceil(h.length / k);
  const out: RfHistogram = {
    length: n,
    x: new Int32Array(n),
    tx: new Int32Array(n),
    T: new Int32Array(n),
    count: new Float64Array(n),
  };
  for (let j = 0, i = 0; i < h.length; i += k, j++) {
    out.x[j] = h.x[i]!;
    out.tx[j] = h.tx[i]!;
    out.T[j] = h.T[i]!;
    out.count[j] = h.count[i]! * k;
  }
  return out;
}

/** P(alive | x, t_x, T): 1 for customers without repeat purchases (the model's known property). */
export function pAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const logTerm = Math.log(p.a) - Math.log(p.b + x - 1) + (p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + tx));
  return 1 / (1 + Math.exp(logTerm));
}

/**
 * (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))], written via Euler's
 * transformation as (1−z)^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z) so the series' terms stay bounded for any x.
 */
function expectedIfAlive(p: BgNbdParams, t: number, x: number, T: number): number {
  if (t <= 0) return 0;
  const a = Math.abs(p.a - 1) < 1e-9 ? 1 + 1e-9 : p.a; // the formula has a removable singularity at a = 1
  const z = t / (p.alpha + T + t);
  const f = hyp2f1(a + p.b - 1 - p.r, a - 1, a + p.b + x - 1, z);
  const tail = Math.exp((a - 1) * Math.log1p(-z)) * f;
  return ((a + p.b + x - 1) / (a - 1)) * (1 - tail);
}

/** E[Y(t) | x, t_x, T]: expected purchases in the next t time units (FHL 2005, eq. 10). */
export function conditionalExpectedPurchases(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  return expectedIfAlive(p, t, x, T) * pAlive(p, x, tx, T);
}

/** E[X(t)]: expected purchases of a newly acquired customer in t time units. */
export function expectedPurchases(p: BgNbdParams, t: number): number {
  return expectedIfAlive(p, t, 0, 0);
}

/**
 * Scoring many customers: the hypergeometric part depends only on (x, T) for a horizon, and a customer base
 * has far fewer distinct (x, T) than customers, so it is memoised for a fixed list of horizons at once.
 * Inputs in whole days.
 */
export class BgNbdPredictor {
  private readonly scale: number;
  private readonly horizons: number[];
  /** slots[x][T] = 1 + slot index, 0 when not computed yet. */
  private readonly slots: Int32Array[] = [];
  private used = 0;
  /** Expected purchases if alive, `horizons.length` values per slot. */
  values: Float64Array;

  constructor(
    readonly params: BgNbdParams,
    readonly unit: TimeUnit,
    horizonsDays: readonly number[],
  ) {
    this.scale = 1 / daysPerUnit(unit);
    this.horizons = horizonsDays.map((d) => d * this.scale);
    this.values = new Float64Array(1024 * this.horizons.length);
  }

  /** ln(α + d) per whole day d and ln a − ln(b + x − 1) per x: P(alive) then costs one exp. */
  private lnAlphaPlus = new Float64Array(0);
  private lnOdds = new Float64Array(0);

  pAlive(x: number, txDays: number, TDays: number): number {
    if (x === 0) return 1;
    if (TDays >= this.lnAlphaPlus.length) {
      const table = new Float64Array(Math.max(TDays + 1, 2 * this.lnAlphaPlus.length, 1024));
      for (let d = 0; d < table.length; d++) table[d] = Math.log(this.params.alpha + d * this.scale);
      this.lnAlphaPlus = table;
    }
    if (x >= this.lnOdds.length) {
      const table = new Float64Array(Math.max(x + 1, 2 * this.lnOdds.length, 64));
      for (let k = 1; k < table.length; k++) table[k] = Math.log(this.params.a) - Math.log(this.params.b + k - 1);
      this.lnOdds = table;
    }
    const logTerm = this.lnOdds[x]! + (this.params.r + x) * (this.lnAlphaPlus[TDays]! - this.lnAlphaPlus[txDays]!);
    return 1 / (1 + Math.exp(logTerm));
  }

  /** Offset into `values` of E[purchases in horizon h | alive] for h = 0..horizons-1. */
  offset(x: number, TDays: number): number {
    let row = this.slots[x];
    if (row === undefined || row.length <= TDays) {
      const bigger = new Int32Array(Math.max(TDays + 1, 2 * (row?.length ?? 0), 64));
      if (row !== undefined) bigger.set(row);
      this.slots[x] = row = bigger;
    }
    const h = this.horizons.length;
    let slot = row[TDays]!;
    if (slot === 0) {
      if ((this.used + 1) * h > this.values.length) {
        const bigger = new Float64Array(this.values.length * 2);
        bigger.set(this.values);
        this.values = bigger;
      }
      const base = this.used * h;
      for (let k = 0; k < h; k++) this.values[base + k] = expectedIfAlive(this.params, this.horizons[k]!, x, TDays * this.scale);
      slot = ++this.used;
      row[TDays] = slot;
    }
    return (slot - 1) * h;
  }
}
