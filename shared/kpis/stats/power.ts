import { phi, phiInverse, zCritical } from './distributions.js';

/**
 * Power and minimum detectable effect (MDE) of a two-sided test at level α, for a treatment group of nT and a
 * control (holdout) group of nC.
 *
 * Proportions (Fleiss, Levin & Paik 2003, §4.2, unequal groups): with p̄ the pooled rate,
 *   power = Φ( (|δ| − z₁₋α/₂ √(p̄q̄(1/nT + 1/nC))) / √(pTqT/nT + pCqC/nC) ),
 * which for nT = nC = n is the textbook n = (z₁₋α/₂√(2p̄q̄) + z₁₋β√(p₁q₁ + p₂q₂))² / δ².
 * Means: power = Φ( |δ| / (σ√(1/nT + 1/nC)) − z₁₋α/₂ ), so MDE = (z₁₋α/₂ + z₁₋β) σ √(1/nT + 1/nC).
 */
export function proportionPower(baseRate: number, uplift: number, nT: number, nC: number, alpha = 0.05): number {
  if (nT <= 0 || nC <= 0) return 0;
  const pC = baseRate;
  const pT = Math.min(1, Math.max(0, baseRate + uplift));
  const pooled = (nT * pT + nC * pC) / (nT + nC);
  const null0 = Math.sqrt(pooled * (1 - pooled) * (1 / nT + 1 / nC));
  const alt = Math.sqrt((pT * (1 - pT)) / nT + (pC * (1 - pC)) / nC);
  if (alt === 0) return Math.abs(uplift) > 0 ? 1 : 0;
  return phi((Math.abs(pT - pC) - zCritical(alpha) * null0) / alt);
}

export function meanPower(sd: number, uplift: number, nT: number, nC: number, alpha = 0.05): number {
  if (nT <= 0 || nC <= 0) return 0;
  if (sd <= 0) return Math.abs(uplift) > 0 ? 1 : 0;
  return phi(Math.abs(uplift) / (sd * Math.sqrt(1 / nT + 1 / nC)) - zCritical(alpha));
}

/** Smallest absolute increase in a proportion detected with the given power; null when even 100 % is not. */
export function proportionMde(baseRate: number, nT: number, nC: number, alpha = 0.05, power = 0.8): number | null {
  const maxUplift = 1 - baseRate;
  if (nT <= 0 || nC <= 0 || proportionPower(baseRate, maxUplift, nT, nC, alpha) < power) return null;
  let lo = 0;
  let hi = maxUplift;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (proportionPower(baseRate, mid, nT, nC, alpha) >= power) hi = mid;
    else lo = mid;
  }
  return hi;
}

export function meanMde(sd: number, nT: number, nC: number, alpha = 0.05, power = 0.8): number | null {
  if (nT <= 0 || nC <= 0) return null;
  return (zCritical(alpha) + phiInverse(power)) * sd * Math.sqrt(1 / nT + 1 / nC);
}

/** Equal-groups sample size per group for two proportions (textbook formula, rounded up). */
export function proportionSampleSizePerGroup(p1: number, p2: number, alpha = 0.05, power = 0.8): number {
  const pBar = (p1 + p2) / 2;
  const num = zCritical(alpha) * Math.sqrt(2 * pBar * (1 - pBar)) + phiInverse(power) * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return Math.ceil((num * num) / (p1 - p2) ** 2);
}

/**
 * Smallest holdout share h (of `audience`) at which `powerAt(nT, nC)` reaches `power`, searched in
 * [0.1 %, 50 %] (power grows as the groups approach equal size); null when even 50 % is not enough.
 */
export function holdoutNeeded(audience: number, power: number, powerAt: (nT: number, nC: number) => number): number | null {
  const at = (h: number) => powerAt(audience * (1 - h), audience * h);
  if (at(0.5) < power) return null;
  let lo = 0.001;
  let hi = 0.5;
  if (at(lo) >= power) return lo;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid) >= power) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Smallest audience at holdout share h with the given power (doubling, then bisection); null beyond 10⁹. */
export function audienceNeeded(holdoutShare: number, power: number, powerAt: (nT: number, nC: number) => number): number | null {
  const at = (n: number) => powerAt(n * (1 - holdoutShare), n * holdoutShare);
  let hi = 100;
  while (at(hi) < power) {
    hi *= 2;
    if (hi > 1e9) return null;
  }
  let lo = hi / 2;
  for (let i = 0; i < 60 && hi - lo > 0.5; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid) >= power) hi = mid;
    else lo = mid;
  }
  return Math.ceil(hi);
}
