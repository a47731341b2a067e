import type { Interval } from './proportions.js';

/**
 * Always-valid inference: an asymptotic confidence sequence (Waudby-Smith, Arnold, Wu, Howard & Ramdas,
 * "Time-uniform central limit theory and asymptotic confidence sequences", 2023), with the normal-mixture
 * boundary of Howard et al. (2021) — the method GrowthBook ships. With N observations and an estimate whose
 * variance is V (so σ² = N·V per observation), the (1−α) sequence is
 *   estimate ± √(N·V) · √( 2(Nρ² + 1) / (N²ρ²) · ln(√(Nρ² + 1) / α) ),
 * and it covers the truth at every N simultaneously, so reading it every day is safe.
 * ρ sets where the boundary is tightest; tuned for N* observations (GrowthBook: N* = 5,000) as
 *   ρ = √( (−2 ln α + ln(−2 ln α + 1)) / N* ).
 */
export const sequentialTuning = 5_000;

export const sequentialMethod = `asymptotic confidence sequence (Waudby-Smith et al. 2023; normal mixture, Howard et al. 2021), tuned for N* = ${sequentialTuning.toLocaleString('en')} enrolled customers`;

export function mixtureRho(alpha: number, tuning = sequentialTuning): number {
  const l = -2 * Math.log(alpha);
  return Math.sqrt((l + Math.log(l + 1)) / tuning);
}

/** Half-width of the (1−alpha) confidence sequence for an estimate with variance `variance` after `n` observations. */
export function sequentialHalfWidth(variance: number, n: number, alpha = 0.05, tuning = sequentialTuning): number {
  if (n <= 0 || !(variance > 0)) return variance === 0 && n > 0 ? 0 : Infinity;
  const rho2 = mixtureRho(alpha, tuning) ** 2;
  const sigma = Math.sqrt(n * variance);
  return sigma * Math.sqrt(((2 * (n * rho2 + 1)) / (n * n * rho2)) * Math.log(Math.sqrt(n * rho2 + 1) / alpha));
}

export function sequentialInterval(estimate: number, variance: number, n: number, alpha = 0.05): Interval {
  const half = sequentialHalfWidth(variance, n, alpha);
  return [estimate - half, estimate + half];
}

/**
 * Always-valid p-value: the smallest α at which the confidence sequence excludes 0 (found by bisection on
 * ln α; the half-width falls monotonically as α grows).
 */
export function sequentialPValue(estimate: number, variance: number, n: number): number {
  if (n <= 0 || !(variance > 0)) return estimate === 0 || n <= 0 ? 1 : 0;
  const excludes = (alpha: number) => sequentialHalfWidth(variance, n, alpha) < Math.abs(estimate);
  if (!excludes(1 - 1e-12)) return 1;
  let lo = Math.log(1e-300);
  let hi = 0;
  if (excludes(Math.exp(lo))) return 0;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (excludes(Math.exp(mid))) hi = mid;
    else lo = mid;
  }
  return Math.min(1, Math.exp(hi));
}
