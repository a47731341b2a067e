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
import { containers, queues } from './resources.js';
import { runtime, type Runtime } from './runtime.js';
import { CosmosOrderLookup } from './webhooks/orders.js';
import { purchaseRecordedMessage } from './journeys/events.js';
import { enrollmentParticipant } from './journeys/merge.js';
import { messageParticipant } from './messages/merge.js';
import { EnrollmentStore, JourneyStore } from './journeys/store.js';
import { ContactLedgerStore, MessageStore, SuppressionStore, type MessagesDoc } from './messages/store.js';
import { CosmosDocumentStore, type Doc } from './storage/documents.js';
import { TemplateStore } from './templates/store.js';
import { channelAdapters } from './channels/registry.js';
import { cosmosDeliveryEventDeps, type DeliveryEventDeps } from './channels/delivery-service.js';
import type { ChannelAdapter, MessageChannel } from './messages/contract.js';

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
  journeys: JourneyStore;
  enrollments: EnrollmentStore;
  templates: TemplateStore;
  messages: MessageStore;
  suppressions: SuppressionStore;
  ledger: ContactLedgerStore;
  /** The adapter the dispatcher delivers through, per channel (shared/channels/registry.ts). */
  channels: Map<MessageChannel, ChannelAdapter>;
  /** Ports of the delivery-events consumer (provider reports → message status, suppression, engagement). */
  deliveryEvents: DeliveryEventDeps;
}

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
  const doc = <T extends Doc>(spec: { name: (typeof containers)[keyof typeof containers]['name']; partitionKey: string }) => new CosmosDocumentStore<T>(rt.container(spec.name), spec.partitionKey);
  const journeys = new JourneyStore(doc(containers.journeyDefinitions));
  const enrollments = new EnrollmentStore(doc(containers.enrollments));
  const templates = new TemplateStore(doc(containers.templates));
  const messageDocs = doc<MessagesDoc>(containers.messages);
  const messages = new MessageStore(messageDocs);
  const suppressions = new SuppressionStore(messageDocs);
  const ledger = new ContactLedgerStore(messageDocs);
  const customers = new CustomerStore(
    rt.container(containers.customers.name),
    rt.container(containers.purchases.name),
    rt.container(containers.idempotency.name),
    async (customerId, anonymousId) => {
      await eraseCustomerCoupons(couponRepository, offerRepository, customerId, anonymousId);
      await kpis.eraseCustomer(customerId, anonymousId, rt.clock.now());
      await enrollments.eraseCustomer(customerId);
      await messages.eraseCustomer(customerId);
    },
  );
  const purchases = new PurchaseStore(
    rt.container(containers.purchases.name),
    idempotency,
    customers,
    (id) => resolver.survivorOf(id),
    (purchase) => rt.bus.send(queues.customerEvents.name, purchaseRecordedMessage(purchase)),
  );
  /**
   * Data owners beyond winback's own (purchases, idempotency records, coupons, profile and scores) that must
   * follow a customer into a merge. They run after coupons and before the absorbed profile is deleted;
   * enrollments also answer whether a merge would run two enrollments of one journey at once.
   */
  const otherMergeParticipants: MergeParticipant[] = [
    enrollmentParticipant(enrollments),
    messageParticipant(messageDocs),
    { name: 'kpis', merge: async (from, into, now) => void (await kpis.reassignCustomer(from, into, now)) },
  ];
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
  cached = {
    runtime: rt,
    services: {
      runtime: rt, idempotency, customers, purchases, coupons, orders, kpis, links, journeys, enrollments, templates, messages, suppressions, ledger,
      channels: channelAdapters({ settings: rt.settings, blobs: rt.blobs }),
      deliveryEvents: cosmosDeliveryEventDeps({
        messages,
        suppressions,
        customers,
        coupons: couponRepository,
        messagesContainer: rt.container(containers.messages.name),
        customersContainer: rt.container(containers.customers.name),
      }),
    },
  };
  return cached.services;
}
