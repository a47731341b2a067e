/**
 * The journey engine and the dispatcher on in-memory stores (ETags included), with every queue routed to its
 * use case: for the unit tests (which pump messages by hand, redelivering at will) and `npm run
 * bench:journeys` (which puts the local Service Bus transport in between). Counts every store operation.
 */
import { createHash } from 'node:crypto';
import type { Coupon } from '../shared/coupons/coupon.js';
import type { IssueCouponRequest } from '../shared/coupons/requests.js';
import { runStep, StepMessage } from '../shared/journeys/engine.js';
import { CustomerEvent, handleCustomerEvent, type EventDeps } from '../shared/journeys/events.js';
import { EnrollmentStore, JourneyStore } from '../shared/journeys/store.js';
import type { MessageChannel } from '../shared/messages/contract.js';
import { dispatch, type DispatchDeps } from '../shared/messages/dispatcher.js';
import { OutboundRequest } from '../shared/messages/message.js';
import { OutboxChannel } from '../shared/messages/outbox.js';
import { ContactLedgerStore, MessageStore, SuppressionStore } from '../shared/messages/store.js';
import type { MessageBus, OutboundMessage } from '../shared/messaging/bus.js';
import { queues } from '../shared/resources.js';
import type { BlobStore } from '../shared/storage/blobs.js';
import { MemoryDocumentStore } from '../shared/storage/documents.js';
import { TemplateStore } from '../shared/templates/store.js';
import { MessageChannel as Channels } from '../shared/messages/contract.js';

export class MemoryBlobStore implements BlobStore {
  readonly files = new Map<string, string>();
  async put(path: string, content: string | Buffer): Promise<void> {
    this.files.set(path, content.toString());
  }
  async get(path: string): Promise<Buffer | undefined> {
    const found = this.files.get(path);
    return found === undefined ? undefined : Buffer.from(found);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.files.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

export interface WorldPurchase {
  customerId: string;
  orderId: string;
  occurredAt: string;
  totalMinor: number;
  currency: string;
  type: 'purchase' | 'refund';
}

/** Coupons by request: the same request always answers the same coupon (as the real issue path). */
class MemoryCoupons {
  readonly byRequest = new Map<string, Coupon>();
  issueCalls = 0;

  resolve(request: IssueCouponRequest, now: Date): Coupon {
    this.issueCalls++;
    const existing = this.byRequest.get(request.requestId);
    if (existing) return existing;
    const code = 'WB' + createHash('sha256').update(request.requestId).digest('hex').slice(0, 12).toUpperCase().replace(/[01OIL]/g, 'X');
    const coupon: Coupon = {
      id: code,
      code,
      type: 'coupon',
      customerId: request.customerId,
      offerId: request.offerId,
      terms: { offerName: request.offerId, value: { type: 'percent', percent: 10 }, currency: 'EUR', minBasketMinor: 2000, channel: 'both' },
      requestId: request.requestId,
      issuedAt: now.toISOString(),
      validFrom: now.toISOString(),
      expiresAt: new Date(now.getTime() + 30 * 86_400_000).toISOString(),
      status: 'issued',
      budgetReservedMinor: 0,
      history: [],
    };
    this.byRequest.set(request.requestId, coupon);
    return coupon;
  }
}

export class JourneyWorld {
  readonly definitionDocs = new MemoryDocumentStore<never>();
  readonly enrollmentDocs = new MemoryDocumentStore<never>();
  readonly templateDocs = new MemoryDocumentStore<never>();
  readonly messageDocs = new MemoryDocumentStore<never>();
  readonly journeys = new JourneyStore(this.definitionDocs);
  readonly enrollments = new EnrollmentStore(this.enrollmentDocs);
  readonly templates = new TemplateStore(this.templateDocs);
  readonly messages = new MessageStore(this.messageDocs);
  readonly suppressions = new SuppressionStore(this.messageDocs);
  readonly ledger = new ContactLedgerStore(this.messageDocs);
  readonly blobs = new MemoryBlobStore();
  readonly customers = new Map<string, Record<string, unknown>>();
  readonly purchases: WorldPurchase[] = [];
  readonly coupons = new MemoryCoupons();
  readonly dormant = new Map<string, string>();
  /** Point reads and writes on the customer and purchase side, which live in Cosmos containers too. */
  sideOperations = 0;

  constructor(
    readonly bus: Pick<MessageBus, 'send'>,
    readonly retailerTimeZone = 'Europe/Berlin',
  ) {}

  operations(): number {
    return this.definitionDocs.operations + this.enrollmentDocs.operations + this.templateDocs.operations + this.messageDocs.operations + this.sideOperations;
  }

  eventDeps(): EventDeps {
    return {
      journeys: this.journeys,
      enrollments: this.enrollments,
      customers: {
        get: async (id) => {
          this.sideOperations++;
          const customer = this.customers.get(id);
          return customer && { customer };
        },
        tombstone: async () => {
          this.sideOperations++;
          return undefined;
        },
      },
      purchases: {
        netSpend: async (customerId, from, to) => {
          this.sideOperations++;
          const rows = this.purchases.filter((p) => p.customerId === customerId && p.occurredAt >= from.toISOString() && p.occurredAt < to.toISOString());
          return { minor: rows.reduce((s, p) => s + (p.type === 'refund' ? -p.totalMinor : p.totalMinor), 0), currency: rows[0]?.currency ?? null };
        },
        purchasedSince: async (customerId, since) => {
          this.sideOperations++;
          return this.purchases.some((p) => p.customerId === customerId && p.type === 'purchase' && p.occurredAt >= since.toISOString());
        },
      },
      purchaseCount: async (customerId) => this.purchases.filter((p) => p.customerId === customerId && p.type === 'purchase').length,
      coupons: { redeemedForRequest: async (requestId) => this.coupons.byRequest.get(requestId)?.status === 'redeemed' },
      dormancy: {
        mark: async (customerId, action) => {
          this.dormant.set(customerId, action);
        },
      },
      bus: this.bus,
      retailerTimeZone: this.retailerTimeZone,
    };
  }

  dispatchDeps(random: () => number = () => 0.5): DispatchDeps {
    const adapters = new Map<MessageChannel, OutboxChannel>(Channels.options.map((c) => [c, new OutboxChannel(c, this.blobs)]));
    return {
      messages: this.messages,
      suppressions: this.suppressions,
      ledger: this.ledger,
      templates: this.templates,
      enrollments: this.enrollments,
      customers: this.eventDeps().customers,
      coupons: {
        resolve: async (request, now) => ({ ok: true, coupon: this.coupons.resolve(request, now) }),
        byCode: async (code) => [...this.coupons.byRequest.values()].find((c) => c.code === code),
      },
      adapters,
      bus: this.bus,
      retailerTimeZone: this.retailerTimeZone,
      random,
    };
  }

  /** Runs the consumer of a queue on one message body. */
  async handle(queue: string, body: unknown, now: Date): Promise<void> {
    switch (queue) {
      case queues.customerEvents.name:
        await handleCustomerEvent(this.eventDeps(), CustomerEvent.parse(body), now);
        return;
      case queues.journeySteps.name:
        await runStep(this.eventDeps(), StepMessage.parse(body), now);
        return;
      case queues.outboundMessages.name:
        await dispatch(this.dispatchDeps(), OutboundRequest.parse(body), now);
        return;
      case queues.couponRequests.name:
        this.coupons.resolve(body as IssueCouponRequest, now);
        return;
      case queues.kpiEvents.name:
        return;
      default:
        throw new Error(`no consumer for queue ${queue}`);
    }
  }
}

/** A bus that only records: the unit tests deliver by hand (and as often as they like). */
export class RecordingBus implements Pick<MessageBus, 'send'> {
  readonly sent: { queue: string; message: OutboundMessage }[] = [];
  private readonly seen = new Set<string>();

  async send(queue: string, messages: OutboundMessage | OutboundMessage[]): Promise<void> {
    for (const message of Array.isArray(messages) ? messages : [messages]) {
      // Service Bus duplicate detection: the same id on the same queue is stored once.
      const key = `${queue}\n${message.messageId}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.sent.push({ queue, message: structuredClone(message) });
    }
  }
}
