import type { InvocationContext } from '@azure/functions';
import { lineLog, type LogFields } from '../log.js';
import { issueCoupon } from '../coupons/service.js';
import type { DispatchDeps } from '../messages/dispatcher.js';
import { containers } from '../resources.js';
import { services } from '../services.js';
import { CosmosCouponFacts, CosmosDormancy, CosmosPurchaseFacts } from './cosmos.js';
import type { EventDeps } from './events.js';

/**
 * The ports of the journey and dispatcher use cases, on the stores the composition root (shared/services.ts)
 * built, logging to the invocation.
 */
export function journeyDeps(context?: InvocationContext, fields: LogFields = {}): EventDeps {
  const s = services();
  const rt = s.runtime;
  const facts = new CosmosPurchaseFacts(rt.container(containers.purchases.name));
  const coupons = new CosmosCouponFacts(rt.container(containers.idempotency.name), s.coupons.coupons);
  return {
    journeys: s.journeys,
    enrollments: s.enrollments,
    customers: s.customers,
    purchases: facts,
    purchaseCount: (customerId) => facts.count(customerId),
    coupons,
    dormancy: new CosmosDormancy(rt.container(containers.customers.name)),
    survivorOf: (customerId) => s.links.resolver.survivorOf(customerId),
    bus: rt.bus,
    retailerTimeZone: rt.settings.retailerTimeZone,
    log: lineLog(context, 'journeys.progress', fields),
  };
}

export function dispatchDeps(context?: InvocationContext, fields: LogFields = {}): DispatchDeps {
  const s = services();
  const rt = s.runtime;
  return {
    messages: s.messages,
    suppressions: s.suppressions,
    ledger: s.ledger,
    templates: s.templates,
    enrollments: s.enrollments,
    customers: s.customers,
    coupons: {
      async resolve(request, now) {
        const outcome = await issueCoupon({ ...s.coupons, log: lineLog(context, 'coupon.warning', fields, 'warn') }, request, now);
        switch (outcome.kind) {
          case 'issued':
          case 'existing':
            return { ok: true, coupon: outcome.coupon };
          case 'refused':
            return { ok: false, reason: `${outcome.reason}: ${outcome.detail}` };
          default: {
            const exhaustive: never = outcome;
            return exhaustive;
          }
        }
      },
      async byCode(code) {
        return (await s.coupons.coupons.get(code))?.value;
      },
    },
    adapters: s.channels,
    survivorOf: (customerId) => s.links.resolver.survivorOf(customerId),
    bus: rt.bus,
    retailerTimeZone: rt.settings.retailerTimeZone,
    log: lineLog(context, 'messages.progress', fields),
  };
}
