import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adjustBudget, initialBudgetState, reserveBudget, type BudgetState } from '../../../shared/coupons/budget.js';

describe('reserveBudget', () => {
  it('counts coupons and discount, bumps the version, refuses beyond either limit', () => {
    const s0 = initialBudgetState('o');
    const r1 = reserveBudget(s0, { maxCoupons: 2, maxDiscountMinor: 1000 }, 600);
    expect(r1).toEqual({ ok: true, state: { ...s0, issuedCount: 1, discountCommittedMinor: 600, version: 1 } });
    if (!r1.ok) return;
    expect(reserveBudget(r1.state, { maxCoupons: 2, maxDiscountMinor: 1000 }, 401)).toEqual({ ok: false, reason: 'budget_exhausted', limit: 'discount' });
    const r2 = reserveBudget(r1.state, { maxCoupons: 2, maxDiscountMinor: 1000 }, 400);
    expect(r2.ok).toBe(true);
    if (!r2.ok) return;
    expect(reserveBudget(r2.state, { maxCoupons: 2 }, 0)).toEqual({ ok: false, reason: 'budget_exhausted', limit: 'coupons' });
    expect(reserveBudget(r2.state, {}, 0).ok).toBe(true);
    expect(() => reserveBudget(s0, {}, -1)).toThrow(RangeError);
  });

  it('holds under racing issuers that retry on a version conflict (simulated optimistic concurrency)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 200 }), (maxCoupons, schedule) => {
        // A store that accepts a write only when the version read is still current (what an ETag does).
        let stored: BudgetState = initialBudgetState('o');
        const racers = Array.from({ length: 8 }, () => ({ read: stored, done: false, granted: false }));
        for (const i of schedule) {
          const r = racers[i]!;
          if (r.done) continue;
          const decision = reserveBudget(r.read, { maxCoupons }, 0);
          if (!decision.ok) {
            r.done = true;
            continue;
          }
          if (r.read.version === stored.version) {
            stored = decision.state;
            r.done = true;
            r.granted = true;
          } else {
            r.read = stored; // 412: re-read and try again on the next turn
          }
        }
        const granted = racers.filter((r) => r.granted).length;
        expect(granted).toBe(stored.issuedCount);
        expect(stored.issuedCount).toBeLessThanOrEqual(maxCoupons);
      }),
    );
  });
});

describe('adjustBudget', () => {
  it('applies releases and re-exposures, never below zero, and leaves a no-op untouched', () => {
    const s = { ...initialBudgetState('o'), issuedCount: 3, discountCommittedMinor: 900, version: 3 };
    expect(adjustBudget(s, { discountMinor: -400 })).toEqual({ ...s, discountCommittedMinor: 500, version: 4 });
    expect(adjustBudget(s, { issued: -1, discountMinor: -5000 })).toEqual({ ...s, issuedCount: 2, discountCommittedMinor: 0, version: 4 });
    expect(adjustBudget(s, {})).toBe(s);
  });
});
