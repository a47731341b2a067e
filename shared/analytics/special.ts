/**
 * Special functions the customer-base models need. Written out here because the runtime has no numerics
 * library and the models must be reproducible to ~1e-12 against the published CDNOW results.
 */

const lanczosG = 7;
const lanczosCoefficients = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;
const halfLog2Pi = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection keeps the Lanczos sum in its accurate range for the small shape parameters (r ≈ 0.2) we meet.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = lanczosCoefficients[0];
  for (let i = 1; i < lanczosG + 2; i++) sum += lanczosCoefficients[i]! / (z + i);
  const t = z + lanczosG + 0.5;
  return halfLog2Pi + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ψ(x) = d/dx ln Γ(x) for x > 0: recurrence up to x ≥ 10, then the asymptotic series. */
export function digamma(x: number): number {
  let result = 0;
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  result +=
    Math.log(x) -
    0.5 * inv -
    inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132)))));
  return result;
}

/** ln(1 + e^d) without overflow for large d or loss of precision for very negative d. */
export function softplus(d: number): number {
  return d > 0 ? d + Math.log1p(Math.exp(-d)) : Math.log1p(Math.exp(d));
}

/** 1 / (1 + e^-d), stable at both ends. */
export function sigmoid(d: number): number {
  if (d >= 0) return 1 / (1 + Math.exp(-d));
  const e = Math.exp(d);
  return e / (1 + e);
}

/** ln(e^a + e^b). */
export function logAddExp(a: number, b: number): number {
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/**
 * Gauss hypergeometric 2F1(a, b; c; z) for 0 ≤ z < 1 by its power series. Callers arrange (via Euler's
 * transformation) that a and b stay small so the terms stay bounded; the cap only guards against z → 1.
 */
export function hyp2f1(a: number, b: number, c: number, z: number, maxTerms = 1_000_000): number {
  if (z === 0) return 1;
  if (!(z > 0 && z < 1)) throw new RangeError(`hyp2f1 needs 0 <= z < 1, got ${z}`);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < maxTerms; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    sum += term;
    if (Math.abs(term) <= 1e-15 * Math.abs(sum) && n > 2) return sum;
  }
  return sum;
}
