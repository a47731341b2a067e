import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Merger, type MergeParticipant } from '../../../shared/links/merge.js';
import { CustomerResolver } from '../../../shared/links/resolve.js';
import { CustomerRef, fallbackCustomerId, LinksRequest } from '../../../shared/links/schema.js';
import { eraseLinked, learnFromProfile, linkIdentities, planLink, unlinkIdentity, type LinkDeps } from '../../../shared/links/service.js';
import { emailCustomerId } from '../../../shared/webhooks/common.js';
import { mapShopifyOrder } from '../../../shared/webhooks/shopify.js';
import { mapShopwareOrderPlaced } from '../../../shared/webhooks/shopware.js';
import { parseWebhookJson } from '../../../shared/webhooks/json.js';
import { FakeLinkRepository } from './fakes.js';

const t0 = new Date('2026-11-02T12:00:00.000Z');
const kit = path.resolve(import.meta.dirname, '../../../../shared/webhooks');

/** Customers with data: merging moves it, `held` answers whether a customer has any. */
function world(options: { emailMatching?: boolean; profiles?: Record<string, { birthday?: string }> } = {}) {
  const repo = new FakeLinkRepository();
  const data = new Map<string, string[]>();
  const erased: string[] = [];
  const profiles = options.profiles ?? {};
  const owner: MergeParticipant = {
    name: 'data',
    holds: async (id) => (data.get(id)?.length ?? 0) > 0,
    merge: async (from, into) => {
      data.set(into, [...(data.get(into) ?? []), ...(data.get(from) ?? [])]);
      data.delete(from);
    },
    conflicts: async (from, into) => {
      const a = profiles[from]?.birthday;
      const b = profiles[into]?.birthday;
      return a !== undefined && b !== undefined && a !== b ? [{ field: 'birthday', values: [a, b] }] : [];
    },
  };
  const resolver = new CustomerResolver(repo, { emailMatching: options.emailMatching ?? true });
  const deps: LinkDeps = {
    repo,
    resolver,
    merger: new Merger(repo, [owner]),
    customers: {
      erase: async (id) => {
        erased.push(id);
        const n = data.get(id)?.length ?? 0;
        data.delete(id);
        return { purchasesDeleted: n };
      },
    },
    emailMatching: options.emailMatching ?? true,
  };
  /** An event arriving through `ref`: resolved, then stored on the customer it resolved to. */
  const ingest = async (ref: CustomerRef, item: string, occurredAt = '2026-10-01T00:00:00.000Z', email?: string) => {
    const resolved = await resolver.forIngest(ref, { occurredAt, email, now: t0 });
    if (resolved.kind === 'customer') data.set(resolved.customerId, [...(data.get(resolved.customerId) ?? []), item]);
    return resolved;
  };
  return { repo, data, erased, resolver, deps, ingest };
}

describe('planLink', () => {
  const ref = { source: 'shopify', externalId: '42' };
  it('claims an identity nobody holds and absorbs its fallback customer', () => {
    expect(planLink(undefined, ref, 'CARD-1')).toEqual({ kind: 'claim', absorb: '42' });
  });
  it('merges the customer holding the identity, and does nothing when it is already the target', () => {
    const link = { id: 'x', kind: 'link' as const, source: 'shopify', externalId: '42', customerId: '42', origin: 'first_seen' as const, createdAt: '', updatedAt: '' };
    expect(planLink(link, ref, 'CARD-1')).toEqual({ kind: 'absorb', from: '42', holderOrigin: 'first_seen' });
    expect(planLink({ ...link, customerId: 'CARD-1' }, ref, 'CARD-1')).toEqual({ kind: 'noop' });
  });
  it('takes over a tombstoned identity without reviving its erased history', () => {
    expect(planLink({ id: 'x', kind: 'tombstone', erasedAt: '2026-01-01T00:00:00.000Z' }, ref, 'CARD-1')).toEqual({ kind: 'claim', erasedAt: '2026-01-01T00:00:00.000Z' });
  });
});

describe('fallback customers are the ids the shop webhooks used before links existed', () => {
  it('Shopify account, Shopify guest and Shopware customer', () => {
    const shopify = parseWebhookJson(readFileSync(path.join(kit, 'shopify/orders-create-test-notification.json')));
    const order = mapShopifyOrder(shopify, { includeTestOrders: true });
    const cancelledOk = order.kind === 'ignored' ? mapShopifyOrder({ ...(shopify as object), cancelled_at: null }, { includeTestOrders: true }) : order;
    if (cancelledOk.kind !== 'purchase') throw new Error(`not mapped: ${JSON.stringify(cancelledOk)}`);
    expect(cancelledOk.identity?.ref).toEqual({ source: 'shopify', externalId: '115310627314723954' });
    expect(fallbackCustomerId(cancelledOk.identity!.ref)).toBe(cancelledOk.purchase.customerId);

    const guest = mapShopifyOrder({ ...(shopify as object), cancelled_at: null, customer: null, email: ' Jon@Example.com ' }, { includeTestOrders: true });
    if (guest.kind !== 'purchase') throw new Error('guest not mapped');
    expect(guest.identity?.ref).toEqual({ source: 'email', externalId: 'jon@example.com' });
    expect(fallbackCustomerId(guest.identity!.ref)).toBe(emailCustomerId('jon@example.com'));
    expect(guest.purchase.customerId).toBe(emailCustomerId('jon@example.com'));

    const shopware = mapShopwareOrderPlaced(JSON.parse(readFileSync(path.join(kit, 'shopware/checkout-order-placed.constructed.json'), 'utf8')));
    if (shopware.kind !== 'purchase') throw new Error('shopware not mapped');
    expect(shopware.identity?.ref).toEqual({ source: 'shopware', externalId: '1337' });
    expect(fallbackCustomerId(shopware.identity!.ref)).toBe(shopware.purchase.customerId);
  });
});

describe('link requests', () => {
  it('normalise e-mail and phone, and name the bad field', () => {
    expect(CustomerRef.parse({ source: 'email', externalId: ' Jon@Example.COM ' })).toEqual({ source: 'email', externalId: 'jon@example.com' });
    expect(CustomerRef.parse({ source: 'phone', externalId: '+49 (151) 123-4567' })).toEqual({ source: 'phone', externalId: '+491511234567' });
    expect(LinksRequest.parse({ source: 'pos', externalId: 'CARD-1' })).toEqual({ links: [{ source: 'pos', externalId: 'CARD-1' }] });
    const bad = LinksRequest.safeParse({ source: 'Shop ify', externalId: 'a/b' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['externalId', 'source']);
    expect(LinksRequest.safeParse({ links: [{ source: 'email', externalId: 'nope' }] }).error?.issues.map((i) => i.path.join('.'))).toEqual(['links.0.externalId']);
  });
});

describe('linking', () => {
  it('resolves a linked identity with one point read and brings its history along', async () => {
    const { repo, data, deps, ingest } = world();
    await ingest({ source: 'shopify', externalId: '42' }, 'shop-1');
    await ingest({ source: 'customer', externalId: 'CARD-1' }, 'pos-1');
    const linked = await linkIdentities(deps, 'CARD-1', [{ source: 'shopify', externalId: '42' }], t0);
    expect(linked).toMatchObject({ kind: 'linked', customerId: 'CARD-1', merged: ['42'] });
    expect(data.get('CARD-1')?.sort()).toEqual(['pos-1', 'shop-1']);
    repo.reads = 0;
    expect(await ingest({ source: 'shopify', externalId: '42' }, 'shop-2')).toEqual({ kind: 'customer', customerId: 'CARD-1' });
    expect(repo.reads).toBe(1);
    // Linking again: nothing merged, nothing written.
    const before = JSON.stringify([...repo.docs]);
    expect(await linkIdentities(deps, 'CARD-1', [{ source: 'shopify', externalId: '42' }], t0)).toMatchObject({ merged: [] });
    expect(JSON.stringify([...repo.docs])).toBe(before);
  });

  it('a link to an identity never seen merges nothing and leaves no alias', async () => {
    const { repo, deps } = world();
    await linkIdentities(deps, 'CARD-1', [{ source: 'pos', externalId: 'OLD-CARD' }], t0);
    expect(repo.link('customer', 'OLD-CARD')).toBeUndefined();
    expect(repo.link('pos', 'OLD-CARD')).toMatchObject({ customerId: 'CARD-1', origin: 'api' });
  });

  it('reports conflicting profiles and writes nothing', async () => {
    const { repo, data, deps, ingest } = world({ profiles: { 'CARD-1': { birthday: '1980-01-01' }, 'CARD-2': { birthday: '1990-05-05' } } });
    await ingest({ source: 'customer', externalId: 'CARD-2' }, 'x');
    const outcome = await linkIdentities(deps, 'CARD-1', [{ source: 'customer', externalId: 'CARD-2' }], t0);
    expect(outcome).toEqual({ kind: 'conflict', customerId: 'CARD-1', conflicts: [{ field: 'birthday', values: ['1990-05-05', '1980-01-01'], customerId: 'CARD-2' }] });
    expect(repo.docs.size).toBe(0);
    expect(data.get('CARD-2')).toEqual(['x']);
  });

  it('unlinking routes future events back to the fallback; a merge cannot be undone', async () => {
    const { deps, ingest } = world();
    await linkIdentities(deps, 'CARD-1', [{ source: 'shopify', externalId: '42' }, { source: 'customer', externalId: 'CARD-9' }], t0);
    expect(await unlinkIdentity(deps, 'CARD-1', { source: 'shopify', externalId: '42' })).toEqual({ kind: 'unlinked' });
    expect(await unlinkIdentity(deps, 'CARD-1', { source: 'shopify', externalId: '42' })).toEqual({ kind: 'unlinked' });
    expect(await unlinkIdentity(deps, 'CARD-2', { source: 'customer', externalId: 'CARD-9' })).toEqual({ kind: 'not_found' });
    expect(await unlinkIdentity(deps, 'CARD-1', { source: 'customer', externalId: 'CARD-9' })).toEqual({ kind: 'permanent' });
    expect(await ingest({ source: 'shopify', externalId: '42' }, 's')).toEqual({ kind: 'customer', customerId: '42' });
  });
});

describe('e-mail matching', () => {
  it('a verified e-mail takes over the guest who ordered with it, and links the next new shop account', async () => {
    const { repo, data, deps, ingest } = world();
    await ingest({ source: 'email', externalId: 'jon@example.com' }, 'guest-1');
    await learnFromProfile(deps, 'CARD-1', { email: 'Jon@Example.com', emailVerified: true }, t0);
    expect(data.get('CARD-1')).toEqual(['guest-1']);
    expect(repo.link('email', 'jon@example.com')).toMatchObject({ customerId: 'CARD-1', origin: 'email_match' });
    expect(await ingest({ source: 'shopify', externalId: '77' }, 'shop-1', undefined, 'JON@example.com')).toEqual({ kind: 'customer', customerId: 'CARD-1' });
    expect(repo.link('shopify', '77')).toMatchObject({ customerId: 'CARD-1', origin: 'email_match' });
  });

  it('an unverified e-mail, or matching switched off, learns nothing', async () => {
    const on = world();
    await learnFromProfile(on.deps, 'CARD-1', { email: 'jon@example.com' }, t0);
    expect(on.repo.docs.size).toBe(0);
    const off = world({ emailMatching: false });
    await learnFromProfile(off.deps, 'CARD-1', { email: 'jon@example.com', emailVerified: true }, t0);
    expect(off.repo.docs.size).toBe(0);
    await linkIdentities(off.deps, 'CARD-1', [{ source: 'email', externalId: 'jon@example.com' }], t0);
    expect(await off.ingest({ source: 'shopify', externalId: '77' }, 's', undefined, 'jon@example.com')).toEqual({ kind: 'customer', customerId: '77' });
  });

  it('an address another profile linked on purpose is not taken over', async () => {
    const { repo, deps } = world();
    await linkIdentities(deps, 'CARD-2', [{ source: 'email', externalId: 'jon@example.com' }], t0);
    await learnFromProfile(deps, 'CARD-1', { email: 'jon@example.com', emailVerified: true }, t0);
    expect(repo.link('email', 'jon@example.com')?.customerId).toBe('CARD-2');
    expect(repo.link('customer', 'CARD-2')).toBeUndefined();
  });
});

describe('erasure follows links', () => {
  it('erases the survivor and everyone merged into it, and tombstones the identities', async () => {
    const { repo, data, erased, deps, ingest } = world();
    await ingest({ source: 'shopify', externalId: '42' }, 'shop-1');
    await ingest({ source: 'email', externalId: 'jon@example.com' }, 'guest-1');
    await linkIdentities(deps, 'CARD-1', [{ source: 'shopify', externalId: '42' }, { source: 'email', externalId: 'jon@example.com' }], t0);
    // Erasing through the absorbed id erases the person.
    const result = await eraseLinked(deps, '42', t0);
    expect(result).toMatchObject({ purchasesDeleted: 2, identitiesErased: 2, customersErased: 3 });
    expect(erased.sort()).toEqual(['42', 'CARD-1', emailCustomerId('jon@example.com')].sort());
    expect(data.size).toBe(0);
    expect([...repo.docs.values()].map((d) => d.doc.kind)).toEqual(['tombstone', 'tombstone']);
    expect(JSON.stringify([...repo.docs.values()])).not.toContain('jon@example.com');
    // A replayed old event is refused; a purchase made after the erasure starts afresh.
    expect(await ingest({ source: 'shopify', externalId: '42' }, 'shop-1')).toEqual({ kind: 'erased', erasedAt: t0.toISOString() });
    expect(await ingest({ source: 'email', externalId: 'jon@example.com' }, 'new', '2026-12-01T00:00:00.000Z')).toEqual({
      kind: 'customer',
      customerId: emailCustomerId('jon@example.com'),
    });
    expect(repo.link('email', 'jon@example.com')).toMatchObject({ erasedAt: t0.toISOString() });
  });
});
