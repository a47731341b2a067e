import { createHash } from 'node:crypto';

/** Small fast seeded PRNG (sfc32): synthetic data must be identical on every run. */
export function prng(seed: number): () => number {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed | 0;
  const next = (): number => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

export function normal(rand: () => number): number {
  let u = rand();
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Gamma(shape, scale = 1) by Marsaglia–Tsang (boosted for shape < 1). */
export function gamma(rand: () => number, shape: number): number {
  if (shape < 1) return gamma(rand, shape + 1) * rand() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rand);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function beta(rand: () => number, a: number, b: number): number {
  const x = gamma(rand, a);
  return x / (x + gamma(rand, b));
}

/**
 * A named random stream: the same (seed, name) gives the same numbers whatever else was drawn before, so
 * one customer's history does not change when another part of the simulation draws more or fewer numbers.
 */
export class Rng {
  readonly next: () => number;

  constructor(seed: number, name: string) {
    const digest = createHash('sha256').update(`${seed}\n${name}`).digest();
    this.next = prng(digest.readInt32LE(0));
  }

  uniform(): number {
    return this.next();
  }

  int(lo: number, hiExclusive: number): number {
    return lo + Math.floor(this.next() * (hiExclusive - lo));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  gamma(shape: number, scale: number): number {
    return gamma(this.next, shape) * scale;
  }

  beta(a: number, b: number): number {
    return beta(this.next, a, b);
  }

  /** Index drawn with probability proportional to `weights`. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((s, w) => s + w, 0);
    let u = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i]!;
      if (u < 0) return i;
    }
    return weights.length - 1;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length)]!;
  }
}
