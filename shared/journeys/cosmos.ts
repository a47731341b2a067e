import type { Container } from '@azure/cosmos';
import type { CouponRepository } from '../coupons/store.js';
import { idempotencyId, type IdempotencyRecord } from '../idempotency.js';

/** Partition-scoped purchase queries journeys need (the emulator ignores the partitionKey option: filter too). */
export class CosmosPurchaseFacts {
  constructor(private readonly purchases: Container) {}

  async netSpend(customerId: string, from: Date, to: Date): Promise<{ minor: number; currency: string | null }> {
    const { resources } = await this.purchases.items
      .query<{ totalMinor: number; type: string; currency: string }>(
        {
          query: 'SELECT c.totalMinor, c.type, c.currency FROM c WHERE c.customerId = @id AND c.occurredAt >= @from AND c.occurredAt < @to',
          parameters: [
            { name: '@id', value: customerId },
            { name: '@from', value: from.toISOString() },
            { name: '@to', value: to.toISOString() },
          ],
        },
        { partitionKey: customerId },
      )
      .fetchAll();
    return netOf(resources);
  }

  async purchasedSince(customerId: string, since: Date): Promise<boolean> {
    return (await this.count(customerId, since)) > 0;
  }

  async count(customerId: string, since?: Date): Promise<number> {
    const { resources } = await this.purchases.items
      .query<number>(
        {
          query: `SELECT VALUE COUNT(1) FROM c WHERE c.customerId = @id AND c.type = 'purchase'${since ? ' AND c.occurredAt >= @since' : ''}`,
          parameters: [{ name: '@id', value: customerId }, ...(since ? [{ name: '@since', value: since.toISOString() }] : [])],
        },
        { partitionKey: customerId },
      )
      .fetchAll();
    return resources[0] ?? 0;
  }
}

/** Refunds count negative; amounts in another currency than the most common one are left out. */
export function netOf(rows: readonly { totalMinor: number; type: string; currency: string }[]): { minor: number; currency: string | null } {
  if (rows.length === 0) return { minor: 0, currency: null };
  const byCurrency = new Map<string, number>();
  for (const r of rows) byCurrency.set(r.currency, (byCurrency.get(r.currency) ?? 0) + 1);
  const currency = [...byCurrency.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  const minor = rows.filter((r) => r.currency === currency).reduce((sum, r) => sum + (r.type === 'refund' ? -Math.abs(r.totalMinor) : r.totalMinor), 0);
  return { minor, currency };
}

/** Whether the coupon a journey requested was redeemed: the request's idempotency record names its code. */
export class CosmosCouponFacts {
  constructor(
    private readonly idempotency: Container,
    private readonly coupons: CouponRepository,
  ) {}

  async codeForRequest(requestId: string): Promise<string | undefined> {
    const id = idempotencyId('coupon-request', requestId);
    try {
      const { resource } = await this.idempotency.item(id, id).read<IdempotencyRecord>();
      const body = resource?.response?.body as { kind?: string; code?: string } | undefined;
      return body?.kind === 'issued' ? body.code : undefined;
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  async redeemedForRequest(requestId: string): Promise<boolean> {
    const code = await this.codeForRequest(requestId);
    if (!code) return false;
    const coupon = await this.coupons.get(code);
    return coupon?.value.status === 'redeemed';
  }
}

/** Flags (or closes) a passive customer's account on the customer document, with its ETag. */
export class CosmosDormancy {
  constructor(private readonly customers: Container) {}

  async mark(customerId: string, action: 'flag' | 'close', journeyId: string, now: Date): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      let read;
      try {
        read = await this.customers.item(customerId, customerId).read<Record<string, unknown>>();
      } catch (error) {
        if ((error as { code?: number }).code === 404) return;
        throw error;
      }
      if (!read.resource) return; // no document (a POS-only customer): the enrollment records it alone
      const doc = { ...read.resource, dormant: { since: now.toISOString(), journeyId, action }, ...(action === 'close' ? { accountStatus: 'closed' } : {}) };
      try {
        await this.customers.item(customerId, customerId).replace(doc, { accessCondition: { type: 'IfMatch', condition: read.etag! } });
        return;
      } catch (error) {
        if ((error as { code?: number }).code !== 412) throw error;
      }
    }
    throw Object.assign(new Error(`too much contention on customer ${customerId}`), { code: 503 });
  }
}
