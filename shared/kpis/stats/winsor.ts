import { addMoments, emptyMoments, type Moments } from './moments.js';

/**
 * Per-enrollment revenue kept as a log-bucketed histogram whose buckets carry the full moments of their
 * members. Capping at a bucket edge is then exact: members of buckets above the cap become the cap
 * (n, sx, sxx stay; sy = n·c, syy = n·c², sxy = c·sx), the rest stay as they are. So winsorizing at a
 * percentile of the pooled data needs neither the raw values nor a scan.
 */
export const bucketGrowth = 1.05;
const logGrowth = Math.log(bucketGrowth);

/** bucket index → [n, sy, syy, sx, sxx, sxy] */
export type SpendHistogram = Record<string, [number, number, number, number, number, number]>;

/** 0 for y = 0; k ≥ 1 for y in [g^(k−1), g^k); −k for the mirror image of negative y (net refunds). */
export function bucketOf(y: number): number {
  if (y === 0) return 0;
  const k = 1 + Math.floor(Math.log(Math.abs(y)) / logGrowth + 1e-12);
  return y > 0 ? Math.max(1, k) : -Math.max(1, k);
}

export const bucketUpperEdge = (k: number): number => (k > 0 ? bucketGrowth ** k : k === 0 ? 0 : -(bucketGrowth ** (-k - 1)));

export function addToHistogram(h: SpendHistogram, y: number, x: number, sign: 1 | -1): void {
  const key = String(bucketOf(y));
  const b = h[key] ?? [0, 0, 0, 0, 0, 0];
  b[0] += sign;
  b[1] += sign * y;
  b[2] += sign * y * y;
  b[3] += sign * x;
  b[4] += sign * x * x;
  b[5] += sign * x * y;
  if (b[0] === 0) delete h[key];
  else h[key] = b;
}

export function mergeHistograms(target: SpendHistogram, source: SpendHistogram): SpendHistogram {
  for (const [key, b] of Object.entries(source)) {
    const t = target[key] ?? [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 6; i++) t[i]! += b[i]!;
    if (t[0] === 0) delete target[key];
    else target[key] = t as SpendHistogram[string];
  }
  return target;
}

export function histogramOf(ys: readonly number[], xs?: readonly number[]): SpendHistogram {
  const h: SpendHistogram = {};
  ys.forEach((y, i) => addToHistogram(h, y, xs ? xs[i]! : 0, 1));
  return h;
}

/**
 * The winsorizing cap: the `percentile` of the positive values pooled over `histograms`, rounded up to its
 * bucket's upper edge (so at most 5 % above the exact percentile). Zeros are left out (most enrolled customers
 * spend nothing; with them in, a low conversion rate would put the cap at 0). Null when nothing is positive.
 */
export function poolCap(histograms: readonly SpendHistogram[], percentile: number): number | null {
  const counts = new Map<number, number>();
  let total = 0;
  for (const h of histograms) {
    for (const [key, b] of Object.entries(h)) {
      const k = Number(key);
      if (k <= 0) continue;
      counts.set(k, (counts.get(k) ?? 0) + b[0]);
      total += b[0];
    }
  }
  if (total <= 0) return null;
  const target = percentile * total;
  let cumulative = 0;
  for (const k of [...counts.keys()].sort((a, b) => a - b)) {
    cumulative += counts.get(k)!;
    if (cumulative >= target - 1e-9) return bucketUpperEdge(k);
  }
  return bucketUpperEdge(Math.max(...counts.keys()));
}

/** Moments of min(y, cap) (cap null: no capping). */
export function winsorizedMoments(h: SpendHistogram, cap: number | null): Moments {
  let m = emptyMoments();
  for (const [key, b] of Object.entries(h)) {
    const [n, sy, syy, sx, sxx, sxy] = b;
    const capped = cap !== null && Number(key) > 0 && bucketUpperEdge(Number(key) - 1) >= cap;
    m = addMoments(m, capped ? { n, sy: n * cap, syy: n * cap * cap, sx, sxx, sxy: cap * sx } : { n, sy, syy, sx, sxx, sxy });
  }
  return m;
}
