import type { Coupon } from '../coupons/coupon.js';
import { emptyHoldings, holdingsId, type Holdings } from '../coupons/holdings.js';
import type { CouponRepository } from '../coupons/store.js';
import type { ConflictContext, MergeConflict, MergeParticipant } from './merge.js';

const contention = (what: string) => Object.assign(new Error(`too much contention on ${what}`), { code: 503 });

/**
 * Coupons and holdings follow the customer. A coupon is re-owned with `ifMatch` (a redemption racing the
 * merge makes it re-read). Holdings of (offer, from) are folded into (offer, into) before they are deleted:
 * the person holds both lists, so per-customer limits count both from now on.
 */
export function couponParticipant(coupons: CouponRepository): MergeParticipant {
  const moveCoupon = async (code: string, from: string, into: string) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await coupons.get(code);
      if (!current || current.value.customerId !== from) return;
      if ((await coupons.replace({ ...current.value, customerId: into }, current.etag)) === 'ok') return;
    }
    throw contention(`coupon ${code}`);
  };
  const moveHoldings = async (holdings: Holdings, into: string) => {
    const reowned = (c: Coupon): Coupon => (c.customerId === holdings.customerId ? { ...c, customerId: into } : c);
    for (let attempt = 0; attempt < 20; attempt++) {
      const target = await coupons.getHoldings(holdingsId(holdings.offerId, into));
      const base = target?.value ?? emptyHoldings(holdings.offerId, into);
      const known = new Set(base.coupons.map((c) => c.code));
      const next: Holdings = { ...base, coupons: [...base.coupons, ...holdings.coupons.filter((c) => !known.has(c.code)).map(reowned)] };
      if ((await coupons.putHoldings(next, target?.etag)) === 'ok') {
        await coupons.delete(holdings.id);
        return;
      }
    }
    throw contention(`the holdings of offer ${holdings.offerId}`);
  };
  return {
    name: 'coupons',
    holds: async (customerId) => (await coupons.documentsOfCustomer(customerId)).length > 0,
    async merge(from, into) {
      for (const doc of await coupons.documentsOfCustomer(from)) {
        if (doc.type === 'holdings') await moveHoldings(doc, into);
        else await moveCoupon(doc.code, from, into);
      }
    },
  };
}

/** The participants winback itself brings, in the order they run; others are appended before `profile`. */
export function builtinParticipants(ports: {
  purchases: { moveCustomer(from: string, into: string): Promise<number>; hasAny(customerId: string): Promise<boolean> };
  idempotency: { reassignCustomer(from: string, into: string): Promise<void> };
  coupons: CouponRepository;
  customers: {
    absorb(from: string, into: string, now: Date): Promise<void>;
    mergeConflicts(from: string, into: string, survivorProfile?: Record<string, unknown>): Promise<MergeConflict[]>;
    get(customerId: string): Promise<unknown>;
  };
  others?: readonly MergeParticipant[];
}): MergeParticipant[] {
  return [
    {
      name: 'purchases',
      merge: async (from, into) => void (await ports.purchases.moveCustomer(from, into)),
      holds: (customerId) => ports.purchases.hasAny(customerId),
    },
    { name: 'idempotency', merge: (from, into) => ports.idempotency.reassignCustomer(from, into) },
    couponParticipant(ports.coupons),
    ...(ports.others ?? []),
    // Last: deleting the absorbed document is what makes the absorbed id's profile disappear.
    {
      name: 'profile',
      merge: (from, into, now) => ports.customers.absorb(from, into, now),
      conflicts: (from, into, context?: ConflictContext) => ports.customers.mergeConflicts(from, into, context?.survivorProfile),
      holds: async (customerId) => (await ports.customers.get(customerId)) !== undefined,
    },
  ];
}
