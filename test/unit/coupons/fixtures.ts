import { generateCode, type CouponCode } from '../../../shared/coupons/code.js';
import { issueDecision, type Coupon, type Basket, type IssueInput } from '../../../shared/coupons/coupon.js';
import { Offer } from '../../../shared/coupons/offer.js';

export const t0 = new Date('2026-03-02T10:00:00.000Z');
export const dayMs = 86_400_000;

let counter = 0;
/** Deterministic, distinct, valid codes. */
export function nextCode(): CouponCode {
  counter++;
  let n = counter;
  return generateCode(() => {
    const v = n % 31;
    n = Math.floor(n / 31) + 7;
    return v;
  });
}

export function offer(overrides: Record<string, unknown> = {}): Offer {
  return Offer.parse({
    name: '10 % off',
    value: { type: 'percent', percent: 10 },
    minBasket: 20,
    currency: 'EUR',
    validity: { days: 30 },
    perCustomerLimit: 1,
    budget: { maxCoupons: 10000 },
    ...overrides,
  });
}

export function issueInput(overrides: Partial<IssueInput> = {}): IssueInput {
  return {
    offerId: 'offer-1',
    offer: offer(),
    customer: { id: 'c-1' },
    existingCouponsForCustomer: [],
    budgetState: undefined,
    now: t0,
    request: { customerId: 'c-1', offerId: 'offer-1', requestId: 'req-1' },
    code: nextCode(),
    ...overrides,
  };
}

export function issued(overrides: Partial<IssueInput> = {}): Coupon {
  const decision = issueDecision(issueInput(overrides));
  if (decision.kind !== 'issue') throw new Error(`expected an issued coupon, got ${JSON.stringify(decision)}`);
  return decision.coupon;
}

export function basket(overrides: Partial<Basket> = {}): Basket {
  return { basketTotalMinor: 5000, currency: 'EUR', channel: 'pos', storeId: 'store-1', ...overrides };
}
