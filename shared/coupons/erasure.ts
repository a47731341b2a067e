import type { Coupon } from './coupon.js';
import { markReleased } from './expiry.js';
import type { CouponRepository, OfferRepository } from './store.js';

/**
 * GDPR erasure of a customer's coupons. Unredeemed coupons are deleted (and their budget reservation given
 * back): nobody can use them any more. Redeemed ones are the campaign's proof and stay for its KPIs, but
 * under `anonymousId` (the erasure tombstone's id, a hash), with the order and store references removed
 * so nothing leads back to the person. The holdings documents naming the customer are deleted.
 * Idempotent: a second run finds only anonymised documents.
 */
export async function eraseCustomerCoupons(
  coupons: CouponRepository,
  offers: OfferRepository,
  customerId: string,
  anonymousId: string,
): Promise<{ deleted: number; anonymised: number }> {
  let deleted = 0;
  let anonymised = 0;
  for (const doc of await coupons.documentsOfCustomer(customerId)) {
    if (doc.type === 'holdings') {
      await coupons.delete(doc.id);
      continue;
    }
    if (doc.status !== 'redeemed') {
      if (await releaseBeforeDelete(coupons, offers, doc.code)) {
        await coupons.delete(doc.id);
        deleted++;
        continue;
      }
    }
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await coupons.get(doc.code);
      if (!current) break;
      if ((await coupons.replace(anonymise(current.value, anonymousId), current.etag)) === 'ok') {
        anonymised++;
        break;
      }
    }
  }
  return { deleted, anonymised };
}

/**
 * Marks the coupon released (`ifMatch`) before patching the budget, like the expiry run does, so erasure and
 * expiry racing on one coupon give its reservation back once. False when it turned out to be redeemed.
 */
async function releaseBeforeDelete(coupons: CouponRepository, offers: OfferRepository, code: string): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const current = await coupons.get(code);
    if (!current) return true;
    if (current.value.status === 'redeemed') return false;
    if (current.value.reservationReleased) return true;
    const { coupon, change } = markReleased(current.value);
    if ((await coupons.replace(coupon, current.etag)) === 'ok') {
      await offers.incrementBudget(coupon.offerId, change);
      return true;
    }
  }
  throw Object.assign(new Error(`too much contention on coupon ${code}`), { code: 503 });
}

export function anonymise(coupon: Coupon, anonymousId: string): Coupon {
  return {
    ...coupon,
    customerId: anonymousId,
    ...(coupon.redemption === undefined ? {} : { redemption: { ...withoutStore(coupon.redemption), orderId: 'erased' } }),
    history: coupon.history.map((event) => (event.orderId === undefined ? event : { ...event, orderId: 'erased' })),
  };
}

function withoutStore<T extends { storeId?: string | undefined }>(value: T): Omit<T, 'storeId'> {
  const { storeId: _storeId, ...rest } = value;
  return rest;
}
