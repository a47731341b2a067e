import { describe, expect, it } from 'vitest';
import { defaultRetailer, generateCustomers, seasonality } from '../../../sim/retailer.js';
import { baselineProbability, naturallyReactivated, respond, toppedUp, type ResponseConfig } from '../../../sim/response.js';
import { aliveOn, naturalTimeline } from '../../../sim/timeline.js';

const start = new Date('2026-01-05T00:00:00Z');
const retailer = defaultRetailer(20_000, 120, start);
const customers = generateCustomers(retailer, 42);
const timelines = customers.map((c) => naturalTimeline(c, retailer, 42));
const share = (predicate: (i: number) => boolean) => customers.filter((_, i) => predicate(i)).length / customers.length;
const response: ResponseConfig = { effect: 0.04, couponEffect: 0.02, attributionDays: 30, responseDays: 14, couponUseRate: 0.6 };

describe('synthetic retailer', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const again = generateCustomers(defaultRetailer(50, 120, start), 42);
    expect(again).toEqual(customers.slice(0, 50));
    expect(naturalTimeline(again[7]!, retailer, 42)).toEqual(timelines[7]);
    expect(generateCustomers(defaultRetailer(50, 120, start), 43)[0]!.lambda).not.toBe(customers[0]!.lambda);
  });

  it('draws BG/NBD and Gamma-Gamma heterogeneity with the configured means', () => {
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const { r, alpha, a, b } = retailer.bgnbd;
    const { q, gamma } = retailer.gammaGamma;
    const lambdas = customers.map((c) => c.lambda);
    expect(mean(lambdas)).toBeCloseTo(r / alpha, 3);
    // Gamma(r, 1/α) has variance r/α²: heterogeneous, not one rate for all.
    expect(Math.sqrt(mean(lambdas.map((l) => (l - r / alpha) ** 2)))).toBeCloseTo(Math.sqrt(r) / alpha, 3);
    expect(mean(customers.map((c) => c.dropout))).toBeCloseTo(a / (a + b), 2);
    expect(mean(customers.map((c) => c.nu))).toBeCloseTo(q / gamma, 2);
    // Order values: mean p·γ/(q−1) over customers (36 EUR here), within 2 %.
    const orders = timelines.flatMap((t) => t.purchases.map((p) => p.totalMinor / 100));
    expect(Math.abs(mean(orders) / ((retailer.gammaGamma.p * gamma) / (q - 1)) - 1)).toBeLessThan(0.02);
    // Baskets add up to the order total, in the customer's categories.
    for (const p of timelines[3]!.purchases) expect(p.items.reduce((s, i) => s + i.unitPriceMinor * i.quantity, 0)).toBe(p.totalMinor);
  });

  it('has weekly and yearly seasonality averaging to 1', () => {
    const days = Array.from({ length: 364 }, (_, d) => seasonality(retailer, d));
    expect(days.reduce((s, v) => s + v, 0) / 364).toBeCloseTo(1, 1);
    // 2026-01-10 is a Saturday, 2026-01-11 a Sunday; mid-December beats mid-June.
    expect(seasonality(retailer, 5)).toBeGreaterThan(seasonality(retailer, 6));
    expect(seasonality(retailer, 343)).toBeGreaterThan(seasonality(retailer, 161) * 1.4);
    // …and the purchases follow it: more on Saturdays than on Sundays.
    const weekday = (day: number) => new Date(start.getTime() + day * 86_400_000).getUTCDay();
    const all = timelines.flatMap((t) => t.purchases);
    expect(all.filter((p) => weekday(p.day) === 6).length).toBeGreaterThan(1.8 * all.filter((p) => weekday(p.day) === 0).length);
  });

  it('mixes consents, locales and time zones; some have no e-mail, some only a postal address', () => {
    expect(share((i) => customers[i]!.profile.locale.startsWith('de'))).toBeCloseTo(0.75, 1);
    expect(share((i) => customers[i]!.profile.locale.startsWith('en'))).toBeCloseTo(0.25, 1);
    expect(new Set(customers.map((c) => c.profile.timeZone)).size).toBeGreaterThanOrEqual(5);
    expect(share((i) => customers[i]!.profile.email === undefined)).toBeCloseTo(0.2, 1);
    const postalOnly = share((i) => {
      const p = customers[i]!.profile;
      return !p.email && !p.phone && p.address !== undefined && p.consents.mail === true;
    });
    expect(postalOnly).toBeGreaterThan(0.04);
    expect(share((i) => customers[i]!.profile.consents.email === true)).toBeGreaterThan(0.45);
    expect(share((i) => customers[i]!.profile.consents.email === false)).toBeGreaterThan(0.15);
  });

  it('the baseline probability is the natural reactivation rate (the control outcome)', () => {
    const entry = 20;
    const p0 = customers.map((c, i) => baselineProbability(c, timelines[i]!, retailer, entry, 30));
    const alive = customers.map((_, i) => aliveOn(timelines[i]!, entry) && customers[i]!.firstDay <= entry);
    const expected = p0.reduce((s, p) => s + p, 0);
    const observed = timelines.filter((t, i) => alive[i] && naturallyReactivated(t, entry, 30)).length;
    const sd = Math.sqrt(p0.reduce((s, p) => s + p * (1 - p), 0));
    expect(Math.abs(observed - expected)).toBeLessThan(4 * sd);
    expect(observed).toBeGreaterThan(500);
  });

  it("realises the configured effect: messaged customers' reactivation rises by --effect, coupon by --coupon-effect more", () => {
    const entry = 20;
    const outcome = (treatment: 'none' | 'message' | 'messageAndCoupon') =>
      customers.map((customer, i) => {
        const r = respond({ seed: 42, key: `${customer.id}:winback`, customer, timeline: timelines[i]!, retailer, config: response, treatment, entryDay: entry, noticedDay: entry });
        const inWindow = r.inducedDay !== undefined && r.inducedDay >= entry && r.inducedDay < entry + 30;
        expect(r.inducedDay === undefined || inWindow).toBe(true);
        return { y: naturallyReactivated(timelines[i]!, entry, 30) || inWindow ? 1 : 0, expected: r.expectedEffect, capped: r.capped };
      });
    const none = outcome('none');
    const message = outcome('message');
    const coupon = outcome('messageAndCoupon');
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    // In expectation each customer's effect is exactly the configured one, except the few so active that
    // they buy anyway with probability above 1 − effect (q capped at 1); the truth reported is the mean.
    expect(share((i) => message[i]!.capped)).toBeLessThan(0.01);
    expect(message.filter((m) => !m.capped).every((m) => Math.abs(m.expected - 0.04) < 1e-12)).toBe(true);
    const truth = mean(message.map((m) => m.expected));
    expect(truth).toBeGreaterThan(0.0395);
    expect(mean(coupon.map((m) => m.expected))).toBeGreaterThan(0.059);
    // Realised: the same customers under each treatment (coupled draws); the differences are induced
    // purchases, Binomial around the truth.
    const n = customers.length;
    const realised = mean(message.map((m, i) => m.y - none[i]!.y));
    expect(Math.abs(realised - truth)).toBeLessThan(4 * Math.sqrt((0.04 * 0.96) / n));
    const couponOnTop = mean(coupon.map((m, i) => m.y - message[i]!.y));
    const couponTruth = mean(coupon.map((m, i) => m.expected - message[i]!.expected));
    expect(Math.abs(couponOnTop - couponTruth)).toBeLessThan(4 * Math.sqrt((0.02 * 0.98) / n));
    // Coupled: whoever the message alone brought back, the coupon brings back too.
    expect(message.every((m, i) => m.y <= coupon[i]!.y)).toBe(true);
  });

  it('gives no effect when the message arrives after the window, and caps q at 1', () => {
    const customer = customers[0]!;
    const late = respond({ seed: 1, key: 'k', customer, timeline: timelines[0]!, retailer, config: response, treatment: 'message', entryDay: 10, noticedDay: 45 });
    expect(late).toEqual({ expectedEffect: 0, capped: false });
    const huge = respond({ seed: 1, key: 'k', customer, timeline: timelines[0]!, retailer, config: { ...response, effect: 1 }, treatment: 'message', entryDay: 10, noticedDay: 10 });
    const p0 = baselineProbability(customer, timelines[0]!, retailer, 10, 30);
    expect(huge.expectedEffect).toBeCloseTo(1 - p0, 12);
    expect(huge.capped).toBe(p0 > 0);
  });
});

describe('toppedUp', () => {
  const purchase = { day: 3, localMinute: 600, totalMinor: 1250, online: false, items: [{ category: 'shoes', quantity: 1, unitPriceMinor: 1250 }] };

  it('fills a basket below the coupon minimum up to it with one more line that the total counts', () => {
    const filled = toppedUp(purchase, 2000);
    expect(filled.totalMinor).toBe(2000);
    expect(filled.items).toEqual([purchase.items[0], { category: 'shoes', quantity: 1, unitPriceMinor: 750 }]);
    expect(filled.items.reduce((s, i) => s + i.unitPriceMinor * i.quantity, 0)).toBe(filled.totalMinor);
  });

  it('leaves a basket at or above the minimum as it is', () => {
    expect(toppedUp(purchase, 1250)).toBe(purchase);
    expect(toppedUp(purchase, 0)).toBe(purchase);
  });
});
