import type { Claim, IdempotencyRecord } from '../../../shared/idempotency.js';
import type { RecordOutcome } from '../../../shared/purchases/store.js';
import type { Purchase } from '../../../shared/purchases/schema.js';
import { BudgetState, budgetStateId } from '../../../shared/coupons/budget.js';
import type { CouponCode } from '../../../shared/coupons/code.js';
import type { Coupon } from '../../../shared/coupons/coupon.js';
import type { Holdings } from '../../../shared/coupons/holdings.js';
import { Offer, type OfferDocument } from '../../../shared/coupons/offer.js';
import { RedemptionEvent } from '../../../shared/coupons/redemption-events.js';
import { recordRedemption, type CouponDeps, type RecordRedemptionOutcome, type RedeemDeps } from '../../../shared/coupons/service.js';
import type { OutboundMessage } from '../../../shared/messaging/bus.js';
import type { CouponRepository, OfferRepository, Versioned, WriteOutcome } from '../../../shared/coupons/store.js';
import { nextCode, t0 } from './fixtures.js';

/**
 * In-memory stand-ins for the coupon ports with Cosmos' semantics where the use cases depend on them:
 * every write gets a new ETag; a replace with a stale or unknown ETag is a conflict (412/404); a create of a
 * taken id is a conflict (409); relative budget patches do not clamp (a double release would go negative and
 * then fail to parse, as `CosmosOfferRepository.getBudget` would). Documents are copied in and out, so
 * callers cannot change stored state by mutating what they hold.
 *
 * Every write is logged in `writes`; `fault` injects a crash before or after a write reaches the store, and
 * `pause` holds an operation until the test releases it (to interleave concurrent callers deterministically).
 * The bus records every message sent (`sent`) and queues it with Service Bus duplicate detection (a messageId
 * seen before is dropped); `deliver` runs the redemption-events consumer on what is queued.
 */

export type Op =
  | 'coupon.create'
  | 'coupon.replace'
  | 'coupon.delete'
  | 'holdings.put'
  | 'budget.put'
  | 'budget.increment'
  | 'offer.put'
  | 'idempotency.claim'
  | 'idempotency.complete'
  | 'idempotency.forget'
  | 'purchase.record'
  | 'bus.send'
  | 'coupon.get';

export interface WriteRecord {
  op: Op;
  id: string;
  outcome: string;
}

interface Fault {
  op: Op;
  when: 'before' | 'after';
  match: (doc: unknown) => boolean;
  remaining: number;
}

interface Pause {
  op: Op;
  match: (id: string) => boolean;
  waiting: (() => void)[];
  count: number;
  /** Resolves once `count` calls are held. */
  reached: Promise<void>;
  onReach: () => void;
}

export class InjectedCrash extends Error {
  constructor(op: Op, when: string) {
    super(`injected crash ${when} ${op}`);
  }
}

const copy = <T>(value: T): T => structuredClone(value);

export class FakeWorld {
  private etagCounter = 0;
  readonly writes: WriteRecord[] = [];
  private readonly faults: Fault[] = [];
  private readonly pauses: Pause[] = [];

  /** coupons container: coupons and holdings by id. */
  readonly couponDocs = new Map<string, { doc: Coupon | Holdings; etag: string }>();
  readonly offerDocs = new Map<string, OfferDocument>();
  readonly budgetDocs = new Map<string, { doc: BudgetState; etag: string }>();
  readonly idempotencyRecords = new Map<string, IdempotencyRecord>();
  readonly purchases = new Map<string, Purchase>();
  readonly customerDocs = new Map<string, Record<string, unknown>>();
  readonly tombstones = new Map<string, string>();
  /** Every message sent, duplicates included. */
  readonly sent: { queue: string; message: OutboundMessage }[] = [];
  /** Accepted by duplicate detection and not yet delivered. */
  readonly queued: { queue: string; message: OutboundMessage }[] = [];
  private readonly seenMessageIds = new Set<string>();

  /** Codes handed out by `newCode`, in order; when empty, fresh distinct codes from the fixtures. */
  readonly codeQueue: CouponCode[] = [];

  private nextEtag(): string {
    return `"etag-${++this.etagCounter}"`;
  }

  /** The next matching call of `op` throws, before or after its effect is applied. */
  fault(op: Op, when: 'before' | 'after', match: (doc: unknown) => boolean = () => true, times = 1): void {
    this.faults.push({ op, when, match, remaining: times });
  }

  /**
   * Holds the next `count` matching calls of `op` until `release()`: writes before they touch the store,
   * `coupon.get` after it has read (so the caller holds a version that may go stale meanwhile).
   */
  pause(op: Op, count: number, match: (id: string) => boolean = () => true): { reached: Promise<void>; release: () => void } {
    let onReach!: () => void;
    const reached = new Promise<void>((resolve) => (onReach = resolve));
    const pause: Pause = { op, match, waiting: [], count, reached, onReach };
    this.pauses.push(pause);
    return {
      reached,
      release: () => {
        this.pauses.splice(this.pauses.indexOf(pause), 1);
        for (const go of pause.waiting) go();
      },
    };
  }

  private async gate(op: Op, id: string): Promise<void> {
    const pause = this.pauses.find((p) => p.op === op && p.match(id) && p.waiting.length < p.count);
    if (!pause) return;
    await new Promise<void>((resolve) => {
      pause.waiting.push(resolve);
      if (pause.waiting.length === pause.count) pause.onReach();
    });
  }

  private crash(op: Op, when: 'before' | 'after', doc: unknown): void {
    const fault = this.faults.find((f) => f.op === op && f.when === when && f.remaining > 0 && f.match(doc));
    if (!fault) return;
    fault.remaining--;
    throw new InjectedCrash(op, when);
  }

  /** Runs a write: gate, crash-before, apply, log, crash-after. */
  private async write<R extends string>(op: Op, id: string, doc: unknown, apply: () => R): Promise<R> {
    await this.gate(op, id);
    await Promise.resolve();
    this.crash(op, 'before', doc);
    const outcome = apply();
    this.writes.push({ op, id, outcome });
    this.crash(op, 'after', doc);
    return outcome;
  }

  writesOf(...ops: Op[]): WriteRecord[] {
    return this.writes.filter((w) => ops.includes(w.op));
  }

  // --------------------------------------------------------------------------------------------- views

  coupons(): Coupon[] {
    return [...this.couponDocs.values()].map((e) => e.doc).filter((d): d is Coupon => d.type === 'coupon').map(copy);
  }

  coupon(code: string): Coupon | undefined {
    const entry = this.couponDocs.get(code);
    return entry && entry.doc.type === 'coupon' ? copy(entry.doc) : undefined;
  }

  budget(offerId: string): BudgetState | undefined {
    const entry = this.budgetDocs.get(budgetStateId(offerId));
    return entry && copy(entry.doc);
  }

  // --------------------------------------------------------------------------------------------- seeding

  putOffer(id: string, offer: Record<string, unknown>): OfferDocument {
    const doc: OfferDocument = { id, type: 'offer', offer: Offer.parse(offer), updatedAt: t0.toISOString() };
    this.offerDocs.set(id, copy(doc));
    return doc;
  }

  /** Stores a coupon directly (as if issued earlier); returns its ETag. */
  seedCoupon(coupon: Coupon): string {
    const etag = this.nextEtag();
    this.couponDocs.set(coupon.id, { doc: copy(coupon), etag });
    return etag;
  }

  seedBudget(state: BudgetState): void {
    this.budgetDocs.set(state.id, { doc: copy(state), etag: this.nextEtag() });
  }

  // --------------------------------------------------------------------------------------------- ports

  readonly couponRepository: CouponRepository = {
    get: async (code) => {
      await Promise.resolve();
      const entry = this.couponDocs.get(code);
      const read = entry && entry.doc.type === 'coupon' ? { value: copy(entry.doc), etag: entry.etag } : undefined;
      await this.gate('coupon.get', code);
      return read;
    },
    create: (coupon) =>
      this.write('coupon.create', coupon.id, coupon, () => {
        if (this.couponDocs.has(coupon.id)) return 'exists' as const;
        this.couponDocs.set(coupon.id, { doc: copy(coupon), etag: this.nextEtag() });
        return 'created' as const;
      }),
    replace: (coupon, etag) =>
      this.write('coupon.replace', coupon.id, coupon, (): WriteOutcome => {
        const entry = this.couponDocs.get(coupon.id);
        if (!entry || entry.etag !== etag) return 'conflict';
        this.couponDocs.set(coupon.id, { doc: copy(coupon), etag: this.nextEtag() });
        return 'ok';
      }),
    listForCustomer: async (customerId) =>
      this.coupons()
        .filter((c) => c.customerId === customerId)
        .sort((a, b) => (a.issuedAt < b.issuedAt ? 1 : a.issuedAt > b.issuedAt ? -1 : 0)),
    getHoldings: async (id) => {
      await Promise.resolve();
      const entry = this.couponDocs.get(id);
      return entry && entry.doc.type === 'holdings' ? { value: copy(entry.doc), etag: entry.etag } : undefined;
    },
    putHoldings: (holdings, etag) =>
      this.write('holdings.put', holdings.id, holdings, (): WriteOutcome => {
        const entry = this.couponDocs.get(holdings.id);
        if (etag === undefined ? entry !== undefined : !entry || entry.etag !== etag) return 'conflict';
        this.couponDocs.set(holdings.id, { doc: copy(holdings), etag: this.nextEtag() });
        return 'ok';
      }),
    documentsOfCustomer: async (customerId) => [...this.couponDocs.values()].map((e) => copy(e.doc)).filter((d) => d.customerId === customerId),
    delete: async (id) => {
      await this.write('coupon.delete', id, { id }, () => (this.couponDocs.delete(id) ? 'deleted' : 'missing'));
    },
    expiredUnreleased: async (now, limit) => {
      await Promise.resolve();
      const out: Versioned<Coupon>[] = [];
      for (const { doc, etag } of this.couponDocs.values()) {
        if (out.length >= limit) break;
        if (doc.type === 'coupon' && doc.status === 'issued' && doc.expiresAt <= now.toISOString() && doc.reservationReleased === undefined) {
          out.push({ value: copy(doc), etag });
        }
      }
      return out;
    },
  };

  readonly offerRepository: OfferRepository = {
    get: async (offerId) => {
      const doc = this.offerDocs.get(offerId);
      return doc && copy(doc);
    },
    put: async (doc) => {
      await this.write('offer.put', doc.id, doc, () => {
        this.offerDocs.set(doc.id, copy(doc));
        return 'ok';
      });
    },
    list: async () => [...this.offerDocs.values()].map(copy),
    getBudget: async (offerId) => {
      await Promise.resolve();
      const entry = this.budgetDocs.get(budgetStateId(offerId));
      return entry && { value: BudgetState.parse(copy(entry.doc)), etag: entry.etag };
    },
    putBudget: (state, etag) =>
      this.write('budget.put', state.id, state, (): WriteOutcome => {
        const entry = this.budgetDocs.get(state.id);
        if (etag === undefined ? entry !== undefined : !entry || entry.etag !== etag) return 'conflict';
        this.budgetDocs.set(state.id, { doc: copy(state), etag: this.nextEtag() });
        return 'ok';
      }),
    incrementBudget: async (offerId, change) => {
      if (!change.issued && !change.discountMinor) return;
      const id = budgetStateId(offerId);
      await this.write('budget.increment', id, { offerId, ...change }, () => {
        const entry = this.budgetDocs.get(id);
        if (!entry) return 'missing';
        // A server-side `incr`: no clamping, unlike adjustBudget.
        const doc: BudgetState = {
          ...entry.doc,
          issuedCount: entry.doc.issuedCount + (change.issued ?? 0),
          discountCommittedMinor: entry.doc.discountCommittedMinor + (change.discountMinor ?? 0),
          version: entry.doc.version + 1,
        };
        this.budgetDocs.set(id, { doc, etag: this.nextEtag() });
        return 'ok';
      });
    },
  };

  readonly idempotency: CouponDeps['idempotency'] = {
    claim: async (scope, key, hash, now, extra = {}): Promise<Claim> => {
      const id = `${scope}:${key}`;
      const record: IdempotencyRecord = { id, scope, contentHash: hash, createdAt: now.toISOString(), customerId: extra.customerId, refs: extra.refs ?? {} };
      let claim: Claim | undefined;
      await this.write('idempotency.claim', id, record, () => {
        const existing = this.idempotencyRecords.get(id);
        if (!existing) {
          this.idempotencyRecords.set(id, copy(record));
          claim = { kind: 'new', record };
          return 'new';
        }
        claim = existing.contentHash === hash ? { kind: 'replay', record: copy(existing) } : { kind: 'conflict', record: copy(existing) };
        return claim.kind;
      });
      return claim!;
    },
    complete: async (record, response) => {
      await this.write('idempotency.complete', record.id, response, () => {
        this.idempotencyRecords.set(record.id, copy({ ...record, response }));
        return 'ok';
      });
    },
    forget: async (scope, key) => {
      const id = `${scope}:${key}`;
      await this.write('idempotency.forget', id, undefined, () => (this.idempotencyRecords.delete(id) ? 'ok' : 'missing'));
    },
  };

  readonly customers: CouponDeps['customers'] = {
    get: async (customerId) => {
      const doc = this.customerDocs.get(customerId);
      return doc && { customer: copy(doc) };
    },
    tombstone: async (customerId) => {
      const erasedAt = this.tombstones.get(customerId);
      return erasedAt === undefined ? undefined : { erasedAt };
    },
  };

  readonly purchaseStore: CouponDeps['purchases'] = {
    record: async (purchase) => {
      const key = `${purchase.source}\n${purchase.orderId}`;
      let outcome!: RecordOutcome;
      await this.write('purchase.record', key, purchase, () => {
        const existing = this.purchases.get(key);
        if (!existing) {
          this.purchases.set(key, copy(purchase));
          outcome = { kind: 'created', purchase };
        } else if (existing.contentHash === purchase.contentHash) {
          outcome = { kind: 'duplicate', purchase: copy(existing) };
        } else {
          outcome = { kind: 'conflict', existingHash: existing.contentHash };
        }
        return outcome.kind;
      });
      return outcome;
    },
  };

  readonly bus: RedeemDeps['bus'] = {
    send: async (queue, messages) => {
      for (const message of Array.isArray(messages) ? messages : [messages]) {
        const key = `${queue}\n${message.messageId}`;
        await this.write('bus.send', key, message, () => {
          this.sent.push({ queue, message: copy(message) });
          if (this.seenMessageIds.has(key)) return 'duplicate';
          this.seenMessageIds.add(key);
          this.queued.push({ queue, message: copy(message) });
          return 'queued';
        });
      }
    },
  };

  /**
   * Delivers every queued redemption-events message to the consumer, in order. A delivery that throws stays
   * queued (as an abandoned Service Bus message would) and the error is rethrown.
   */
  async deliver(now: Date): Promise<RecordRedemptionOutcome[]> {
    const outcomes: RecordRedemptionOutcome[] = [];
    // kpi-events have no consumer here: they stay queued (and in `sent`) for the test to read.
    for (let next = this.queued.findIndex((m) => m.queue === 'redemption-events'); next >= 0; next = this.queued.findIndex((m) => m.queue === 'redemption-events')) {
      outcomes.push(await recordRedemption(this.deps(), RedemptionEvent.parse(this.queued[next]!.message.body), now));
      this.queued.splice(next, 1);
    }
    const stray = this.queued.find((m) => m.queue !== 'kpi-events');
    if (stray) throw new Error(`no consumer for queue ${stray.queue} in the fakes`);
    return outcomes;
  }

  deps(): RedeemDeps {
    return {
      bus: this.bus,
      coupons: this.couponRepository,
      offers: this.offerRepository,
      idempotency: this.idempotency,
      customers: this.customers,
      purchases: this.purchaseStore,
      newCode: () => this.codeQueue.shift() ?? nextCode(),
    };
  }
}
