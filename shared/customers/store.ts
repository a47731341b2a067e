import type { Container } from '@azure/cosmos';
import { sha256Hex } from '../canonical.js';
import type { IdempotencyRecord } from '../idempotency.js';
import type { Purchase } from '../purchases/schema.js';
import type { MergeConflict } from '../links/merge.js';
import { withdrawConsentDecision } from './consent.js';
import { mergedCustomer, profileConflicts } from './merge.js';
import { profileFields, type Channel, type Customer, type CustomerProfileInput } from './schema.js';

/**
 * After an erasure only a tombstone stays: a hash of the id and the time, no personal data. It stops an old
 * purchase replayed by a till from bringing the customer back, and tells the purchase API why.
 */
export function erasureTombstoneId(customerId: string): string {
  return `erased-${sha256Hex(customerId)}`;
}

export interface PurchaseSummary {
  count: number;
  firstAt: string | null;
  lastAt: string | null;
}

export interface ErasureTombstone {
  id: string;
  kind: 'erasure';
  erasedAt: string;
}

export class CustomerStore {
  constructor(
    private readonly customers: Container,
    private readonly purchases: Container,
    private readonly idempotency: Container,
    /**
     * Erases what other parts keep about the customer: coupons (shared/coupons/erasure.ts), enrollments and
     * messages; optional so the store works on its own.
     */
    private readonly eraseRelated?: (customerId: string, anonymousId: string) => Promise<void>,
  ) {}

  async get(customerId: string): Promise<{ customer: Customer; etag?: string } | undefined> {
    const { resource, etag } = await this.customers.item(customerId, customerId).read<Customer>();
    if (!resource) return undefined;
    return { customer: resource, etag };
  }

  /** What the purchase history says of a customer: one aggregate query on the customer's partition. */
  async purchaseSummary(customerId: string): Promise<PurchaseSummary> {
    const { resources } = await this.purchases.items
      .query<{ count: number; firstAt?: string; lastAt?: string }>(
        {
          query: 'SELECT COUNT(1) AS count, MIN(c.occurredAt) AS firstAt, MAX(c.occurredAt) AS lastAt FROM c WHERE c.customerId = @id',
          parameters: [{ name: '@id', value: customerId }],
        },
        { partitionKey: customerId },
      )
      .fetchAll();
    const row = resources[0];
    const count = row?.count ?? 0;
    return { count, firstAt: count > 0 ? row?.firstAt ?? null : null, lastAt: count > 0 ? row?.lastAt ?? null : null };
  }

  /** Replaces the profile fields, keeps everything else on the document, optimistic on the ETag. */
  async putProfile(customerId: string, profile: CustomerProfileInput, now: Date): Promise<{ customer: Customer; created: boolean }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.get(customerId);
      const base: Record<string, unknown> = { ...(existing?.customer ?? {}) };
      for (const field of profileFields) delete base[field];
      const customer = {
        ...base,
        ...profile,
        id: customerId,
        createdAt: existing?.customer.createdAt ?? now.toISOString(),
        updatedAt: now.toISOString(),
      } as Customer;
      try {
        if (existing) {
          await this.customers.item(customerId, customerId).replace(customer, {
            accessCondition: { type: 'IfMatch', condition: existing.etag! },
          });
        } else {
          await this.customers.items.create(customer);
        }
        await this.customers.item(erasureTombstoneId(customerId), erasureTombstoneId(customerId)).delete().catch(ignoreNotFound);
        // A document without createdAt held only segmentation scores: the profile is new.
        return { customer, created: existing?.customer.createdAt === undefined };
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code === 412 || code === 409) continue; // someone else wrote in between: read again
        throw error;
      }
    }
    throw Object.assign(new Error('too much contention on the customer document'), { code: 503 });
  }

  /** @param survivorProfile the profile `into` is about to get (a PUT replaces the stored one). */
  async mergeConflicts(from: string, into: string, survivorProfile?: Record<string, unknown>): Promise<MergeConflict[]> {
    const [a, b] = await Promise.all([this.get(from), survivorProfile === undefined ? this.get(into) : undefined]);
    return profileConflicts(a?.customer, survivorProfile ?? b?.customer);
  }

  /**
   * Folds customer `from`'s document (profile, scores) into `into`'s, then deletes it. Optimistic on the
   * survivor's ETag; once `from`'s document is gone there is nothing left to do, so a retry is a no-op.
   */
  async absorb(from: string, into: string, now: Date): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const [a, b] = await Promise.all([this.get(from), this.get(into)]);
      if (!a) return;
      const merged = mergedCustomer(a.customer, b?.customer, into, now);
      try {
        if (b) await this.customers.item(into, into).replace(merged, { accessCondition: { type: 'IfMatch', condition: b.etag! } });
        else await this.customers.items.create(merged);
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code === 412 || code === 409) continue;
        throw error;
      }
      await this.customers.item(from, from).delete().catch(ignoreNotFound);
      return;
    }
    throw Object.assign(new Error('too much contention on the customer document'), { code: 503 });
  }

  /**
   * Withdraws one channel's consent (unsubscribe link, SMS STOP), optimistic on the ETag. `unknown` when there is
   * no such customer (erased, or never more than scores); `unchanged` when it was already withdrawn.
   */
  async withdrawConsent(customerId: string, channel: Channel, source: string, now: Date): Promise<'withdrawn' | 'unchanged' | 'unknown'> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.get(customerId);
      if (!existing || existing.customer.createdAt === undefined) return 'unknown';
      const decision = withdrawConsentDecision(existing.customer, channel, source, now);
      if (!decision.changed) return 'unchanged';
      const customer = { ...existing.customer, consents: decision.consents, updatedAt: now.toISOString() };
      try {
        await this.customers.item(customerId, customerId).replace(customer, { accessCondition: { type: 'IfMatch', condition: existing.etag! } });
        return 'withdrawn';
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code === 412 || code === 404) continue;
        throw error;
      }
    }
    throw Object.assign(new Error('too much contention on the customer document'), { code: 503 });
  }

  async tombstone(customerId: string): Promise<ErasureTombstone | undefined> {
    const id = erasureTombstoneId(customerId);
    const { resource } = await this.customers.item(id, id).read<ErasureTombstone>();
    return resource;
  }

  /**
   * GDPR erasure: profile, purchases and the idempotency records that name the customer are deleted.
   * Idempotent: running it again finds nothing and leaves the tombstone as it was.
   */
  async erase(customerId: string, now: Date): Promise<{ purchasesDeleted: number }> {
    const tombstoneId = erasureTombstoneId(customerId);
    const existing = await this.tombstone(customerId);
    if (!existing) {
      await this.customers.items.upsert<ErasureTombstone>({ id: tombstoneId, kind: 'erasure', erasedAt: now.toISOString() });
    }
    await this.customers.item(customerId, customerId).delete().catch(ignoreNotFound);
    let purchasesDeleted = 0;
    const purchases = this.purchases.items.query<Pick<Purchase, 'id'>>(
      { query: 'SELECT c.id FROM c WHERE c.customerId = @id', parameters: [{ name: '@id', value: customerId }] },
      { partitionKey: customerId },
    );
    for await (const page of purchases.getAsyncIterator()) {
      for (const { id } of page.resources) {
        await this.purchases.item(id, customerId).delete().catch(ignoreNotFound);
        purchasesDeleted++;
      }
    }
    const records = this.idempotency.items.query<Pick<IdempotencyRecord, 'id'>>({
      query: 'SELECT c.id FROM c WHERE c.customerId = @id',
      parameters: [{ name: '@id', value: customerId }],
    });
    for await (const page of records.getAsyncIterator()) {
      for (const { id } of page.resources) await this.idempotency.item(id, id).delete().catch(ignoreNotFound);
    }
    // Redeemed coupons stay (campaign KPIs count them) under the tombstone id, which names no one.
    await this.eraseRelated?.(customerId, tombstoneId);
    return { purchasesDeleted };
  }
}

export function ignoreNotFound(error: { code?: number }): void {
  if (error.code !== 404) throw error;
}
