import { eraseCustomerCoupons } from './coupons/erasure.js';
import type { CouponDeps } from './coupons/service.js';
import { CosmosCouponRepository, CosmosOfferRepository } from './coupons/store.js';
import { CustomerStore } from './customers/store.js';
import { DayClock } from './analytics/days.js';
import { IdempotencyStore } from './idempotency.js';
import { KpiStore } from './kpis/store.js';
import { Merger, type MergeParticipant } from './links/merge.js';
import { builtinParticipants } from './links/participants.js';
import { CustomerResolver } from './links/resolve.js';
import type { LinkDeps } from './links/service.js';
import { CosmosLinkRepository } from './links/store.js';
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
  /** Identity links: resolution for every ingest path, linking, merging, erasure (shared/links/service.ts). */
  links: LinkDeps;
}

/**
 * Data owners beyond winback's own (purchases, idempotency records, coupons, profile and scores) that must
 * follow a customer into a merge: each adds its `MergeParticipant` here. They run after coupons and before
 * the absorbed profile is deleted.
 */
const otherMergeParticipants: MergeParticipant[] = [];

let cached: { runtime: Runtime; services: Services } | undefined;

export function services(): Services {
  const rt = runtime();
  if (cached?.runtime === rt) return cached.services;
  const idempotency = new IdempotencyStore(rt.container(containers.idempotency.name));
  const linkRepository = new CosmosLinkRepository(rt.container(containers.links.name));
  const resolver = new CustomerResolver(linkRepository, { emailMatching: rt.settings.linkEmailMatching === 'verified' });
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
  const purchases = new PurchaseStore(rt.container(containers.purchases.name), idempotency, customers, (id) => resolver.survivorOf(id));
  const merger = new Merger(
    linkRepository,
    builtinParticipants({ purchases, idempotency, coupons: couponRepository, customers, others: otherMergeParticipants }),
  );
  const links: LinkDeps = { repo: linkRepository, resolver, merger, customers, emailMatching: rt.settings.linkEmailMatching === 'verified' };
  const coupons: CouponDeps = {
    coupons: couponRepository,
    offers: offerRepository,
    idempotency,
    customers,
    purchases,
    links: resolver,
  };
  const orders = new CosmosOrderLookup(rt.container(containers.idempotency.name), rt.container(containers.purchases.name), (id) => resolver.survivorOf(id));
  cached = { runtime: rt, services: { runtime: rt, idempotency, customers, purchases, coupons, orders, kpis, links } };
  return cached.services;
}
