import type { PurchaseColumns } from '../shared/analytics/index.js';

/** Small fast seeded PRNG (sfc32): the synthetic base must be identical on every run. */
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

function normal(rand: () => number): number {
  let u = rand();
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Gamma(shape, scale = 1) by Marsaglia–Tsang (boosted for shape < 1). */
function gamma(rand: () => number, shape: number): number {
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

export interface SyntheticBase {
  purchases: PurchaseColumns;
  asOfDay: number;
}

/**
 * A grocery-like base drawn from the BG/NBD story: first purchases spread over two years before asOf;
 * while alive, purchases arrive as Poisson(λ), λ ~ Gamma(r = 1.1, α = 18 days); after each purchase the
 * customer drops out with p ~ Beta(0.8, 6.5). Order values Gamma(6, ν), ν ~ Gamma(4, 1/1500 minor units)
 * (the Gamma-Gamma story, mean ≈ 30.00); 2 % refund rows, 15 % coupon orders, one item line per order in
 * one of 12 categories with per-customer preferences. Rows come grouped by customer in time order.
 */
export function syntheticBase(customers: number, seed: number, asOfDay: number): SyntheticBase {
  const rand = prng(seed);
  // Shared memory, so shard workers read the rows without copies.
  const i32 = (n: number) => new Int32Array(new SharedArrayBuffer(n * 4));
  const f64 = (n: number) => new Float64Array(new SharedArrayBuffer(n * 8));
  const u8 = (n: number) => new Uint8Array(new SharedArrayBuffer(n));
  let capacity = customers * 12;
  let customer = i32(capacity);
  let day = i32(capacity);
  let amount = f64(capacity);
  let refund = u8(capacity);
  let coupon = u8(capacity);
  let category = i32(capacity);
  let n = 0;
  const grow = (): void => {
    capacity = Math.ceil(capacity * 1.5);
    const g32 = (a: Int32Array) => {
      const b = i32(capacity);
      b.set(a);
      return b;
    };
    customer = g32(customer);
    day = g32(day);
    category = g32(category);
    const f = f64(capacity);
    f.set(amount);
    amount = f;
    const r = u8(capacity);
    r.set(refund);
    refund = r;
    const c = u8(capacity);
    c.set(coupon);
    coupon = c;
  };
  const window = 730;
  for (let c = 0; c < customers; c++) {
    const lambda = gamma(rand, 1.1) / 18;
    const ga = gamma(rand, 0.8);
    const p = ga / (ga + gamma(rand, 6.5));
    const nu = gamma(rand, 4) / 1500;
    const favourite = Math.floor(rand() * 12);
    const couponLover = rand() < 0.2;
    let t = asOfDay - window + rand() * window;
    for (;;) {
      if (n + 2 >= capacity) grow();
      const d = Math.floor(t);
      const value = Math.max(1, Math.round(gamma(rand, 6) / nu));
      customer[n] = c;
      day[n] = d;
      amount[n] = value;
      coupon[n] = rand() < (couponLover ? 0.5 : 0.08) ? 1 : 0;
      category[n] = rand() < 0.6 ? favourite : Math.floor(rand() * 12);
      n++;
      if (rand() < 0.02) {
        customer[n] = c;
        day[n] = Math.min(asOfDay, d + 1 + Math.floor(rand() * 14));
        amount[n] = -Math.round(value * (0.2 + 0.8 * rand()));
        refund[n] = 1;
        category[n] = category[n - 1]!;
        n++;
      }
      if (rand() < p) break;
      t += -Math.log(1 - rand()) / lambda;
      if (t >= asOfDay + 1) break;
    }
  }
  const rows = i32(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return {
    asOfDay,
    purchases: {
      length: n,
      customerCount: customers,
      customer: customer.subarray(0, n),
      day: day.subarray(0, n),
      amountMinor: amount.subarray(0, n),
      refund: refund.subarray(0, n),
      coupon: coupon.subarray(0, n),
      items: { length: n, row: rows, category: category.subarray(0, n), amountMinor: amount.subarray(0, n) },
      categories: Array.from({ length: 12 }, (_, i) => `category_${i}`),
    },
  };
}
