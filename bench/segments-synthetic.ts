import type { PurchaseColumns } from '../shared/analytics/index.js';
import { gamma, prng } from '../sim/random.js';

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

/**
 * Rows [0, count) as the purchase documents a shard reads from Cosmos (the fields PurchaseRow names), for
 * the benchmarks of the per-record path. Customer ids are zero-padded so id order is numeric order.
 */
export function purchaseDocuments(p: PurchaseColumns, count: number): Record<string, unknown>[] {
  const docs: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const ms = p.day[i]! * 86_400_000 + 43_200_000;
    docs.push({
      customerId: `c${String(p.customer[i]).padStart(8, '0')}`,
      occurredAt: new Date(ms).toISOString(),
      totalMinor: Math.abs(p.amountMinor[i]!),
      type: p.refund[i] === 1 ? 'refund' : 'purchase',
      currency: 'EUR',
      items: [{ category: `category_${p.items!.category[i]}`, quantity: 1, unitPriceMinor: Math.abs(p.amountMinor[i]!) }],
      couponCodes: p.coupon[i] === 1 ? ['SAVE10'] : [],
    });
  }
  return docs;
}
