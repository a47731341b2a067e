import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorKey, localCosmosClientOptions } from '../../local/cosmos/client-options.js';
import { sharedKit, startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';
import { expectJson as json, shopifyAccount, shopifyOrder, shopifyOrderId, shopifySecret, shopifyWebhooks } from '../helpers/shopify.js';

const shopwareSecret = 'shopware-test-secret';
const shopwareFixture = readFileSync(path.join(sharedKit, 'webhooks/shopware/checkout-order-placed.constructed.json'), 'utf8');

/** The first `count` customers of the CDNOW sample (`master_id sample_id YYYYMMDD n_cds dollars`), 1997 → 2025. */
function cdnowPeople(count: number) {
  const lines = readFileSync(path.join(sharedKit, 'datasets/cdnow/CDNOW_sample.txt'), 'utf8').trim().split(/\r?\n/);
  const people = new Set<string>();
  const out: Record<string, unknown>[] = [];
  for (const [index, line] of lines.entries()) {
    const [masterId, , date, , dollars] = line.trim().split(/\s+/);
    if (!people.has(masterId!)) {
      if (people.size === count) break;
      people.add(masterId!);
    }
    const year = Number(date!.slice(0, 4)) + 28;
    out.push({ orderId: `cdnow-${index}`, source: 'cdnow', customerId: `cd-${masterId}`, occurredAt: `${year}-${date!.slice(4, 6)}-${date!.slice(6, 8)}T12:00:00Z`, total: Number(dollars), currency: 'USD' });
  }
  return out;
}

type Purchase = { orderId: string; source: string; channel?: string; customerId: string; total: number; type: string };
type Problem = { status: number; reason?: string; errors?: { pointer: string; message: string }[]; conflicts?: { field: string; customerId: string }[] };

// The first test ingests 1,000 purchases and runs a segmentation; on a busy 2-core machine that takes a while.
describe('identity links over HTTP', { timeout: 120_000 }, () => {
  let host: RunningHost;
  let shopify: ReturnType<typeof shopifyWebhooks>;

  beforeAll(async () => {
    host = await startHost({
      args: ['--virtual-clock', '2026-11-02T12:00:00Z', '--quiet'],
      env: { SHOPIFY_WEBHOOK_SECRET: shopifySecret, SHOPWARE_WEBHOOK_SECRET: shopwareSecret, SEGMENTS_SCHEDULE: '0 0 2 * * *' },
    });
    shopify = shopifyWebhooks(host, 'links');
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
  });

  const shopware = async (body: string) => {
    const response = await host.call('/api/webhooks/shopware', {
      method: 'POST',
      body,
      key: null,
      headers: { 'content-type': 'application/json', 'shopware-shop-signature': createHmac('sha256', shopwareSecret).update(body).digest('hex') },
    });
    return json<{ status: string; purchase?: string }>(response, 200);
  };
  const pos = (customerId: string, orderId: string, occurredAt: string, total = 20) =>
    host.call('/api/purchases', { method: 'POST', json: { orderId, source: 'pos', customerId, occurredAt, total, currency: 'USD', channel: 'pos', storeId: 'store-1' } });
  const purchasesOf = async (customerId: string) =>
    (await json<{ customerId: string; purchases: Purchase[] }>(await host.call(`/api/customers/${encodeURIComponent(customerId)}/purchases`), 200));
  const link = (customerId: string, body: unknown) => host.call(`/api/customers/${encodeURIComponent(customerId)}/links`, { method: 'POST', json: body });

  it('a POS card, a Shopify account and a guest shop order become one customer once linked', async () => {
    expect((await pos('CARD-1001', 'till-1', '2026-10-01T09:00:00Z', 25)).status).toBe(201);
    expect(await shopify(shopifyOrder())).toMatchObject({ status: 'processed', purchase: 'created' });
    expect(await shopify(shopifyOrder({ orderId: '820982911946154599', guest: true, createdAt: '2025-03-10T10:00:00Z' }))).toMatchObject({ status: 'processed', purchase: 'created' });
    // Before linking: three half-customers.
    expect((await purchasesOf('CARD-1001')).purchases).toHaveLength(1);
    expect((await purchasesOf(shopifyAccount)).purchases).toHaveLength(1);

    // The loyalty profile verifies the e-mail the guest ordered with and names the Shopify account.
    const put = await host.call('/api/customers/CARD-1001', {
      method: 'PUT',
      json: { email: 'Jon@Example.com', emailVerified: true, firstName: 'Jon', links: [{ source: 'shopify', externalId: shopifyAccount }] },
    });
    const profile = await json<{ id: string; links: { source: string; externalId: string; origin: string }[] }>(put, 201);
    expect(profile.links).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: 'shopify', externalId: shopifyAccount, origin: 'api' }),
        expect.objectContaining({ source: 'email', externalId: 'jon@example.com', origin: 'email_match' }),
        expect.objectContaining({ source: 'customer', externalId: shopifyAccount, origin: 'merge' }),
      ]),
    );

    const all = await purchasesOf('CARD-1001');
    expect(all.purchases.map((p) => `${p.source}:${p.channel}:${p.orderId}`).sort()).toEqual([
      'pos:pos:till-1',
      `shopify:shop:${shopifyOrderId}`,
      'shopify:shop:820982911946154599',
    ]);
    expect(all.purchases.every((p) => p.customerId === 'CARD-1001')).toBe(true);

    // The absorbed ids answer with the survivor.
    const absorbed = await host.call(`/api/customers/${shopifyAccount}/purchases`);
    expect(absorbed.headers.get('content-location')).toBe('/api/customers/CARD-1001/purchases');
    expect((await json<{ customerId: string; purchases: Purchase[] }>(absorbed, 200)).purchases).toHaveLength(3);
    const absorbedProfile = await json<{ id: string; firstName: string }>(await host.call(`/api/customers/${shopifyAccount}`), 200);
    expect(absorbedProfile).toMatchObject({ id: 'CARD-1001', firstName: 'Jon' });

    // A new shop order, and a replay of an old one, land on the card; the replay counts once.
    expect(await shopify(shopifyOrder({ orderId: '820982911946154600', createdAt: '2026-10-25T10:00:00Z' }))).toMatchObject({ purchase: 'created' });
    expect(await shopify(shopifyOrder())).toMatchObject({ purchase: 'duplicate' });
    expect((await purchasesOf('CARD-1001')).purchases).toHaveLength(4);

    // The next segmentation run sees one customer with four purchases. The models need 200 customers to fit,
    // so 300 CDNOW customers (moved 28 years on) are in the run too.
    const others = cdnowPeople(300);
    for (let i = 0; i < others.length; i += 500) {
      const batch = await json<{ counts: { created: number } }>(await host.call('/api/purchases', { method: 'POST', json: { purchases: others.slice(i, i + 500) } }), 200);
      expect(batch.counts.created).toBe(Math.min(500, others.length - i));
    }
    await json(await host.call('/admin/functions/segments-compute', { method: 'POST', json: { input: JSON.stringify({ asOf: '2026-11-01', runId: 'links-1' }) } }), 202);
    await waitIdle(host);
    const run = await json<{ status: string; customers: number }>(await host.call('/api/segments/runs/links-1'), 200);
    // 301 people, not the 303 half-customers the channels would have made.
    expect(run, JSON.stringify(run)).toMatchObject({ status: 'completed', customers: 301 });
    const scores = await json<{ customerId: string; scores: { x: number } }>(await host.call(`/api/customers/${shopifyAccount}/profile-scores`), 200);
    expect(scores.customerId).toBe('CARD-1001');
    expect(scores.scores.x).toBe(3);

    // A refund of the order recorded before the link finds it on the card and is recorded there.
    const refund = JSON.stringify({
      id: 509562969,
      order_id: shopifyOrderId,
      created_at: '2026-11-01T10:00:00Z',
      transactions: [{ kind: 'refund', status: 'success', amount: '100.00', currency: 'USD' }],
      refund_line_items: [],
    });
    expect(await shopify(refund, 'refunds/create')).toMatchObject({ status: 'processed', purchase: 'created', fullRefund: false });
    expect((await purchasesOf('CARD-1001')).purchases.filter((p) => p.type === 'refund')).toEqual([
      expect.objectContaining({ orderId: 'refund-509562969', customerId: 'CARD-1001', total: 100 }),
    ]);
  });

  it('the real Shopware fixture resolves through a link set before the order arrives', async () => {
    const linked = await json<{ links: { source: string; externalId: string }[] }>(await link('CARD-2002', { source: 'shopware', externalId: '1337' }), 200);
    expect(linked.links).toEqual([expect.objectContaining({ source: 'shopware', externalId: '1337' })]);
    expect(await shopware(shopwareFixture)).toMatchObject({ status: 'processed', purchase: 'created' });
    expect((await purchasesOf('CARD-2002')).purchases).toEqual([expect.objectContaining({ source: 'shopware', orderId: '8f69d4874c53486a95383b2126161738', total: 395.01 })]);
    // Linking again changes nothing.
    const again = await json<{ merged: string[] }>(await link('CARD-2002', { source: 'shopware', externalId: '1337' }), 200);
    expect(again.merged).toEqual([]);
    expect((await purchasesOf('CARD-2002')).purchases).toHaveLength(1);
  });

  it('a purchase may name customerRef instead of customerId', async () => {
    await json(await link('CARD-4004', { links: [{ source: 'phone', externalId: '+49 151 1234567' }] }), 200);
    const response = await host.call('/api/purchases', {
      method: 'POST',
      json: { orderId: 'app-1', source: 'app', customerRef: { source: 'phone', externalId: '+491511234567' }, occurredAt: '2026-10-20T10:00:00Z', total: 12.5, currency: 'EUR' },
    });
    expect(await json<Purchase>(response, 201)).toMatchObject({ customerId: 'CARD-4004' });
    const both = await host.call('/api/purchases', {
      method: 'POST',
      json: { orderId: 'app-2', source: 'app', customerId: 'X', customerRef: { source: 'Phone!', externalId: '1' }, occurredAt: '2026-10-20T10:00:00Z', total: 1, currency: 'EUR' },
    });
    const problem = await json<Problem>(both, 400);
    expect(problem.errors?.map((e) => e.pointer)).toEqual(expect.arrayContaining(['/customerRef', '/customerRef/source']));
    const badLink = await json<Problem>(await link('CARD-4004', { source: 'email', externalId: 'not-an-address' }), 400);
    expect(badLink.errors?.map((e) => e.pointer)).toContain('/externalId');
  });

  it('concurrent orders from two channels during a merge: nothing lost, nothing counted twice', async () => {
    for (let i = 0; i < 5; i++) expect((await pos('CARD-3003', `c-pos-old-${i}`, '2026-09-01T10:00:00Z')).status).toBe(201);
    const shop = (orderId: string) =>
      host.call('/api/purchases', {
        method: 'POST',
        json: { orderId, source: 'shop', customerRef: { source: 'shopify', externalId: '777' }, occurredAt: '2026-10-15T10:00:00Z', total: 10, currency: 'USD', channel: 'shop' },
      });
    for (let i = 0; i < 5; i++) expect((await shop(`c-shop-old-${i}`)).status).toBe(201);
    expect((await purchasesOf('777')).purchases).toHaveLength(5);

    const orders: Promise<Response>[] = [];
    for (let i = 0; i < 15; i++) {
      orders.push(pos('CARD-3003', `c-pos-${i}`, '2026-10-20T10:00:00Z'), shop(`c-shop-${i}`));
      // The same order sent twice (a till retry, a shop re-delivery) must count once.
      if (i % 3 === 0) orders.push(pos('CARD-3003', `c-pos-${i}`, '2026-10-20T10:00:00Z'), shop(`c-shop-${i}`));
    }
    const merging = link('CARD-3003', { source: 'shopify', externalId: '777' });
    const statuses = (await Promise.all(orders)).map((r) => r.status);
    expect(statuses.every((s) => s === 201)).toBe(true);
    expect((await json<{ merged: string[] }>(await merging, 200)).merged).toEqual(['777']);

    const after = (await purchasesOf('CARD-3003')).purchases;
    const ids = after.map((p) => p.orderId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(5 + 5 + 30);
    expect(after.every((p) => p.customerId === 'CARD-3003')).toBe(true);
    // Straight from the store: every order exactly once, in the card's partition — no copy left on 777.
    const { cosmosEndpoint } = JSON.parse(/^WINBACK_READY (.+)$/m.exec(host.output())![1]!) as { cosmosEndpoint: string };
    const cosmos = new CosmosClient(localCosmosClientOptions(cosmosEndpoint, emulatorKey));
    const { resources: stored } = await cosmos
      .database('winback')
      .container('purchases')
      .items.query<{ orderId: string; customerId: string }>("SELECT c.orderId, c.customerId FROM c WHERE STARTSWITH(c.orderId, 'c-')")
      .fetchAll();
    cosmos.dispose();
    expect(stored).toHaveLength(40);
    expect(new Set(stored.map((p) => p.customerId))).toEqual(new Set(['CARD-3003']));
    // Orders after the merge go straight to the card.
    expect(await json<Purchase>(await shop('c-shop-late'), 201)).toMatchObject({ customerId: 'CARD-3003' });
  });

  it('coupons follow the merge, and the absorbed card still redeems them', async () => {
    await json(await host.call('/api/offers/five-off', { method: 'PUT', json: { name: '5 off', value: { type: 'amount', amount: 5 }, currency: 'EUR', validity: { days: 30 }, perCustomerLimit: 1 } }), 201);
    expect((await pos('CARD-6006', 'c6-1', '2026-10-01T10:00:00Z')).status).toBe(201);
    const issued = await json<{ code: string }>(await host.call('/api/coupons', { method: 'POST', json: { customerId: 'CARD-6006', offerId: 'five-off', requestId: 'c6-req' } }), 201);
    await json(await link('CARD-6007', { source: 'customer', externalId: 'CARD-6006' }), 200);

    const coupons = await json<{ customerId: string; coupons: { code: string }[] }>(await host.call('/api/customers/CARD-6006/coupons'), 200);
    expect(coupons).toMatchObject({ customerId: 'CARD-6007', coupons: [{ code: issued.code }] });
    // One per customer: the merged person already holds it, under either id.
    const again = await host.call('/api/coupons', { method: 'POST', json: { customerId: 'CARD-6007', offerId: 'five-off', requestId: 'c6-req-2' } });
    expect((await json<Problem>(again, 409)).reason).toBe('per_customer_limit');
    const redeemed = await host.call('/api/redemptions', {
      method: 'POST',
      headers: { 'idempotency-key': 'c6-redeem-1' },
      json: { code: issued.code, orderId: 'c6-2', source: 'pos', customerId: 'CARD-6006', basketTotal: 30, currency: 'EUR', storeId: 'store-1' },
    });
    expect(await json<{ customerId: string }>(redeemed, 201)).toMatchObject({ customerId: 'CARD-6007' });
    await waitIdle(host);
    expect((await purchasesOf('CARD-6007')).purchases.map((p) => p.orderId).sort()).toEqual(['c6-1', 'c6-2']);
  });

  it('a link between customers whose profiles conflict is refused with the fields, and nothing changes', async () => {
    await json(await host.call('/api/customers/CARD-5005', { method: 'PUT', json: { birthday: '1980-02-03' } }), 201);
    await json(await host.call('/api/customers/CARD-5006', { method: 'PUT', json: { birthday: '1991-07-08' } }), 201);
    expect((await pos('CARD-5006', 'c5-1', '2026-10-01T10:00:00Z')).status).toBe(201);
    const refused = await json<Problem>(await link('CARD-5005', { source: 'customer', externalId: 'CARD-5006' }), 409);
    expect(refused.reason).toBe('merge_conflict');
    expect(refused.conflicts).toEqual([expect.objectContaining({ field: 'birthday', customerId: 'CARD-5006' })]);
    expect((await purchasesOf('CARD-5006')).customerId).toBe('CARD-5006');
    expect((await purchasesOf('CARD-5006')).purchases).toHaveLength(1);
    expect((await purchasesOf('CARD-5005')).purchases).toHaveLength(0);

    // A PUT is judged on the profile it brings: another birthday again is refused and stores nothing …
    const put = (body: unknown) => host.call('/api/customers/CARD-5005', { method: 'PUT', json: body });
    expect((await json<Problem>(await put({ birthday: '1970-01-01', links: [{ source: 'customer', externalId: 'CARD-5006' }] }), 409)).reason).toBe('merge_conflict');
    expect(await json<{ birthday: string }>(await host.call('/api/customers/CARD-5005'), 200)).toMatchObject({ birthday: '1980-02-03' });
    // … the corrected birthday merges, and what the merged customer knew fills the gaps.
    await json(await host.call('/api/customers/CARD-5006', { method: 'PUT', json: { birthday: '1991-07-08', firstName: 'Ada' } }), 200);
    const merged = await json<{ id: string; birthday: string; firstName: string }>(await put({ birthday: '1991-07-08', links: [{ source: 'customer', externalId: 'CARD-5006' }] }), 200);
    expect(merged).toMatchObject({ id: 'CARD-5005', birthday: '1991-07-08', firstName: 'Ada' });
    expect((await purchasesOf('CARD-5006')).purchases).toEqual([expect.objectContaining({ orderId: 'c5-1', customerId: 'CARD-5005' })]);
  });

  it('erasure follows links and tombstones the external ids: a replayed old webhook cannot bring them back', async () => {
    expect((await host.call('/api/customers/CARD-1001', { method: 'DELETE' })).status).toBe(204);
    expect((await host.call('/api/customers/CARD-1001')).status).toBe(404);
    expect((await purchasesOf('CARD-1001')).purchases).toHaveLength(0);
    expect((await json<{ links: unknown[] }>(await host.call('/api/customers/CARD-1001/links'), 200)).links).toEqual([]);

    // Old orders replayed through every channel are refused, and nothing reappears anywhere.
    expect(await shopify(shopifyOrder())).toMatchObject({ status: 'processed', purchase: 'erased' });
    expect(await shopify(shopifyOrder({ orderId: '820982911946154599', guest: true, createdAt: '2025-03-10T10:00:00Z' }))).toMatchObject({ purchase: 'erased' });
    expect((await pos(shopifyAccount, 'till-old', '2026-10-01T09:00:00Z')).status).toBe(410);
    const byRef = await host.call('/api/purchases', {
      method: 'POST',
      json: { orderId: 'ref-old', source: 'pos', customerRef: { source: 'email', externalId: 'jon@example.com' }, occurredAt: '2026-10-02T10:00:00Z', total: 5, currency: 'USD' },
    });
    expect(byRef.status).toBe(410);
    expect((await purchasesOf(shopifyAccount)).purchases).toHaveLength(0);
    expect((await purchasesOf('CARD-1001')).purchases).toHaveLength(0);
  });
});
