/**
 * Sufficient statistics of (y, x) pairs — y an outcome (spend after entry), x a covariate (spend before
 * entry) — from which means, variances and the covariance follow without the raw data. They add and subtract,
 * so a read model can keep them per arm and day and merge them at read time.
 */
export interface Moments {
  n: number;
  sy: number;
  syy: number;
  sx: number;
  sxx: number;
  sxy: number;
}

export const emptyMoments = (): Moments => ({ n: 0, sy: 0, syy: 0, sx: 0, sxx: 0, sxy: 0 });

export function addMoments(a: Moments, b: Moments, sign = 1): Moments {
  return {
    n: a.n + sign * b.n,
    sy: a.sy + sign * b.sy,
    syy: a.syy + sign * b.syy,
    sx: a.sx + sign * b.sx,
    sxx: a.sxx + sign * b.sxx,
    sxy: a.sxy + sign * b.sxy,
  };
}

export function momentsOf(ys: readonly number[], xs?: readonly number[]): Moments {
  const m = emptyMoments();
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i]!;
    const x = xs ? xs[i]! : 0;
    m.n += 1;
    m.sy += y;
    m.syy += y * y;
    m.sx += x;
    m.sxx += x * x;
    m.sxy += x * y;
  }
  return m;
}

export const meanY = (m: Moments): number => (m.n > 0 ? m.sy / m.n : 0);
export const meanX = (m: Moments): number => (m.n > 0 ? m.sx / m.n : 0);

/** Centred sums of squares and products (n−1 times the sample variances and covariance). */
export function centred(m: Moments): { syy: number; sxx: number; sxy: number } {
  if (m.n <= 0) return { syy: 0, sxx: 0, sxy: 0 };
  return {
    syy: Math.max(0, m.syy - (m.sy * m.sy) / m.n),
    sxx: Math.max(0, m.sxx - (m.sx * m.sx) / m.n),
    sxy: m.sxy - (m.sx * m.sy) / m.n,
  };
}

/** Sample variance of y (n − 1 in the denominator). */
export const varianceY = (m: Moments): number => (m.n > 1 ? centred(m).syy / (m.n - 1) : 0);
