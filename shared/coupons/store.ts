import type { Container, PatchOperation } from '@azure/cosmos';
import { BudgetState, budgetStateId, initialBudgetState } from './budget.js';
import { Coupon } from './coupon.js';
import { Holdings } from './holdings.js';
import { OfferDocument } from './offer.js';

/**
 * The Cosmos side of coupons. Everything that must be atomic is a single document written with `ifMatch`
 * (the emulator's batches are not atomic, and Cosmos' are limited to one partition anyway); follow-up writes
 * use deterministic ids so a retry lands on the same document.
 */
export interface Versioned<T> {
  value: T;
  etag: string;
}

export type WriteOutcome = 'ok' | 'conflict';

const code = (error: unknown) => (error as { code?: number }).code;

async function readOrUndefined<T>(read: () => Promise<{ resource?: T | undefined; etag?: string }>): Promise<Versioned<T> | undefined> {
  try {
    const { resource, etag } = await read();
    if (resource === undefined) return undefined;
    return { value: resource, etag: etag ?? '' };
  } catch (error) {
    if (code(error) === 404) return undefined;
    throw error;
  }
}

/** Strips Cosmos' system properties so stored and computed documents compare and hash alike. */
function clean<T extends object>(doc: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) if (!key.startsWith('_')) out[key] = value;
  return out as T;
}

export interface CouponRepository {
  get(code: string): Promise<Versioned<Coupon> | undefined>;
  /** `exists` when the code is taken: draw another code. */
  create(coupon: Coupon): Promise<'created' | 'exists'>;
  replace(coupon: Coupon, etag: string): Promise<WriteOutcome>;
  listForCustomer(customerId: string): Promise<Coupon[]>;
  getHoldings(id: string): Promise<Versioned<Holdings> | undefined>;
  /** Create when `etag` is undefined (conflict if someone created it first), else replace ifMatch. */
  putHoldings(holdings: Holdings, etag: string | undefined): Promise<WriteOutcome>;
  /** Every coupon and holdings document naming the customer (for erasure). */
  documentsOfCustomer(customerId: string): Promise<(Coupon | Holdings)[]>;
  delete(id: string): Promise<void>;
  /**
   * Up to `limit` unredeemed coupons expired at `now` whose budget reservation was not released yet, with
   * their ETags (cross-partition). Marked coupons drop out, so repeated calls work through a backlog.
   */
  expiredUnreleased(now: Date, limit: number): Promise<Versioned<Coupon>[]>;
}

export class CosmosCouponRepository implements CouponRepository {
  constructor(private readonly container: Container) {}

  async get(couponCode: string) {
    const found = await readOrUndefined(() => this.container.item(couponCode, couponCode).read<Coupon>());
    return found && found.value.type === 'coupon' ? { value: clean(found.value), etag: found.etag } : undefined;
  }

  async create(coupon: Coupon): Promise<'created' | 'exists'> {
    try {
      await this.container.items.create(coupon);
      return 'created';
    } catch (error) {
      if (code(error) === 409) return 'exists';
      throw error;
    }
  }

  async replace(coupon: Coupon, etag: string): Promise<WriteOutcome> {
    try {
      await this.container.item(coupon.id, coupon.code).replace(coupon, { accessCondition: { type: 'IfMatch', condition: etag } });
      return 'ok';
    } catch (error) {
      if (code(error) === 412 || code(error) === 404) return 'conflict';
      throw error;
    }
  }

  async listForCustomer(customerId: string): Promise<Coupon[]> {
    const { resources } = await this.container.items
      .query<Coupon>({
        query: "SELECT * FROM c WHERE c.type = 'coupon' AND c.customerId = @id ORDER BY c.issuedAt DESC",
        parameters: [{ name: '@id', value: customerId }],
      })
      .fetchAll();
    return resources.map(clean);
  }

  async getHoldings(id: string) {
    const found = await readOrUndefined(() => this.container.item(id, id).read<Holdings>());
    return found ? { value: clean(found.value), etag: found.etag } : undefined;
  }

  async putHoldings(holdings: Holdings, etag: string | undefined): Promise<WriteOutcome> {
    try {
      if (etag === undefined) await this.container.items.create(holdings);
      else await this.container.item(holdings.id, holdings.code).replace(holdings, { accessCondition: { type: 'IfMatch', condition: etag } });
      return 'ok';
    } catch (error) {
      const c = code(error);
      if (c === 409 || c === 412 || c === 404) return 'conflict';
      throw error;
    }
  }

  async documentsOfCustomer(customerId: string): Promise<(Coupon | Holdings)[]> {
    const { resources } = await this.container.items
      .query<Coupon | Holdings>({ query: 'SELECT * FROM c WHERE c.customerId = @id', parameters: [{ name: '@id', value: customerId }] })
      .fetchAll();
    return resources.map(clean);
  }

  async expiredUnreleased(now: Date, limit: number): Promise<Versioned<Coupon>[]> {
    // `expiresAt` is always `toISOString()` output, so string order is time order; expiry is exclusive.
    const iterator = this.container.items.query<Coupon & { _etag?: string }>(
      {
        query:
          "SELECT * FROM c WHERE c.type = 'coupon' AND c.status = 'issued' AND c.expiresAt <= @now AND NOT IS_DEFINED(c.reservationReleased)",
        parameters: [{ name: '@now', value: now.toISOString() }],
      },
      { maxItemCount: Math.min(limit, 1000) },
    );
    const out: Versioned<Coupon>[] = [];
    while (out.length < limit && iterator.hasMoreResults()) {
      const page = await iterator.fetchNext();
      for (const doc of page.resources) {
        if (out.length >= limit) break;
        out.push({ value: clean(doc), etag: doc._etag ?? '' });
      }
    }
    return out;
  }

  async delete(id: string): Promise<void> {
    await this.container
      .item(id, id)
      .delete()
      .catch((error: unknown) => {
        if (code(error) !== 404) throw error;
      });
  }
}

export interface OfferRepository {
  get(offerId: string): Promise<OfferDocument | undefined>;
  put(doc: OfferDocument): Promise<void>;
  list(): Promise<OfferDocument[]>;
  getBudget(offerId: string): Promise<Versioned<BudgetState> | undefined>;
  /** Create when `etag` is undefined, else replace ifMatch; `conflict` means read again and re-decide. */
  putBudget(state: BudgetState, etag: string | undefined): Promise<WriteOutcome>;
  /**
   * A relative change as one server-side patch: no read, no 412 retries, so it never contends with issuing
   * on the hot budget document. A missing document (offer without a budget) is nothing to adjust.
   */
  incrementBudget(offerId: string, change: { issued?: number; discountMinor?: number }): Promise<void>;
}

export class CosmosOfferRepository implements OfferRepository {
  constructor(private readonly container: Container) {}

  async get(offerId: string) {
    const found = await readOrUndefined(() => this.container.item(offerId, offerId).read<OfferDocument>());
    if (!found || found.value.type !== 'offer') return undefined;
    return clean(found.value);
  }

  async put(doc: OfferDocument): Promise<void> {
    await this.container.items.upsert(doc);
  }

  async list(): Promise<OfferDocument[]> {
    const { resources } = await this.container.items
      .query<OfferDocument>("SELECT * FROM c WHERE c.type = 'offer' ORDER BY c.id")
      .fetchAll();
    return resources.map(clean);
  }

  async getBudget(offerId: string) {
    const id = budgetStateId(offerId);
    const found = await readOrUndefined(() => this.container.item(id, id).read<BudgetState>());
    return found ? { value: BudgetState.parse(found.value), etag: found.etag } : undefined;
  }

  async putBudget(state: BudgetState, etag: string | undefined): Promise<WriteOutcome> {
    try {
      if (etag === undefined) await this.container.items.create(state);
      else await this.container.item(state.id, state.id).replace(state, { accessCondition: { type: 'IfMatch', condition: etag } });
      return 'ok';
    } catch (error) {
      const c = code(error);
      if (c === 409 || c === 412 || c === 404) return 'conflict';
      throw error;
    }
  }

  async incrementBudget(offerId: string, change: { issued?: number; discountMinor?: number }): Promise<void> {
    const operations: PatchOperation[] = [];
    if (change.issued) operations.push({ op: 'incr', path: '/issuedCount', value: change.issued });
    if (change.discountMinor) operations.push({ op: 'incr', path: '/discountCommittedMinor', value: change.discountMinor });
    if (operations.length === 0) return;
    operations.push({ op: 'incr', path: '/version', value: 1 });
    const id = budgetStateId(offerId);
    try {
      await this.container.item(id, id).patch(operations);
    } catch (error) {
      if (code(error) !== 404) throw error;
    }
  }
}

export { initialBudgetState };
