import { CustomerStore } from './customers/store.js';
import { IdempotencyStore } from './idempotency.js';
import { PurchaseStore } from './purchases/store.js';
import { containers } from './resources.js';
import { runtime, type Runtime } from './runtime.js';

/** The stores functions work with, wired to the runtime's Cosmos database once per process. */
export interface Services {
  runtime: Runtime;
  idempotency: IdempotencyStore;
  customers: CustomerStore;
  purchases: PurchaseStore;
}

let cached: { runtime: Runtime; services: Services } | undefined;

export function services(): Services {
  const rt = runtime();
  if (cached?.runtime === rt) return cached.services;
  const idempotency = new IdempotencyStore(rt.container(containers.idempotency.name));
  const customers = new CustomerStore(
    rt.container(containers.customers.name),
    rt.container(containers.purchases.name),
    rt.container(containers.idempotency.name),
  );
  const purchases = new PurchaseStore(rt.container(containers.purchases.name), idempotency, customers);
  cached = { runtime: rt, services: { runtime: rt, idempotency, customers, purchases } };
  return cached.services;
}
