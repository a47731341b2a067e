import { describe, expect, it } from 'vitest';
import { Merger, type MergeParticipant } from '../../../shared/links/merge.js';
import { CustomerResolver } from '../../../shared/links/resolve.js';
import { linkId, mergeId } from '../../../shared/links/schema.js';
import { FakeLinkRepository } from './fakes.js';

const t0 = new Date('2026-11-02T12:00:00.000Z');

/** A data owner keeping items per customer, counting its merge calls, able to crash once. */
class Owner implements MergeParticipant {
  readonly items = new Map<string, string[]>();
  calls = 0;
  crashNext = false;
  constructor(readonly name: string) {}
  seed(customerId: string, ...items: string[]) {
    this.items.set(customerId, [...(this.items.get(customerId) ?? []), ...items]);
  }
  async merge(from: string, into: string) {
    this.calls++;
    if (this.crashNext) {
      this.crashNext = false;
      throw new Error(`${this.name} crashed`);
    }
    const moving = this.items.get(from) ?? [];
    const kept = this.items.get(into) ?? [];
    this.items.set(into, [...kept, ...moving.filter((i) => !kept.includes(i))]);
    this.items.delete(from);
  }
}

function setup(conflicting?: string) {
  const repo = new FakeLinkRepository();
  const purchases = new Owner('purchases');
  const coupons = new Owner('coupons');
  const profile: MergeParticipant = {
    name: 'profile',
    merge: async () => undefined,
    conflicts: async (from) => (from === conflicting ? [{ field: 'birthday', values: ['1980-01-01', '1990-01-01'] }] : []),
  };
  const merger = new Merger(repo, [purchases, coupons, profile]);
  return { repo, purchases, coupons, merger, resolver: new CustomerResolver(repo, { emailMatching: true }) };
}

describe('Merger', () => {
  it('moves every owner\'s data, leaves an alias and re-points the absorbed customer\'s links', async () => {
    const { repo, purchases, coupons, merger, resolver } = setup();
    purchases.seed('A', 'p1', 'p2');
    purchases.seed('B', 'p3');
    coupons.seed('A', 'WB1');
    await resolver.forIngest({ source: 'shopify', externalId: '42' }, { occurredAt: '2026-10-01T00:00:00Z', now: t0 });
    await resolver.forIngest({ source: 'shopify', externalId: '42' }, { occurredAt: '2026-10-01T00:00:00Z', now: t0 });
    expect(repo.link('shopify', '42')?.customerId).toBe('42');

    const outcome = await merger.merge('42', 'B', t0);
    expect(outcome).toMatchObject({ kind: 'merged', replayed: false, record: { status: 'done', done: ['purchases', 'coupons', 'profile'] } });
    expect(repo.link('shopify', '42')?.customerId).toBe('B');
    expect(repo.link('customer', '42')).toMatchObject({ customerId: 'B', origin: 'merge' });

    await merger.merge('A', 'B', t0);
    expect(purchases.items.get('B')).toEqual(['p3', 'p1', 'p2']);
    expect(coupons.items.get('B')).toEqual(['WB1']);
    expect(purchases.items.has('A')).toBe(false);
    repo.reads = 0;
    expect(await resolver.current('A')).toEqual({ customerId: 'B', redirected: true });
    expect(repo.reads).toBe(1);
  });

  it('a crash mid-merge is finished by the retry, which skips the parts already done', async () => {
    const { repo, purchases, coupons, merger, resolver } = setup();
    purchases.seed('A', 'p1');
    coupons.seed('A', 'WB1');
    coupons.crashNext = true;
    await expect(merger.merge('A', 'B', t0)).rejects.toThrow('coupons crashed');
    // Already absorbed as far as resolution goes, so nothing new lands on A meanwhile.
    expect((await resolver.current('A')).customerId).toBe('B');
    expect(repo.docs.get(mergeId('A', 'B'))?.doc).toMatchObject({ status: 'running', done: ['purchases'] });

    await merger.resumePending('B', t0);
    expect(repo.docs.get(mergeId('A', 'B'))?.doc).toMatchObject({ status: 'done', done: ['purchases', 'coupons', 'profile'] });
    expect(purchases.calls).toBe(1);
    expect(coupons.calls).toBe(2);
    expect(coupons.items.get('B')).toEqual(['WB1']);
  });

  it('a crashed merge nobody touches again is finished by the stalled-merge sweep, once it is old enough', async () => {
    const { repo, coupons, merger } = setup();
    coupons.seed('A', 'WB1');
    coupons.crashNext = true;
    await expect(merger.merge('A', 'B', t0)).rejects.toThrow();
    expect(await merger.resumeStalled(new Date(t0.getTime() + 60_000), { olderThanMs: 5 * 60_000, limit: 100 })).toEqual({ resumed: 0, failed: 0 });
    expect(await merger.resumeStalled(new Date(t0.getTime() + 10 * 60_000), { olderThanMs: 5 * 60_000, limit: 100 })).toEqual({ resumed: 1, failed: 0 });
    expect(repo.docs.get(mergeId('A', 'B'))?.doc).toMatchObject({ status: 'done' });
    expect(coupons.items.get('B')).toEqual(['WB1']);
  });

  it('a repeated merge changes nothing', async () => {
    const { purchases, merger } = setup();
    purchases.seed('A', 'p1');
    await merger.merge('A', 'B', t0);
    const again = await merger.merge('A', 'B', t0);
    expect(again).toMatchObject({ kind: 'merged', replayed: true });
    expect(purchases.calls).toBe(1);
  });

  it('a conflict stops the merge before anything is written', async () => {
    const { repo, purchases, merger } = setup('A');
    purchases.seed('A', 'p1');
    expect(await merger.merge('A', 'B', t0)).toEqual({ kind: 'conflict', conflicts: [{ field: 'birthday', values: ['1980-01-01', '1990-01-01'] }] });
    expect(repo.docs.size).toBe(0);
    expect(purchases.calls).toBe(0);
  });

  it('two merges of one pair in opposite directions end with one survivor, not two aliases of each other', async () => {
    const { purchases, merger, resolver } = setup();
    purchases.seed('A', 'p1');
    purchases.seed('B', 'p2');
    await Promise.all([merger.merge('A', 'B', t0), merger.merge('B', 'A', t0)]);
    const a = await resolver.current('A');
    const b = await resolver.current('B');
    expect(a.customerId).toBe(b.customerId);
    expect(purchases.items.get(a.customerId)?.sort()).toEqual(['p1', 'p2']);
    expect(purchases.items.size).toBe(1);
  });

  it('a chain of merges keeps every absorbed id one read away from the survivor', async () => {
    const { repo, merger, resolver } = setup();
    await merger.merge('A', 'B', t0);
    await merger.merge('B', 'C', t0);
    expect(repo.docs.get(linkId('customer', 'A'))?.doc).toMatchObject({ customerId: 'C' });
    repo.reads = 0;
    expect((await resolver.current('A')).customerId).toBe('C');
    expect(repo.reads).toBe(1);
  });
});
