import { describe, expect, it } from 'vitest';
import { budgetStateId } from '../../../shared/coupons/budget.js';
import { normalizeCode, type CouponCode } from '../../../shared/coupons/code.js';
import type { Coupon } from '../../../shared/coupons/coupon.js';
import { eraseCustomerCoupons } from '../../../shared/coupons/erasure.js';
import { expiryRelease, reservationsToRelease } from '../../../shared/coupons/expiry.js';
import { holdingsId, type Holdings } from '../../../shared/coupons/holdings.js';
import { RedemptionEvent } from '../../../shared/coupons/redemption-events.js';
import type { IssueCouponRequest, RedemptionRequest } from '../../../shared/coupons/requests.js';
import type { PurchaseInput } from '../../../shared/purchases/schema.js';
import {
  getOffer,
  issueCoupon,
  parsePublicRedemptionId,
  publicRedemptionId,
  recordRedemption,
  redeemCoupon,
  redeemForOrder,
  releaseExpiredReservations,
  revokeCoupon,
  rollbackRedemption,
  validateCoupon,
  type RedeemOutcome,
} from '../../../shared/coupons/service.js';
import { DayClock } from '../../../shared/analytics/days.js';
import { KpiEvent } from '../../../shared/kpis/events.js';
import { applyKpiEvent, contributionOf, type OutcomeDocument } from '../../../shared/kpis/outcome.js';
import { FakeWorld, InjectedCrash } from './fakes.js';
import { dayMs, issued, nextCode, t0 } from './fixtures.js';

const at = (days: number) => new Date(t0.getTime() + days * dayMs);

/** 5 € off, 2 coupons, one per customer, 30 days. */
const fiveOff = { name: '5 off', value: { type: 'amount', amount: 5 }, currency: 'EUR', validity: { days: 30 }, perCustomerLimit: 1, budget: { maxCoupons: 2 } };
/** 10 % capped at 20 €: reserves 20 €, typically redeemed for less. */
const tenPercent = { name: '10 %', value: { type: 'percent', percent: 10, maxDiscount: 20 }, minBasket: 20, currency: 'EUR', validity: { days: 30 }, budget: { maxDiscount: 1000 } };

function request(overrides: Partial<IssueCouponRequest> = {}): IssueCouponRequest {
  return { customerId: 'c-1', offerId: 'five', requestId: 'req-1', ...overrides };
}

function redemption(code: string, overrides: Partial<RedemptionRequest> = {}): RedemptionRequest {
  return { code, orderId: 'O-1', source: 'pos', basketTotal: 50, currency: 'EUR', storeId: 'store-1', ...overrides };
}

function world(offers: Record<string, Record<string, unknown>> = { five: fiveOff, ten: tenPercent }): FakeWorld {
  const w = new FakeWorld();
  for (const [id, offer] of Object.entries(offers)) w.putOffer(id, offer);
  return w;
}

async function issueOk(w: FakeWorld, req: IssueCouponRequest, now = t0): Promise<Coupon> {
  const outcome = await issueCoupon(w.deps(), req, now);
  if (outcome.kind !== 'issued') throw new Error(`expected issued, got ${JSON.stringify(outcome)}`);
  return outcome.coupon;
}

function redeemed(outcome: RedeemOutcome) {
  if (outcome.kind !== 'redeemed') throw new Error(`expected redeemed, got ${JSON.stringify(outcome)}`);
  return outcome;
}

const code = (raw: string) => (normalizeCode(raw) as { code: CouponCode }).code;

describe('getOffer', () => {
  it('prefers a stored offer and falls back to the built-in ladder', async () => {
    const w = world();
    expect(await getOffer(w.deps(), 'five')).toMatchObject({ id: 'five', builtin: false, offer: { name: '5 off' } });
    expect(await getOffer(w.deps(), 'winback-default')).toMatchObject({ builtin: true, offer: { ladder: 'default' } });
    expect(await getOffer(w.deps(), 'nope')).toBeUndefined();
    w.putOffer('winback-default', fiveOff);
    expect(await getOffer(w.deps(), 'winback-default')).toMatchObject({ builtin: false, offer: { name: '5 off' } });
  });
});

describe('issueCoupon', () => {
  it('issues: stores the coupon, the holdings entry and the budget reservation, and answers the claim', async () => {
    const w = world();
    const coupon = await issueOk(w, request({ journeyId: 'j-1', variant: 'B' }));
    expect(coupon).toMatchObject({ customerId: 'c-1', offerId: 'five', requestId: 'req-1', journeyId: 'j-1', variant: 'B', status: 'issued', budgetReservedMinor: 500 });
    expect(coupon.expiresAt).toBe(at(30).toISOString());
    expect(w.coupon(coupon.code)).toEqual(coupon);
    expect(w.budget('five')).toMatchObject({ issuedCount: 1, discountCommittedMinor: 500 });
    const holdings = w.couponDocs.get(holdingsId('five', 'c-1'))?.doc as Holdings;
    expect(holdings.coupons.map((c) => c.code)).toEqual([coupon.code]);
    expect(w.idempotencyRecords.get('coupon-request:req-1')?.response).toEqual({ status: 201, body: { kind: 'issued', code: coupon.code } });
  });

  it('a replayed requestId answers with the same coupon and writes nothing but the claim', async () => {
    const w = world();
    const first = await issueOk(w, request());
    const writesBefore = w.writes.length;
    const again = await issueCoupon(w.deps(), request(), at(1));
    expect(again).toEqual({ kind: 'existing', coupon: first });
    expect(w.writes.slice(writesBefore).map((x) => x.op)).toEqual(['idempotency.claim']);
    expect(w.coupons()).toHaveLength(1);
    expect(w.budget('five')).toMatchObject({ issuedCount: 1 });
  });

  it('the same requestId for another customer is a conflict and issues nothing', async () => {
    const w = world();
    await issueOk(w, request());
    const other = await issueCoupon(w.deps(), request({ customerId: 'c-2' }), t0);
    expect(other).toMatchObject({ kind: 'refused', reason: 'request_conflict' });
    expect(w.coupons()).toHaveLength(1);
  });

  it('stops at maxCoupons: the refusal is remembered for its requestId and consumes nothing', async () => {
    const w = world();
    await issueOk(w, request({ customerId: 'c-1', requestId: 'r-1' }));
    await issueOk(w, request({ customerId: 'c-2', requestId: 'r-2' }));
    const third = await issueCoupon(w.deps(), request({ customerId: 'c-3', requestId: 'r-3' }), t0);
    expect(third).toMatchObject({ kind: 'refused', reason: 'budget_exhausted' });
    expect(w.coupons()).toHaveLength(2);
    expect(w.budget('five')).toMatchObject({ issuedCount: 2, discountCommittedMinor: 1000 });
    expect(await issueCoupon(w.deps(), request({ customerId: 'c-3', requestId: 'r-3' }), t0)).toEqual(third);
  });

  it('stops at maxDiscount: 5 € coupons under a 12 € budget give two', async () => {
    const w = world({ capped: { ...fiveOff, perCustomerLimit: undefined, budget: { maxDiscount: 12 } } });
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await issueCoupon(w.deps(), request({ offerId: 'capped', customerId: `c-${i}`, requestId: `r-${i}` }), t0));
    expect(outcomes.map((o) => o.kind)).toEqual(['issued', 'issued', 'refused']);
    expect(outcomes[2]).toMatchObject({ reason: 'budget_exhausted', detail: expect.stringContaining('discount') });
    expect(w.budget('capped')).toMatchObject({ issuedCount: 2, discountCommittedMinor: 1000 });
  });

  it('concurrent issues never overspend the budget', async () => {
    const w = world({ scarce: { ...fiveOff, perCustomerLimit: undefined, budget: { maxCoupons: 3 } } });
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => issueCoupon(w.deps(), request({ offerId: 'scarce', customerId: `c-${i}`, requestId: `r-${i}` }), t0)));
    expect(outcomes.filter((o) => o.kind === 'issued')).toHaveLength(3);
    expect(outcomes.filter((o) => o.kind === 'refused' && o.reason === 'budget_exhausted')).toHaveLength(9);
    expect(w.coupons()).toHaveLength(3);
    expect(w.budget('scarce')).toMatchObject({ issuedCount: 3, discountCommittedMinor: 1500 });
  });

  it('refuses a second coupon of the offer for the same customer (perCustomerLimit), without touching the budget', async () => {
    const w = world();
    await issueOk(w, request({ requestId: 'r-1' }));
    const second = await issueCoupon(w.deps(), request({ requestId: 'r-2' }), at(1));
    expect(second).toMatchObject({ kind: 'refused', reason: 'per_customer_limit' });
    expect(w.budget('five')).toMatchObject({ issuedCount: 1 });
    expect(w.coupons()).toHaveLength(1);
  });

  it('refuses unknown offers and erased customers', async () => {
    const w = world();
    expect(await issueCoupon(w.deps(), request({ offerId: 'nope' }), t0)).toMatchObject({ kind: 'refused', reason: 'unknown_offer' });
    w.tombstones.set('gone', t0.toISOString());
    expect(await issueCoupon(w.deps(), request({ customerId: 'gone', requestId: 'r-gone' }), t0)).toMatchObject({ kind: 'refused', reason: 'customer_erased' });
    expect(w.coupons()).toHaveLength(0);
  });

  it('draws another code when the drawn one is taken, and the holdings follow the new code', async () => {
    const w = world();
    const taken = nextCode();
    const foreign = issued({ code: taken, customer: { id: 'someone' }, request: { customerId: 'someone', offerId: 'offer-1', requestId: 'other' } });
    w.seedCoupon(foreign);
    const fresh = nextCode();
    w.codeQueue.push(taken, fresh);
    const coupon = await issueOk(w, request());
    expect(coupon.code).toBe(fresh);
    expect(coupon.id).toBe(fresh);
    expect(w.coupon(taken)).toEqual(foreign);
    const holdings = w.couponDocs.get(holdingsId('five', 'c-1'))?.doc as Holdings;
    expect(holdings.coupons.map((c) => c.code)).toEqual([fresh]);
    expect(w.budget('five')).toMatchObject({ issuedCount: 1 });
    // A replay finds the coupon under its new code.
    expect(await issueCoupon(w.deps(), request(), t0)).toEqual({ kind: 'existing', coupon });
  });

  it('a code collision and a crash before the holdings learn the new code: the retry still yields the customer their own single coupon', async () => {
    const w = world();
    const taken = nextCode();
    const foreign = issued({ code: taken, customer: { id: 'someone' }, request: { customerId: 'someone', offerId: 'offer-1', requestId: 'other' } });
    w.seedCoupon(foreign);
    w.codeQueue.push(taken, nextCode(), nextCode());
    // The write that would point the holdings at the redrawn code never happens.
    w.fault('holdings.put', 'before', (doc) => (doc as Holdings).coupons.some((c) => c.code !== taken));
    await expect(issueCoupon(w.deps(), request(), t0)).rejects.toBeInstanceOf(InjectedCrash);

    const retry = await issueCoupon(w.deps(), request(), t0);
    expect(retry.kind).not.toBe('refused');
    if (retry.kind === 'refused') return;
    expect(retry.coupon).toMatchObject({ customerId: 'c-1', requestId: 'req-1', offerId: 'five' });
    expect(retry.coupon.code).not.toBe(taken);
    expect(w.coupons().filter((c) => c.customerId === 'c-1')).toEqual([retry.coupon]);
    expect(w.coupon(taken)).toEqual(foreign);
    const holdings = w.couponDocs.get(holdingsId('five', 'c-1'))?.doc as Holdings;
    expect(holdings.coupons.map((c) => c.code)).toEqual([retry.coupon.code]);
    expect(w.budget('five')).toMatchObject({ issuedCount: 1, discountCommittedMinor: 500 });
  });

  for (const when of ['before', 'after'] as const) {
    it(`a crash ${when} the coupon create, after the budget reservation: the retry yields exactly one coupon, budget counted once`, async () => {
      const w = world();
      w.fault('coupon.create', when);
      await expect(issueCoupon(w.deps(), request(), t0)).rejects.toBeInstanceOf(InjectedCrash);
      expect(w.budget('five')).toMatchObject({ issuedCount: 1 });

      const retry = await issueCoupon(w.deps(), request(), t0);
      expect(retry.kind).toBe('existing');
      if (retry.kind === 'refused') return;
      expect(w.coupons()).toEqual([retry.coupon]);
      expect(w.budget('five')).toMatchObject({ issuedCount: 1, discountCommittedMinor: 500 });
      // And the answer is now stored: a third delivery reads it.
      expect(await issueCoupon(w.deps(), request(), t0)).toEqual({ kind: 'existing', coupon: retry.coupon });
    });
  }
});

describe('redeemCoupon', () => {
  async function setup() {
    const w = world();
    const coupon = await issueOk(w, request({ offerId: 'ten' }));
    return { w, coupon };
  }

  it('redeems once: marks the coupon and queues one message; its consumer records the purchase and moves the budget from the reservation to the discount', async () => {
    const { w, coupon } = await setup();
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 2000 });
    const writesBefore = w.writes.length;
    const outcome = redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1)));
    expect(outcome).toMatchObject({ replayed: false, redemption: { discountMinor: 500, orderId: 'O-1', at: at(1).toISOString() } });
    expect(w.coupon(coupon.code)).toMatchObject({ status: 'redeemed', redemption: { discountMinor: 500, budgetDeltaMinor: -1500, budgetApplied: false } });
    // The hot path: claim, coupon replace, one message; purchase and budget wait for the consumer.
    expect(w.writes.slice(writesBefore).map((x) => x.op)).toEqual(['idempotency.claim', 'coupon.replace', 'bus.send']);
    expect(w.budget('ten')).toMatchObject({ issuedCount: 1, discountCommittedMinor: 2000 });
    expect(w.purchases.size).toBe(0);
    expect(w.sent).toEqual([
      {
        queue: 'redemption-events',
        message: expect.objectContaining({
          messageId: outcome.redemption.redemptionId,
          body: expect.objectContaining({ code: coupon.code, redemptionId: outcome.redemption.redemptionId, offerId: 'ten', budgetDeltaMinor: -1500 }),
        }),
      },
    ]);

    expect(await w.deliver(at(1))).toEqual([{ purchase: 'created', budget: 'applied' }]);
    expect(w.budget('ten')).toMatchObject({ issuedCount: 1, discountCommittedMinor: 500 });
    expect(w.coupon(coupon.code)).toMatchObject({ redemption: { budgetApplied: true } });
    const purchase = w.purchases.get('pos\nO-1');
    expect(purchase).toMatchObject({ customerId: 'c-1', totalMinor: 4500, couponCodes: [coupon.code], occurredAt: at(1).toISOString() });
    expect(parsePublicRedemptionId(publicRedemptionId(coupon.code, outcome.redemption.redemptionId))).toEqual({ code: coupon.code, redemptionId: outcome.redemption.redemptionId });
  });

  it('carries the request\'s correlation id on the message it sends', async () => {
    const { w, coupon } = await setup();
    redeemed(await redeemCoupon({ ...w.deps(), correlationId: 'corr-42' }, redemption(coupon.code), 'key-1', at(1)));
    expect(w.sent).toEqual([{ queue: 'redemption-events', message: expect.objectContaining({ correlationId: 'corr-42' }) }]);
  });

  it('a redelivered message (twice more) records one purchase and applies the budget delta once', async () => {
    const { w, coupon } = await setup();
    redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1)));
    const event = RedemptionEvent.parse(w.sent[0]!.message.body);
    expect(await recordRedemption(w.deps(), event, at(1))).toEqual({ purchase: 'created', budget: 'applied' });
    expect(await recordRedemption(w.deps(), event, at(2))).toEqual({ purchase: 'duplicate', budget: 'settled' });
    expect(await recordRedemption(w.deps(), event, at(3))).toEqual({ purchase: 'duplicate', budget: 'settled' });
    expect(w.purchases.size).toBe(1);
    expect(w.writesOf('budget.increment')).toHaveLength(1);
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 500 });
  });

  it('a delta of zero queues a message whose consumer only records the purchase (no coupon read or mark)', async () => {
    const w = world();
    const coupon = await issueOk(w, request());
    redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1)));
    expect(w.coupon(coupon.code)?.redemption).not.toHaveProperty('budgetApplied');
    const replacesBefore = w.writesOf('coupon.replace').length;
    expect(await w.deliver(at(1))).toEqual([{ purchase: 'created', budget: 'settled' }]);
    expect(w.writesOf('coupon.replace')).toHaveLength(replacesBefore);
    expect(w.budget('five')).toMatchObject({ issuedCount: 1, discountCommittedMinor: 500 });
  });

  it('a crash in the consumer before its mark: the redelivery converges (one purchase, delta applied once)', async () => {
    const { w, coupon } = await setup();
    redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1)));
    w.fault('coupon.replace', 'before');
    await expect(w.deliver(at(1))).rejects.toBeInstanceOf(InjectedCrash);
    expect(w.queued).toHaveLength(1);
    expect(await w.deliver(at(2))).toEqual([{ purchase: 'duplicate', budget: 'applied' }]);
    expect(w.purchases.size).toBe(1);
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 500 });
  });

  it('a crash in the consumer after the purchase claim and after the mark: the redelivery records the purchase and never applies the delta twice', async () => {
    const { w, coupon } = await setup();
    redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1)));
    w.fault('purchase.record', 'after');
    w.fault('coupon.replace', 'after');
    await expect(w.deliver(at(1))).rejects.toBeInstanceOf(InjectedCrash);
    // Marked but not patched: the budget keeps the whole reservation (conservative, never overspent).
    expect(w.coupon(coupon.code)).toMatchObject({ redemption: { budgetApplied: true } });
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 2000 });
    expect(await w.deliver(at(2))).toEqual([{ purchase: 'duplicate', budget: 'settled' }]);
    expect(await recordRedemption(w.deps(), RedemptionEvent.parse(w.sent[0]!.message.body), at(3))).toEqual({ purchase: 'duplicate', budget: 'settled' });
    expect(w.purchases.size).toBe(1);
    expect(w.writesOf('budget.increment')).toHaveLength(0);
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 2000 });
  });

  it('a crash between the coupon replace and the send is healed by the replay, which sends the same message', async () => {
    const { w, coupon } = await setup();
    w.fault('bus.send', 'before');
    await expect(redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1))).rejects.toBeInstanceOf(InjectedCrash);
    expect(w.coupon(coupon.code)?.status).toBe('redeemed');
    expect(w.sent).toHaveLength(0);
    const replay = redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1)));
    expect(replay.replayed).toBe(true);
    expect(w.sent.map((x) => x.message.messageId)).toEqual([replay.redemption.redemptionId]);
    expect(await w.deliver(at(1))).toEqual([{ purchase: 'created', budget: 'applied' }]);
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 500 });
  });

  it('accepts the code as people type it (grouped, lower case)', async () => {
    const { w, coupon } = await setup();
    const typed = `wb-${coupon.code.slice(2, 6)}-${coupon.code.slice(6, 10)}-${coupon.code.slice(10)}`.toLowerCase();
    redeemed(await redeemCoupon(w.deps(), redemption(typed), 'key-1', at(1)));
    expect(w.coupon(coupon.code)?.status).toBe('redeemed');
  });

  it('a replay with the same key answers the same and writes no coupon or budget change', async () => {
    const { w, coupon } = await setup();
    const first = redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1)));
    const stored = w.coupon(coupon.code);
    const budget = w.budget('ten');
    const writesBefore = w.writes.length;
    const again = redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(2)));
    expect(again).toEqual({ ...first, replayed: true });
    // The same message again (same messageId and body): duplicate detection drops it.
    expect(w.writes.slice(writesBefore).filter((x) => !(x.op === 'bus.send' && x.outcome === 'duplicate') && !(x.op === 'idempotency.claim' && x.outcome === 'replay'))).toEqual([]);
    expect(w.sent[1]).toEqual(w.sent[0]);
    expect(w.coupon(coupon.code)).toEqual(stored);
    expect(w.budget('ten')).toEqual(budget);
    expect(await w.deliver(at(2))).toHaveLength(1);
    expect(w.purchases.size).toBe(1);
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 500 });
  });

  it('the same key with a different body is refused as key reuse and changes nothing', async () => {
    const { w, coupon } = await setup();
    redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1)));
    const stored = w.coupon(coupon.code);
    const writesBefore = w.writes.length;
    expect(await redeemCoupon(w.deps(), redemption(coupon.code, { basketTotal: 80 }), 'key-1', at(1))).toEqual({ kind: 'key_reused' });
    expect(w.writes.slice(writesBefore).filter((x) => x.outcome !== 'conflict')).toEqual([]);
    expect(w.coupon(coupon.code)).toEqual(stored);
  });

  it('the same key on another code is refused as key reuse and leaves that coupon unused', async () => {
    const { w, coupon } = await setup();
    const other = await issueOk(w, request({ offerId: 'ten', customerId: 'c-2', requestId: 'req-other' }));
    redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1)));
    expect(await redeemCoupon(w.deps(), redemption(other.code, { customerId: 'c-2', orderId: 'O-9' }), 'key-1', at(1))).toEqual({ kind: 'key_reused' });
    expect(w.coupon(other.code)?.status).toBe('issued');
  });

  it('another key on a used code is refused as already redeemed', async () => {
    const { w, coupon } = await setup();
    redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1)));
    expect(await redeemCoupon(w.deps(), redemption(coupon.code, { orderId: 'O-2' }), 'key-2', at(1))).toMatchObject({ kind: 'refused', reason: 'already_redeemed', redeemedAt: at(1).toISOString() });
  });

  it('refuses malformed, unknown and expired codes without writing', async () => {
    const { w, coupon } = await setup();
    const writesBefore = w.writes.length;
    expect(await redeemCoupon(w.deps(), redemption('WB-OOOO'), 'k', at(1))).toMatchObject({ kind: 'refused', reason: 'malformed_code' });
    expect(await redeemCoupon(w.deps(), redemption(nextCode()), 'k', at(1))).toMatchObject({ kind: 'refused', reason: 'unknown' });
    expect(await redeemCoupon(w.deps(), redemption(coupon.code), 'k', at(30))).toMatchObject({ kind: 'refused', reason: 'expired' });
    // Only the key's claim and its release: the refused request leaves no key behind.
    expect(w.writes.slice(writesBefore).filter((x) => !x.op.startsWith('idempotency.'))).toEqual([]);
    expect(w.idempotencyRecords.has('redemption-key:pos\nk')).toBe(false);
  });

  it('two redeems that read the same version: the ETag lets exactly one win, the other sees it redeemed', async () => {
    const { w, coupon } = await setup();
    const gate = w.pause('coupon.get', 2);
    const racing = Promise.all([
      redeemCoupon(w.deps(), redemption(coupon.code, { orderId: 'A' }), 'key-a', at(1)),
      redeemCoupon(w.deps(), redemption(coupon.code, { orderId: 'B' }), 'key-b', at(1)),
    ]);
    await gate.reached;
    gate.release();
    const outcomes = await racing;
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['redeemed', 'refused']);
    expect(outcomes.find((o) => o.kind === 'refused')).toMatchObject({ reason: 'already_redeemed' });
    expect(w.writesOf('coupon.replace').map((x) => x.outcome).sort()).toEqual(['conflict', 'ok']);
    await w.deliver(at(1));
    expect(w.purchases.size).toBe(1);
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 500 });
  });

  it('twenty concurrent racers: exactly one redemption', async () => {
    const { w, coupon } = await setup();
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => redeemCoupon(w.deps(), redemption(coupon.code, { orderId: `O-${i}` }), `key-${i}`, at(1))));
    expect(outcomes.filter((o) => o.kind === 'redeemed')).toHaveLength(1);
    expect(w.sent).toHaveLength(1);
    await w.deliver(at(1));
    expect(w.purchases.size).toBe(1);
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 500 });
  });
});

describe('validateCoupon', () => {
  it('answers valid with the discount, or a typed reason, and writes nothing', async () => {
    const w = world();
    const coupon = await issueOk(w, request({ offerId: 'ten' }));
    const writesBefore = w.writes.length;
    const basket = { basketTotal: 50, currency: 'EUR' };
    expect(await validateCoupon(w.deps(), coupon.code, basket, at(1))).toMatchObject({ code: coupon.code, check: { ok: true, discountMinor: 500 } });
    expect(await validateCoupon(w.deps(), coupon.code, { basketTotal: 10, currency: 'EUR' }, at(1))).toMatchObject({ check: { ok: false, reason: 'basket_too_small' } });
    expect(await validateCoupon(w.deps(), coupon.code, basket, at(31))).toMatchObject({ check: { ok: false, reason: 'expired' } });
    expect(await validateCoupon(w.deps(), coupon.code, { ...basket, customerId: 'c-2' }, at(1))).toMatchObject({ check: { ok: false, reason: 'wrong_customer' } });
    expect(await validateCoupon(w.deps(), nextCode(), basket, at(1))).toMatchObject({ check: { ok: false, reason: 'unknown' }, coupon: undefined });
    expect(await validateCoupon(w.deps(), 'WB-IIII', basket, at(1))).toMatchObject({ check: { ok: false, reason: 'malformed_code' } });
    expect(w.writes.length).toBe(writesBefore);
    expect(w.coupon(coupon.code)).toEqual(coupon);
  });
});

describe('rollbackRedemption', () => {
  async function redeemedCoupon() {
    const w = world();
    const coupon = await issueOk(w, request({ offerId: 'ten' }));
    const outcome = redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1)));
    return { w, coupon, id: outcome.redemption.redemptionId };
  }

  it('makes the coupon usable again and restores its reservation; a second rollback changes nothing', async () => {
    const { w, coupon, id } = await redeemedCoupon();
    const first = await rollbackRedemption(w.deps(), code(coupon.code), id, at(2));
    expect(first).toMatchObject({ kind: 'rolled_back', usable: true, replayed: false, coupon: { status: 'issued' } });
    expect(w.coupon(coupon.code)).toMatchObject({ status: 'issued' });
    expect(w.coupon(coupon.code)?.redemption).toBeUndefined();
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 2000 });

    const writesBefore = w.writes.length;
    const again = await rollbackRedemption(w.deps(), code(coupon.code), id, at(3));
    expect(again).toMatchObject({ kind: 'rolled_back', usable: true, replayed: true });
    expect(w.writes.length).toBe(writesBefore);
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 2000 });

    // The rolled-back redemption id cannot redeem again; a new one can.
    expect(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(3))).toMatchObject({ kind: 'refused', reason: 'redemption_rolled_back' });
    redeemed(await redeemCoupon(w.deps(), redemption(coupon.code, { orderId: 'O-2' }), 'key-2', at(3)));
  });

  it('rolled back after its message was consumed: the budget gets the reservation back once', async () => {
    const { w, coupon, id } = await redeemedCoupon();
    await w.deliver(at(1));
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 500 });
    await rollbackRedemption(w.deps(), code(coupon.code), id, at(2));
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 2000 });
  });

  it('rolled back before its message was consumed: the consumer leaves the budget alone and still records the purchase', async () => {
    const { w, coupon, id } = await redeemedCoupon();
    await rollbackRedemption(w.deps(), code(coupon.code), id, at(2));
    expect(w.writesOf('budget.increment')).toHaveLength(0);
    expect(await w.deliver(at(2))).toEqual([{ purchase: 'created', budget: 'settled' }]);
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 2000 });
    // Redeemed again under another key: its own delta, applied by its own message.
    redeemed(await redeemCoupon(w.deps(), redemption(coupon.code, { orderId: 'O-2' }), 'key-2', at(3)));
    await w.deliver(at(3));
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 500 });
  });

  it('of an expired coupon: rolled back but not usable, and its reservation can then be released by expiry', async () => {
    const { w, coupon, id } = await redeemedCoupon();
    const outcome = await rollbackRedemption(w.deps(), code(coupon.code), id, at(40));
    expect(outcome).toMatchObject({ kind: 'rolled_back', usable: false, replayed: false });
    expect(await redeemCoupon(w.deps(), redemption(coupon.code, { orderId: 'O-2' }), 'key-2', at(40))).toMatchObject({ kind: 'refused', reason: 'expired' });
    expect(w.budget('ten')).toMatchObject({ issuedCount: 1, discountCommittedMinor: 2000 });
    expect(await releaseExpiredReservations(w.deps(), at(40), { limit: 10 })).toMatchObject({ released: 1 });
    expect(w.budget('ten')).toMatchObject({ issuedCount: 0, discountCommittedMinor: 0 });
  });

  it('an unknown redemption id is reported, nothing written', async () => {
    const { w, coupon } = await redeemedCoupon();
    const writesBefore = w.writes.length;
    expect(await rollbackRedemption(w.deps(), code(coupon.code), 'r_nothing', at(2))).toEqual({ kind: 'unknown_redemption' });
    expect(await rollbackRedemption(w.deps(), nextCode(), 'r_nothing', at(2))).toEqual({ kind: 'unknown_redemption' });
    expect(w.writes.length).toBe(writesBefore);
  });
});

describe('redeemForOrder', () => {
  const order = (overrides: Partial<PurchaseInput> = {}): PurchaseInput =>
    ({ orderId: 'S-1', source: 'shopify', customerId: 'shop-c', occurredAt: at(1).toISOString(), total: 45, currency: 'EUR', channel: 'shop', type: 'purchase', items: [], ...overrides }) as PurchaseInput;

  it('a shop redemption rolled back (refund) gives the reservation back', async () => {
    const w = world();
    const coupon = await issueOk(w, request({ offerId: 'ten' }));
    await redeemForOrder(w.deps(), order(), code(coupon.code), 'r_shop1', 5, at(1));
    await rollbackRedemption(w.deps(), code(coupon.code), 'r_shop1', at(2));
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 2000 });
  });

  it('marks the code used once; a replayed webhook is reported as such; another order is refused', async () => {
    const w = world();
    const coupon = await issueOk(w, request({ offerId: 'ten' }));
    expect(await redeemForOrder(w.deps(), order(), code(coupon.code), 'r_shop1', 5, at(1))).toEqual({ code: coupon.code, redemptionId: 'r_shop1', status: 'redeemed', discountMinor: 500 });
    // Synchronous (the webhook records its purchase itself): no message, the budget moved already.
    expect(w.sent).toEqual([]);
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 500 });
    const writesBefore = w.writes.length;
    expect(await redeemForOrder(w.deps(), order(), code(coupon.code), 'r_shop1', 5, at(1))).toMatchObject({ status: 'replayed', discountMinor: 500 });
    expect(await redeemForOrder(w.deps(), order({ orderId: 'S-2' }), code(coupon.code), 'r_shop2', 5, at(1))).toMatchObject({ status: 'refused', reason: 'already_redeemed' });
    expect(w.writes.length).toBe(writesBefore);
  });
});

describe('releaseExpiredReservations', () => {
  /** Budget of two 5 € coupons, both issued to c-1 and c-2 with 1-day validity. */
  async function spent() {
    const w = world({ short: { ...fiveOff, validity: { days: 1 } } });
    const a = await issueOk(w, request({ offerId: 'short', customerId: 'c-1', requestId: 'r-1' }));
    const b = await issueOk(w, request({ offerId: 'short', customerId: 'c-2', requestId: 'r-2' }));
    return { w, a, b };
  }

  it('the pure decision: expired, unredeemed, not yet released — with expiry exclusive at expiresAt', () => {
    const coupon = issued({ now: t0 });
    const expiresAt = new Date(coupon.expiresAt);
    const used: Coupon = { ...coupon, status: 'redeemed' };
    const released: Coupon = { ...coupon, reservationReleased: true };
    expect(reservationsToRelease([coupon, used, released], new Date(expiresAt.getTime() - 1))).toEqual([]);
    const due = reservationsToRelease([coupon, used, released], expiresAt);
    expect(due).toHaveLength(1);
    expect(due[0]!.coupon).toMatchObject({ code: coupon.code, reservationReleased: true, history: [...coupon.history, { event: 'reservation_released', at: expiresAt.toISOString() }] });
    expect(due[0]!.change).toEqual({ issued: -1, discountMinor: -coupon.budgetReservedMinor });
    expect(expiryRelease(used, expiresAt)).toEqual({ kind: 'keep', reason: 'redeemed' });
    expect(expiryRelease(released, expiresAt)).toEqual({ kind: 'keep', reason: 'already_released' });
  });

  it('gives back the reservations of expired, unused coupons so the offer can issue again; a second run changes nothing', async () => {
    const { w, a, b } = await spent();
    redeemed(await redeemCoupon(w.deps(), redemption(a.code), 'key-a', at(0.5)));
    expect(await issueCoupon(w.deps(), request({ offerId: 'short', customerId: 'c-3', requestId: 'r-3' }), at(2))).toMatchObject({ kind: 'refused', reason: 'budget_exhausted' });

    expect(await releaseExpiredReservations(w.deps(), at(0.5), { limit: 10 })).toMatchObject({ released: 0 });
    const summary = await releaseExpiredReservations(w.deps(), at(2), { limit: 10 });
    expect(summary).toEqual({ scanned: 1, released: 1, releasedMinor: 500, skipped: 0, failed: 0, more: false });
    expect(w.coupon(b.code)).toMatchObject({ status: 'issued', reservationReleased: true });
    expect(w.coupon(a.code)?.reservationReleased).toBeUndefined();
    expect(w.budget('short')).toMatchObject({ issuedCount: 1, discountCommittedMinor: 500 });

    const writesBefore = w.writes.length;
    expect(await releaseExpiredReservations(w.deps(), at(3), { limit: 10 })).toMatchObject({ scanned: 0, released: 0 });
    expect(w.writes.length).toBe(writesBefore);
    expect(w.budget('short')).toMatchObject({ issuedCount: 1, discountCommittedMinor: 500 });

    await issueOk(w, request({ offerId: 'short', customerId: 'c-3', requestId: 'r-3b' }), at(3));
    expect(await issueCoupon(w.deps(), request({ offerId: 'short', customerId: 'c-4', requestId: 'r-4' }), at(3))).toMatchObject({ kind: 'refused', reason: 'budget_exhausted' });
  });

  it('works through a backlog in runs of `limit`', async () => {
    const w = world({ short: { ...fiveOff, perCustomerLimit: undefined, validity: { days: 1 }, budget: { maxCoupons: 5 } } });
    for (let i = 0; i < 5; i++) await issueOk(w, request({ offerId: 'short', customerId: `c-${i}`, requestId: `r-${i}` }));
    expect(await releaseExpiredReservations(w.deps(), at(2), { limit: 2 })).toMatchObject({ released: 2, more: true });
    expect(await releaseExpiredReservations(w.deps(), at(2), { limit: 2 })).toMatchObject({ released: 2, more: true });
    expect(await releaseExpiredReservations(w.deps(), at(2), { limit: 2 })).toMatchObject({ released: 1, more: false });
    expect(w.budget('short')).toMatchObject({ issuedCount: 0, discountCommittedMinor: 0 });
  });

  it('a crash between marking the coupon and patching the budget never releases twice (it leaks that one reservation)', async () => {
    const { w, b } = await spent();
    w.fault('budget.increment', 'before');
    const crashed = await releaseExpiredReservations(w.deps(), at(2), { limit: 10 });
    expect(crashed).toMatchObject({ released: 1, failed: 1 });
    // Both coupons are marked; one patch failed, the other went through.
    expect(w.budget('short')).toMatchObject({ issuedCount: 1 });
    expect(w.coupon(b.code)?.reservationReleased).toBe(true);

    expect(await releaseExpiredReservations(w.deps(), at(3), { limit: 10 })).toMatchObject({ scanned: 0, released: 0 });
    expect(w.budget('short')).toMatchObject({ issuedCount: 1 });
  });

  it('a redeem that read the coupon before the release, on a clock that lags, is refused as expired', async () => {
    const { w, b } = await spent();
    const gate = w.pause('coupon.get', 1);
    const lagging = redeemCoupon(w.deps(), redemption(b.code), 'key-b', new Date(Date.parse(b.expiresAt) - 1000));
    await gate.reached;
    expect(await releaseExpiredReservations(w.deps(), new Date(b.expiresAt), { limit: 10 })).toMatchObject({ released: 2 });
    gate.release();
    expect(await lagging).toMatchObject({ kind: 'refused', reason: 'expired' });
    expect(w.writesOf('coupon.replace').filter((x) => x.id === b.code).map((x) => x.outcome)).toEqual(['ok', 'conflict']);
    expect(w.coupon(b.code)).toMatchObject({ status: 'issued', reservationReleased: true });
    expect(w.budget('short')).toMatchObject({ issuedCount: 0, discountCommittedMinor: 0 });
  });

  it('a released coupon erased later does not give its reservation back again, and an erased one is not released', async () => {
    const { w, a } = await spent();
    await releaseExpiredReservations(w.deps(), at(2), { limit: 10 });
    expect(w.budget('short')).toMatchObject({ issuedCount: 0, discountCommittedMinor: 0 });
    expect(await eraseCustomerCoupons(w.couponRepository, w.offerRepository, 'c-1', 'anon-1')).toEqual({ deleted: 1, anonymised: 0 });
    expect(w.coupon(a.code)).toBeUndefined();
    expect(w.budget('short')).toMatchObject({ issuedCount: 0, discountCommittedMinor: 0 });

    // The other order: erased before expiry, then the run finds nothing of it.
    const w2 = (await spent()).w;
    await eraseCustomerCoupons(w2.couponRepository, w2.offerRepository, 'c-1', 'anon-1');
    expect(w2.budget('short')).toMatchObject({ issuedCount: 1, discountCommittedMinor: 500 });
    expect(await releaseExpiredReservations(w2.deps(), at(2), { limit: 10 })).toMatchObject({ released: 1 });
    expect(w2.budget('short')).toMatchObject({ issuedCount: 0, discountCommittedMinor: 0 });
  });

  it('erasure and expiry racing on one coupon release it once', async () => {
    const { w, a } = await spent();
    // Erasure reads the coupon and stalls; the expiry run marks and patches it meanwhile.
    const gate = w.pause('coupon.get', 1, (id) => id === a.code);
    const erasing = eraseCustomerCoupons(w.couponRepository, w.offerRepository, 'c-1', 'anon-1');
    await gate.reached;
    await releaseExpiredReservations(w.deps(), at(2), { limit: 10 });
    gate.release();
    await erasing;
    expect(w.coupon(a.code)).toBeUndefined();
    expect(w.budget('short')).toMatchObject({ issuedCount: 0, discountCommittedMinor: 0 });
    expect(w.budgetDocs.get(budgetStateId('short'))).toBeDefined();
  });
});

describe('revokeCoupon', () => {
  const basket = { customerId: 'c-1', basketTotal: 50, currency: 'EUR' as const, channel: 'pos' as const, storeId: 'store-1' };

  it('stops the code at validate, redeem and shop orders, gives the reservation back once, and is idempotent', async () => {
    const w = world();
    const coupon = await issueOk(w, request({ offerId: 'ten' }));
    expect(w.budget('ten')).toMatchObject({ issuedCount: 1, discountCommittedMinor: 2000 });

    const first = await revokeCoupon(w.deps(), coupon.code.toLowerCase(), { reason: 'posted on a deal forum' }, at(1));
    expect(first).toMatchObject({ kind: 'revoked', replayed: false, coupon: { revoked: { at: at(1).toISOString(), reason: 'posted on a deal forum' }, reservationReleased: true } });
    expect(w.budget('ten')).toMatchObject({ issuedCount: 0, discountCommittedMinor: 0 });

    expect((await validateCoupon(w.deps(), coupon.code, basket, at(2))).check).toMatchObject({ ok: false, reason: 'revoked', revokedAt: at(1).toISOString() });
    expect(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(2))).toMatchObject({ kind: 'refused', reason: 'revoked' });
    const order: PurchaseInput = { orderId: 'S-1', source: 'shopify', customerId: 'x', occurredAt: at(2).toISOString(), total: 45, currency: 'EUR', type: 'purchase', items: [], couponCodes: [coupon.code] };
    expect(await redeemForOrder(w.deps(), order, code(coupon.code), 'r-shop', 5, at(2))).toMatchObject({ status: 'refused', reason: 'revoked' });

    const writesBefore = w.writes.length;
    const again = await revokeCoupon(w.deps(), coupon.code, { reason: 'another reason' }, at(3));
    expect(again).toMatchObject({ kind: 'revoked', replayed: true, coupon: { revoked: { at: at(1).toISOString(), reason: 'posted on a deal forum' } } });
    expect(w.writes.length).toBe(writesBefore);
    expect(w.budget('ten')).toMatchObject({ issuedCount: 0, discountCommittedMinor: 0 });
    // Expiry does not release it a second time.
    expect(await releaseExpiredReservations(w.deps(), at(40), { limit: 10 })).toMatchObject({ released: 0 });
    expect(w.budget('ten')).toMatchObject({ issuedCount: 0, discountCommittedMinor: 0 });
  });

  it('a redeemed coupon keeps its redemption; returned later it stays unusable and holds nothing', async () => {
    const w = world();
    const coupon = await issueOk(w, request({ offerId: 'ten' }));
    const outcome = redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1)));
    await w.deliver(at(1));
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 500 });
    await revokeCoupon(w.deps(), coupon.code, { reason: 'fraud' }, at(2));
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 500 });
    const rolled = await rollbackRedemption(w.deps(), code(coupon.code), outcome.redemption.redemptionId, at(3));
    expect(rolled).toMatchObject({ kind: 'rolled_back', usable: false });
    expect(w.budget('ten')).toMatchObject({ discountCommittedMinor: 0 });
    expect(await redeemCoupon(w.deps(), redemption(coupon.code, { orderId: 'O-2' }), 'key-2', at(3))).toMatchObject({ kind: 'refused', reason: 'revoked' });
  });

  it('reports unknown and malformed codes without writing', async () => {
    const w = world();
    expect(await revokeCoupon(w.deps(), 'not a code!', { reason: 'x' }, t0)).toMatchObject({ kind: 'malformed' });
    expect(await revokeCoupon(w.deps(), nextCode(), { reason: 'x' }, t0)).toEqual({ kind: 'unknown' });
    expect(w.writes).toHaveLength(0);
  });
});

describe('offer status', () => {
  it('a paused or archived offer issues nothing and consumes no budget; its coupons stay redeemable', async () => {
    const w = world();
    const coupon = await issueOk(w, request({ offerId: 'ten' }));
    for (const [status, reason] of [['paused', 'offer_paused'], ['archived', 'offer_archived']] as const) {
      w.putOffer('ten', { ...tenPercent, status });
      expect(await issueCoupon(w.deps(), request({ offerId: 'ten', customerId: `c-${status}`, requestId: `req-${status}` }), at(1))).toMatchObject({ kind: 'refused', reason });
    }
    expect(w.budget('ten')).toMatchObject({ issuedCount: 1 });
    redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1)));
  });
});

describe('KPI facts of a journey coupon', () => {
  const journeyRequest = (overrides: Partial<IssueCouponRequest> = {}) => request({ offerId: 'ten', journeyId: 'j-1', variant: 'coupon', enrollmentId: 'e_abc', ...overrides });
  const kpiSent = (w: FakeWorld) => w.sent.filter((s) => s.queue === 'kpi-events').map((s) => ({ messageId: s.message.messageId, body: s.message.body }));
  const days = new DayClock('Europe/Berlin');
  const enrolled: KpiEvent = { eventId: 'enrolled:e_abc', type: 'enrolled', journeyId: 'j-1', enrollmentId: 'e_abc', customerId: 'c-1', version: 1, arm: 'coupon', enteredAt: t0.toISOString(), attributionDays: 30, segment: null, preSpendMinor: 0, currency: 'EUR', analysis: 'fixedHorizon' };
  /** Applies events as kpis-record would (duplicates by eventId ignored) and returns the enrollment's contribution. */
  const contribution = (events: KpiEvent[]) => {
    let doc: OutcomeDocument | undefined;
    for (const event of events) doc = applyKpiEvent(doc, KpiEvent.parse(event), t0, days) ?? doc;
    return contributionOf(doc!);
  };

  it('the coupon knows its enrollment; an API redemption reports couponRedeemed once however often its message is delivered', async () => {
    const w = world();
    const coupon = await issueOk(w, journeyRequest());
    expect(coupon).toMatchObject({ journeyId: 'j-1', enrollmentId: 'e_abc' });
    const outcome = redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1)));
    expect(kpiSent(w)).toEqual([]);
    const event = RedemptionEvent.parse(w.sent[0]!.message.body);
    expect(await w.deliver(at(1))).toEqual([{ purchase: 'created', budget: 'applied' }]);
    await recordRedemption(w.deps(), event, at(2));
    const id = `couponRedeemed:${coupon.code}.${outcome.redemption.redemptionId}`;
    const expected = { type: 'couponRedeemed', eventId: id, journeyId: 'j-1', enrollmentId: 'e_abc', customerId: 'c-1', code: coupon.code, redemptionId: outcome.redemption.redemptionId, discountMinor: 500, currency: 'EUR', at: at(1).toISOString() };
    expect(kpiSent(w)).toEqual([{ messageId: id, body: expected }, { messageId: id, body: expected }]);
    expect(w.queued.filter((m) => m.queue === 'kpi-events')).toHaveLength(1); // duplicate detection keeps one
    expect(contribution([enrolled, ...kpiSent(w).map((k) => k.body as KpiEvent)])).toMatchObject({ couponsRedeemed: 1, discountMinor: 500 });
  });

  it('a coupon issued outside journeys reports nothing', async () => {
    const w = world();
    const coupon = await issueOk(w, request({ offerId: 'ten' }));
    redeemed(await redeemCoupon(w.deps(), redemption(coupon.code), 'key-1', at(1)));
    await w.deliver(at(1));
    expect(RedemptionEvent.parse(w.sent[0]!.message.body)).not.toHaveProperty('couponRedeemed');
    expect(kpiSent(w)).toEqual([]);
  });

  it('shop webhooks report it on redemption and again on a replay (same eventId); rolled back it counts nothing, redeemed again once', async () => {
    const w = world();
    const coupon = await issueOk(w, journeyRequest());
    const order = { orderId: 'S-1', source: 'shopify', customerId: 'shop-c', occurredAt: at(1).toISOString(), total: 45, currency: 'EUR', channel: 'shop', type: 'purchase', items: [] } as unknown as PurchaseInput;
    await redeemForOrder(w.deps(), order, code(coupon.code), 'r_shop1', 5, at(1));
    await redeemForOrder(w.deps(), order, code(coupon.code), 'r_shop1', 5, at(1));
    expect(new Set(kpiSent(w).map((k) => k.messageId))).toEqual(new Set([`couponRedeemed:${coupon.code}.r_shop1`]));
    expect(kpiSent(w)).toHaveLength(2);
    await rollbackRedemption(w.deps(), code(coupon.code), 'r_shop1', at(2));
    await rollbackRedemption(w.deps(), code(coupon.code), 'r_shop1', at(2)); // a repeat: the same event again
    expect(new Set(kpiSent(w).map((k) => k.messageId))).toEqual(new Set([`couponRedeemed:${coupon.code}.r_shop1`, `couponRedemptionRolledBack:${coupon.code}.r_shop1`]));
    expect(contribution([enrolled, ...kpiSent(w).map((k) => k.body as KpiEvent)])).toMatchObject({ couponsRedeemed: 0, discountMinor: 0 });
    await redeemForOrder(w.deps(), { ...order, orderId: 'S-2' } as PurchaseInput, code(coupon.code), 'r_shop2', 5, at(3));
    expect(new Set(kpiSent(w).map((k) => k.messageId)).size).toBe(3);
    expect(contribution([enrolled, ...kpiSent(w).map((k) => k.body as KpiEvent)])).toMatchObject({ couponsRedeemed: 1, discountMinor: 500 });
  });
});
