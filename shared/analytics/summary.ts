import { z } from 'zod';
import { DayClock, formatDay, parseDay, resolveAsOfDay } from './days.js';

/**
 * The part of a stored purchase (`Purchase` in shared/purchases/schema.ts) the analytics read. Kept narrow
 * so older documents and imports with fewer fields still summarise; unknown keys are ignored.
 */
export const PurchaseRecord = z.object({
  customerId: z.string().min(1),
  occurredAt: z.string(),
  /** Integer minor units. A refund may be stored positive with type 'refund' or as a negative amount. */
  totalMinor: z.number().int(),
  type: z.enum(['purchase', 'refund']).default('purchase'),
  items: z
    .array(
      z.object({
        category: z.string().optional(),
        quantity: z.number(),
        unitPriceMinor: z.number().int(),
      }),
    )
    .optional(),
  couponCodes: z.array(z.string()).optional(),
});
export type PurchaseRecord = z.input<typeof PurchaseRecord>;

/**
 * Columnar purchases for the bulk path (one entry per purchase row). Customers are dense indices
 * 0..customerCount-1; days are local epoch days (see days.ts).
 */
export interface PurchaseColumns {
  length: number;
  customerCount: number;
  /**
   * Customer indices run from customerBase to customerBase + customerCount − 1 (default 0): a shard can pass
   * views into a larger columnar batch without renumbering. Summaries report the same indices.
   */
  customerBase?: number;
  customer: Int32Array;
  day: Int32Array;
  /** Signed minor units: refunds negative. */
  amountMinor: Float64Array;
  /** 1 for a refund row: it changes net spend but never makes a purchase day. */
  refund: Uint8Array;
  /** 1 when the order used at least one coupon. */
  coupon: Uint8Array;
  /** Optional item lines for category affinity; amounts signed like the rows they belong to. */
  items?: { length: number; row: Int32Array; category: Int32Array; amountMinor: Float64Array };
  categories?: readonly string[];
}

/** Per-customer summaries, struct-of-arrays. Only customers with at least one purchase day up to asOf. */
export interface SummaryColumns {
  asOfDay: number;
  length: number;
  /** Index into the input's customers. */
  customer: Int32Array;
  firstDay: Int32Array;
  lastDay: Int32Array;
  purchaseDays: Int32Array;
  /** Sum of the purchase-day totals after the first purchase day (lifetimes' monetary_value × x). */
  repeatSpendMinor: Float64Array;
  /** Purchases minus refunds, all days up to asOf. */
  totalSpendMinor: Float64Array;
  /** Median gap in days between consecutive purchase days; NaN with a single purchase day. */
  medianGapDays: Float64Array;
  orders: Int32Array;
  couponOrders: Int32Array;
  /** CSR layout of net spend per category (only categories with positive net spend). */
  categoryOffsets?: Int32Array;
  categoryIndex?: Int32Array;
  categorySpendMinor?: Float64Array;
  categories?: readonly string[];
}

/** One customer's summary, days counted in whole local calendar days. */
export const CustomerSummary = z.object({
  customerId: z.string(),
  firstPurchaseDay: z.string(),
  lastPurchaseDay: z.string(),
  purchaseDays: z.number().int().min(1),
  /** Repeat purchase days (BG/NBD x). */
  x: z.number().int().min(0),
  /** Days from the first to the last purchase day (t_x). */
  tx: z.number().int().min(0),
  /** Days from the first purchase day to asOf (T). */
  T: z.number().int().min(0),
  /** Mean purchase-day total over repeat days, minor units; null without repeat purchases. */
  repeatAovMinor: z.number().nullable(),
  totalSpendMinor: z.number().int(),
  typicalIntervalDays: z.number().nullable(),
  /** Share of net categorised spend per category (sums to 1 when any categorised spend exists). */
  categoryAffinity: z.record(z.string(), z.number()),
  couponUsageRate: z.number().min(0).max(1),
  orders: z.number().int().min(1),
});
export type CustomerSummary = z.infer<typeof CustomerSummary>;

export interface SummarizeOptions {
  /** Last observed day, inclusive: 'YYYY-MM-DD' or an instant (read as its local day). */
  asOf: string;
  /** IANA zone of the retailer's calendar; default UTC. */
  timeZone?: string;
}

export type SummarizeResult =
  | { ok: true; summaries: CustomerSummary[]; skipped: number }
  | { ok: false; error: 'invalid_as_of' | 'invalid_time_zone'; message: string };

/**
 * Per-record API: builds columns and runs the bulk path. Records that fail the narrow schema or carry an
 * unparsable timestamp are counted in `skipped` rather than failing the whole run.
 */
export function summarize(purchases: Iterable<unknown>, options: SummarizeOptions): SummarizeResult {
  const timeZone = options.timeZone ?? 'UTC';
  let clock: DayClock;
  try {
    clock = new DayClock(timeZone);
  } catch {
    return { ok: false, error: 'invalid_time_zone', message: `unknown time zone ${timeZone}` };
  }
  const asOfDay = resolveAsOfDay(options.asOf, timeZone);
  if (asOfDay === undefined) return { ok: false, error: 'invalid_as_of', message: `cannot read asOf ${options.asOf}` };

  const ids: string[] = [];
  const idIndex = new Map<string, number>();
  const categories: string[] = [];
  const categoryIndex = new Map<string, number>();
  const customer: number[] = [];
  const day: number[] = [];
  const amount: number[] = [];
  const refund: number[] = [];
  const coupon: number[] = [];
  const itemRow: number[] = [];
  const itemCategory: number[] = [];
  const itemAmount: number[] = [];
  let skipped = 0;

  for (const raw of purchases) {
    let p: ParsedRecord;
    if (looksValid(raw)) {
      p = raw;
    } else {
      const parsed = PurchaseRecord.safeParse(raw);
      if (!parsed.success) {
        skipped++;
        continue;
      }
      p = parsed.data;
    }
    const d = clock.dayOf(p.occurredAt);
    if (d === undefined) {
      skipped++;
      continue;
    }
    let c = idIndex.get(p.customerId);
    if (c === undefined) {
      c = ids.length;
      ids.push(p.customerId);
      idIndex.set(p.customerId, c);
    }
    const isRefund = p.type === 'refund' || p.totalMinor < 0;
    const sign = isRefund ? -1 : 1;
    const row = customer.length;
    customer.push(c);
    day.push(d);
    amount.push(sign * Math.abs(p.totalMinor));
    refund.push(isRefund ? 1 : 0);
    coupon.push(p.couponCodes !== undefined && p.couponCodes.length > 0 ? 1 : 0);
    for (const item of p.items ?? []) {
      if (item.category === undefined) continue;
      let k = categoryIndex.get(item.category);
      if (k === undefined) {
        k = categories.length;
        categories.push(item.category);
        categoryIndex.set(item.category, k);
      }
      itemRow.push(row);
      itemCategory.push(k);
      itemAmount.push(sign * Math.abs(item.quantity * item.unitPriceMinor));
    }
  }

  const columns: PurchaseColumns = {
    length: customer.length,
    customerCount: ids.length,
    customer: Int32Array.from(customer),
    day: Int32Array.from(day),
    amountMinor: Float64Array.from(amount),
    refund: Uint8Array.from(refund),
    coupon: Uint8Array.from(coupon),
    items: {
      length: itemRow.length,
      row: Int32Array.from(itemRow),
      category: Int32Array.from(itemCategory),
      amountMinor: Float64Array.from(itemAmount),
    },
    categories,
  };
  const s = summarizeColumns(columns, asOfDay);
  const summaries: CustomerSummary[] = [];
  for (let i = 0; i < s.length; i++) summaries.push(summaryAt(s, i, ids[s.customer[i]!]!));
  return { ok: true, summaries, skipped };
}

type ParsedRecord = z.output<typeof PurchaseRecord> | (PurchaseRecord & { type: 'purchase' | 'refund' });

/**
 * The common case without zod: a stored purchase document that already has the right shape. zod costs
 * about a microsecond per record, which is most of the time of summarising millions of documents; anything
 * this check does not accept goes through the schema, so the result is the same.
 */
function looksValid(raw: unknown): raw is PurchaseRecord & { type: 'purchase' | 'refund' } {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as Record<string, unknown>;
  if (typeof r.customerId !== 'string' || r.customerId.length === 0) return false;
  if (typeof r.occurredAt !== 'string' || !Number.isSafeInteger(r.totalMinor)) return false;
  if (r.type !== 'purchase' && r.type !== 'refund') return false;
  if (r.couponCodes !== undefined && (!Array.isArray(r.couponCodes) || !r.couponCodes.every((c) => typeof c === 'string'))) {
    return false;
  }
  if (r.items === undefined) return true;
  if (!Array.isArray(r.items)) return false;
  return r.items.every((item: unknown) => {
    if (typeof item !== 'object' || item === null) return false;
    const i = item as Record<string, unknown>;
    return (
      (i.category === undefined || typeof i.category === 'string') &&
      Number.isFinite(i.quantity) &&
      Number.isSafeInteger(i.unitPriceMinor)
    );
  });
}

/** Materialises row i of the columns as a CustomerSummary. */
export function summaryAt(s: SummaryColumns, i: number, customerId: string): CustomerSummary {
  const first = s.firstDay[i]!;
  const last = s.lastDay[i]!;
  const purchaseDays = s.purchaseDays[i]!;
  const x = purchaseDays - 1;
  const gap = s.medianGapDays[i]!;
  const affinity: Record<string, number> = {};
  if (s.categoryOffsets !== undefined && s.categoryIndex !== undefined && s.categorySpendMinor !== undefined) {
    const from = s.categoryOffsets[i]!;
    const to = s.categoryOffsets[i + 1]!;
    let total = 0;
    for (let k = from; k < to; k++) total += s.categorySpendMinor[k]!;
    for (let k = from; k < to; k++) {
      const name = s.categories?.[s.categoryIndex[k]!] ?? String(s.categoryIndex[k]);
      affinity[name] = s.categorySpendMinor[k]! / total;
    }
  }
  return {
    customerId,
    firstPurchaseDay: formatDay(first),
    lastPurchaseDay: formatDay(last),
    purchaseDays,
    x,
    tx: last - first,
    T: s.asOfDay - first,
    repeatAovMinor: x > 0 ? s.repeatSpendMinor[i]! / x : null,
    totalSpendMinor: s.totalSpendMinor[i]!,
    typicalIntervalDays: Number.isNaN(gap) ? null : gap,
    categoryAffinity: affinity,
    couponUsageRate: s.orders[i]! > 0 ? s.couponOrders[i]! / s.orders[i]! : 0,
    orders: s.orders[i]!,
  };
}

/**
 * The inverse of summaryAt for callers holding objects (e.g. loaded from Cosmos): what partialStats and the
 * columnar scorer read. Category affinity is not carried (nothing downstream of the summary needs it).
 */
export function summaryColumnsFrom(summaries: readonly CustomerSummary[], asOfDay: number): SummaryColumns {
  const n = summaries.length;
  const s = allocateSummaries(n, asOfDay);
  summaries.forEach((c, i) => {
    const first = parseDay(c.firstPurchaseDay);
    const last = parseDay(c.lastPurchaseDay);
    if (first === undefined || last === undefined) throw new RangeError(`bad purchase day on ${c.customerId}`);
    s.customer[i] = i;
    s.firstDay[i] = first;
    s.lastDay[i] = last;
    s.purchaseDays[i] = c.purchaseDays;
    s.repeatSpendMinor[i] = c.repeatAovMinor === null ? 0 : c.repeatAovMinor * c.x;
    s.totalSpendMinor[i] = c.totalSpendMinor;
    s.medianGapDays[i] = c.typicalIntervalDays ?? Number.NaN;
    s.orders[i] = c.orders;
    s.couponOrders[i] = Math.round(c.couponUsageRate * c.orders);
  });
  return s;
}

function allocateSummaries(n: number, asOfDay: number): SummaryColumns {
  return {
    asOfDay,
    length: n,
    customer: new Int32Array(n),
    firstDay: new Int32Array(n),
    lastDay: new Int32Array(n),
    purchaseDays: new Int32Array(n),
    repeatSpendMinor: new Float64Array(n),
    totalSpendMinor: new Float64Array(n),
    medianGapDays: new Float64Array(n),
    orders: new Int32Array(n),
    couponOrders: new Int32Array(n),
  };
}

/**
 * Bulk summary: a stable counting sort groups rows by customer (input order is free), each customer's rows
 * are ordered by day (insertion sort: histories are short and usually arrive sorted), then one sweep.
 * Rows after asOfDay are ignored. Several purchases on one day make one purchase day (BTYD convention).
 */
export function summarizeColumns(p: PurchaseColumns, asOfDay: number): SummaryColumns {
  const nc = p.customerCount;
  const base = p.customerBase ?? 0;
  const offsets = new Int32Array(nc + 1);
  for (let i = 0; i < p.length; i++) {
    const c = p.customer[i]! - base;
    if (!(c >= 0 && c < nc)) throw new RangeError(`row ${i}: customer ${p.customer[i]} outside the batch`);
    if (p.day[i]! <= asOfDay) offsets[c + 1]!++;
  }
  for (let c = 0; c < nc; c++) offsets[c + 1]! += offsets[c]!;
  const order = new Int32Array(offsets[nc]!);
  const cursor = offsets.slice(0, nc);
  for (let i = 0; i < p.length; i++) {
    if (p.day[i]! <= asOfDay) order[cursor[p.customer[i]! - base]!++] = i;
  }

  // Item lines grouped by row, only when categories are present.
  const items = p.items !== undefined && p.items.length > 0 ? p.items : undefined;
  let itemOffsets: Int32Array | undefined;
  let itemOrder: Int32Array | undefined;
  let categorySpend: Float64Array | undefined;
  let touched: Int32Array | undefined;
  let stamp: Int32Array | undefined;
  if (items !== undefined) {
    itemOffsets = new Int32Array(p.length + 1);
    for (let k = 0; k < items.length; k++) itemOffsets[items.row[k]! + 1]!++;
    for (let r = 0; r < p.length; r++) itemOffsets[r + 1]! += itemOffsets[r]!;
    itemOrder = new Int32Array(items.length);
    const itemCursor = itemOffsets.slice(0, p.length);
    for (let k = 0; k < items.length; k++) itemOrder[itemCursor[items.row[k]!]!++] = k;
    let maxCategory = 0;
    for (let k = 0; k < items.length; k++) maxCategory = Math.max(maxCategory, items.category[k]!);
    categorySpend = new Float64Array(maxCategory + 1);
    touched = new Int32Array(maxCategory + 1);
    stamp = new Int32Array(maxCategory + 1);
  }
  const catOffsets: number[] = [0];
  const catIndex: number[] = [];
  const catSpend: number[] = [];

  let withPurchases = 0;
  for (let c = 0; c < nc; c++) {
    if (hasPurchaseRow(p, order, offsets[c]!, offsets[c + 1]!)) withPurchases++;
  }
  const s = allocateSummaries(withPurchases, asOfDay);
  let gaps = new Int32Array(64);
  let out = 0;

  for (let c = 0; c < nc; c++) {
    const from = offsets[c]!;
    const to = offsets[c + 1]!;
    if (!hasPurchaseRow(p, order, from, to)) continue;
    sortByDay(p.day, order, from, to);
    let first = -1;
    let prevDay = -1;
    let purchaseDays = 0;
    let repeatSpend = 0;
    let total = 0;
    let orders = 0;
    let couponOrders = 0;
    let nGaps = 0;
    for (let k = from; k < to; k++) {
      const r = order[k]!;
      const amount = p.amountMinor[r]!;
      total += amount;
      if (p.refund[r] === 1) continue;
      orders++;
      couponOrders += p.coupon[r]!;
      const d = p.day[r]!;
      if (first < 0) first = d;
      if (d !== prevDay) {
        if (prevDay >= 0) {
          if (nGaps === gaps.length) {
            const bigger = new Int32Array(gaps.length * 2);
            bigger.set(gaps);
            gaps = bigger;
          }
          gaps[nGaps++] = d - prevDay;
        }
        purchaseDays++;
        prevDay = d;
      }
      if (d !== first) repeatSpend += amount;
    }
    s.customer[out] = c + base;
    s.firstDay[out] = first;
    s.lastDay[out] = prevDay;
    s.purchaseDays[out] = purchaseDays;
    s.repeatSpendMinor[out] = repeatSpend;
    s.totalSpendMinor[out] = total;
    s.medianGapDays[out] = median(gaps, nGaps);
    s.orders[out] = orders;
    s.couponOrders[out] = couponOrders;

    if (items !== undefined && itemOffsets !== undefined && itemOrder !== undefined) {
      let nTouched = 0;
      for (let k = from; k < to; k++) {
        const r = order[k]!;
        for (let j = itemOffsets[r]!; j < itemOffsets[r + 1]!; j++) {
          const item = itemOrder[j]!;
          const cat = items.category[item]!;
          if (stamp![cat] !== c + 1) {
            stamp![cat] = c + 1;
            touched![nTouched++] = cat;
          }
          categorySpend![cat]! += items.amountMinor[item]!;
        }
      }
      const start = catIndex.length;
      for (let t = 0; t < nTouched; t++) {
        const cat = touched![t]!;
        const spend = categorySpend![cat]!;
        categorySpend![cat] = 0;
        if (spend > 0) {
          catIndex.push(cat);
          catSpend.push(spend);
        }
      }
      sortCategorySlice(catIndex, catSpend, start);
      catOffsets.push(catIndex.length);
    }
    out++;
  }
  if (items !== undefined) {
    s.categoryOffsets = Int32Array.from(catOffsets);
    s.categoryIndex = Int32Array.from(catIndex);
    s.categorySpendMinor = Float64Array.from(catSpend);
    if (p.categories !== undefined) s.categories = p.categories;
  }
  return s;
}

function hasPurchaseRow(p: PurchaseColumns, order: Int32Array, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (p.refund[order[k]!] === 0) return true;
  return false;
}

function sortByDay(day: Int32Array, order: Int32Array, from: number, to: number): void {
  if (to - from > 64) {
    let sorted = true;
    for (let k = from + 1; k < to && sorted; k++) sorted = day[order[k - 1]!]! <= day[order[k]!]!;
    if (sorted) return;
    const slice = Array.from(order.subarray(from, to)).sort((a, b) => day[a]! - day[b]! || a - b);
    order.set(slice, from);
    return;
  }
  for (let k = from + 1; k < to; k++) {
    const r = order[k]!;
    const d = day[r]!;
    let j = k - 1;
    while (j >= from && day[order[j]!]! > d) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = r;
  }
}

function median(values: Int32Array, n: number): number {
  if (n === 0) return Number.NaN;
  if (n === 1) return values[0]!;
  if (n <= 32) {
    for (let k = 1; k < n; k++) {
      const g = values[k]!;
      let j = k - 1;
      while (j >= 0 && values[j]! > g) {
        values[j + 1] = values[j]!;
        j--;
      }
      values[j + 1] = g;
    }
  } else {
    values.subarray(0, n).sort();
  }
  const v = values;
  const mid = n >> 1;
  return n % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Deterministic category order (by category index) so equal inputs give byte-equal summaries. */
function sortCategorySlice(index: number[], spend: number[], start: number): void {
  for (let k = start + 1; k < index.length; k++) {
    const ci = index[k]!;
    const cs = spend[k]!;
    let j = k - 1;
    while (j >= start && index[j]! > ci) {
      index[j + 1] = index[j]!;
      spend[j + 1] = spend[j]!;
      j--;
    }
    index[j + 1] = ci;
    spend[j + 1] = cs;
  }
}
