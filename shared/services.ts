import { eraseCustomerCoupons } from './coupons/erasure.js';
import type { CouponDeps } from './coupons/service.js';
import { CosmosCouponRepository, CosmosOfferRepository } from './coupons/store.js';
import { CustomerStore } from './customers/store.js';
import { DayClock } from './analytics/days.js';
import { IdempotencyStore } from './idempotency.js';
import { KpiStore } from './kpis/store.js';
import { PurchaseStore } from './purchases/store.js';
import { containers } from './resources.js';
import { runtime, type Runtime } from './runtime.js';
import { CosmosOrderLookup } from './webhooks/orders.js';

/** The stores functions work with, wired to the runtime's Cosmos database once per process. */
export interface Services {
  runtime: Runtime;
  idempotency: IdempotencyStore;
  customers: CustomerStore;
  purchases: PurchaseStore;
  /** Ports for the coupon use cases in shared/coupons/service.ts. */
  coupons: CouponDeps;
  /** Finds the purchase a Shopify refund belongs to. */
  orders: CosmosOrderLookup;
  /** The KPI read model (outcome documents and counters per journey). */
  kpis: KpiStore;
}

let cached: { runtime: Runtime; services: Services } | undefined;

export function services(): Services {
  const rt = runtime();
  if (cached?.runtime === rt) return cached.services;
  const idempotency = new IdempotencyStore(rt.container(containers.idempotency.name));
  const couponRepository = new CosmosCouponRepository(rt.container(containers.coupons.name));
  const offerRepository = new CosmosOfferRepository(rt.container(containers.offers.name));
  const kpis = new KpiStore(rt.container(containers.kpis.name), new DayClock(rt.settings.retailerTimeZone));
  const customers = new CustomerStore(
    rt.container(containers.customers.name),
    rt.container(containers.purchases.name),
    rt.container(containers.idempotency.name),
    async (customerId, anonymousId) => {
      await eraseCustomerCoupons(couponRepository, offerRepository, customerId, anonymousId);
      await kpis.eraseCustomer(customerId, anonymousId, rt.clock.now());
    },
  );
  const purchases = new PurchaseStore(rt.container(containers.purchases.name), idempotency, customers);
  const coupons: CouponDeps = {
    coupons: couponRepository,
    offers: offerRepository,
    idempotency,
    customers,
    purchases,
  };
  const orders = new CosmosOrderLookup(rt.container(containers.idempotency.name), rt.container(containers.purchases.name));
  cached = { runtime: rt, services: { runtime: rt, idempotency, customers, purchases, coupons, orders, kpis } };
  return cached.services;
}
