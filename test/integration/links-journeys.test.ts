import { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorKey, localCosmosClientOptions } from '../../local/cosmos/client-options.js';
import { builtinJourney } from '../../shared/journeys/defaults.js';
import { assignArm } from '../../shared/journeys/enrollment.js';
import { startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';
import { expectJson as json, shopifyAccount, shopifyOrder, shopifySecret, shopifyWebhooks } from '../helpers/shopify.js';

const start = '2026-11-02T12:00:00.000Z';

/** A card id winback-default puts in a message arm (not its holdout), by the same hash. */
function messagedCard(prefix: string): string {
  const experiment = builtinJourney('winback-default')!.experiment;
  for (let i = 0; ; i++) if (!assignArm(`${prefix}-${i}`, 'winback-default', experiment).holdout) return `${prefix}-${i}`;
}

/** A small journey that only waits: it stays active across a purchase, so it shows what a merge keeps. */
const hold = {
  name: 'Hold',
  trigger: { type: 'manual' },
  exitOn: { purchase: false },
  experiment: { holdoutPercent: 0, arms: [{ name: 'wait', steps: [{ id: 'wait', type: 'wait', duration: { days: 2 } }, { id: 'done', type: 'exit', reason: 'waited two days' }] }] },
};

type Enrollment = { journeyId: string; arm: string; status: string; enteredAt: string; history: { event: string; reason: string }[] };
type Problem = { status: number; reason?: string; detail?: string; conflicts?: { field: string; values: unknown[]; customerId: string }[] };

describe('journeys follow identity links', { timeout: 120_000 }, () => {
  let host: RunningHost;
  let shopify: ReturnType<typeof shopifyWebhooks>;
  const card = messagedCard('LJ-CARD');

  beforeAll(async () => {
    host = await startHost({ args: ['--virtual-clock', start, '--quiet'], env: { SHOPIFY_WEBHOOK_SECRET: shopifySecret, SEGMENTS_SCHEDULE: '0 0 2 * * *' } });
    shopify = shopifyWebhooks(host, 'links-journeys');
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
  });

  const pos = (customerId: string, orderId: string, occurredAt: string) =>
    host.call('/api/purchases', { method: 'POST', json: { orderId, source: 'pos', customerId, occurredAt, total: 20, currency: 'USD', channel: 'pos', storeId: 'store-1' } });
  const enroll = async (journeyId: string, customerIds: string[]) => {
    await json(await host.call(`/api/journeys/${journeyId}/enrollments`, { method: 'POST', json: { customerIds } }), 202);
    await waitIdle(host);
  };
  const journeys = async (id: string) => (await json<{ items: Enrollment[] }>(await host.call(`/api/customers/${encodeURIComponent(id)}/journeys`), 200)).items;
  const messages = async (id: string) => (await json<{ items: { messageId: string; journeyId: string }[] }>(await host.call(`/api/customers/${encodeURIComponent(id)}/messages`), 200)).items;
  const clockTo = async (iso: string) => {
    await json(await host.call('/admin/local/clock', { method: 'POST', json: { to: iso } }), 200);
    await waitIdle(host);
  };
  /** Documents straight from the local Cosmos store, past every endpoint. */
  const stored = async (container: string, query: string) => {
    const { cosmosEndpoint } = JSON.parse(/^WINBACK_READY (.+)$/m.exec(host.output())![1]!) as { cosmosEndpoint: string };
    const cosmos = new CosmosClient(localCosmosClientOptions(cosmosEndpoint, emulatorKey));
    try {
      return (await cosmos.database('winback').container(container).items.query<{ customerId: string; journeyId?: string }>(query).fetchAll()).resources;
    } finally {
      cosmos.dispose();
    }
  };
  const link = (customerId: string, body: unknown) => host.call(`/api/customers/${encodeURIComponent(customerId)}/links`, { method: 'POST', json: body });

  it('a win-back enrollment on the card exits when the linked Shopify account orders; the account\'s own enrollment moves along', async () => {
    await json(await host.call('/api/journeys/winback-default/resume', { method: 'POST' }), 200);
    await json(await host.call('/api/journeys/hold', { method: 'PUT', json: hold }), 201);
    // Three half-customers: the card at the till, the Shopify account, a guest order under the e-mail.
    expect((await pos(card, 'lj-till-1', '2026-09-01T09:00:00Z')).status).toBe(201);
    expect(await shopify(shopifyOrder())).toMatchObject({ status: 'processed', purchase: 'created' });
    expect(await shopify(shopifyOrder({ orderId: '820982911946154599', guest: true, createdAt: '2025-03-10T10:00:00Z' }))).toMatchObject({ purchase: 'created' });
    await json(await host.call(`/api/customers/${card}`, { method: 'PUT', json: { firstName: 'Jon', locale: 'en-US', timeZone: 'Europe/Berlin', consents: { email: { granted: true, at: '2026-10-01T09:00:00Z', source: 'pos' } } } }), 201);

    await enroll('winback-default', [card]);
    await enroll('hold', [shopifyAccount]);
    expect(await journeys(card)).toEqual([expect.objectContaining({ journeyId: 'winback-default', status: 'active' })]);
    expect(await journeys(shopifyAccount)).toEqual([expect.objectContaining({ journeyId: 'hold', status: 'active' })]);
    const cardMessages = await messages(card);
    expect(cardMessages.length).toBeGreaterThan(0);

    // Linking merges the Shopify account and the guest e-mail into the card.
    const put = await host.call(`/api/customers/${card}`, {
      method: 'PUT',
      json: { firstName: 'Jon', email: 'jon@example.com', emailVerified: true, locale: 'en-US', timeZone: 'Europe/Berlin', consents: { email: { granted: true, at: '2026-10-01T09:00:00Z', source: 'pos' } }, links: [{ source: 'shopify', externalId: shopifyAccount }] },
    });
    await json(put, 200);
    await waitIdle(host);
    // The survivor keeps both enrollments (different journeys); the absorbed id answers with them too.
    const merged = await journeys(card);
    expect(merged.map((e) => [e.journeyId, e.status]).sort()).toEqual([['hold', 'active'], ['winback-default', 'active']]);
    expect(merged.find((e) => e.journeyId === 'hold')!.history.at(-1)).toMatchObject({ event: 'merged', reason: `customer ${shopifyAccount} merged into ${card}` });
    expect((await journeys(shopifyAccount)).map((e) => e.journeyId).sort()).toEqual(['hold', 'winback-default']);
    expect((await messages(card)).map((m) => m.messageId).sort()).toEqual(cardMessages.map((m) => m.messageId).sort());
    // The KPI outcome of the moved enrollment names the survivor now (its erasure must find it).
    const outcomes = await stored('kpis', "SELECT c.customerId, c.journeyId FROM c WHERE c.kind = 'outcome'");
    expect(outcomes.filter((o) => o.journeyId === 'hold')).toEqual([{ customerId: card, journeyId: 'hold' }]);

    // A new order on the Shopify account, through the signed webhook, lands on the card and converts it.
    await clockTo('2026-11-03T10:00:00.000Z');
    expect(await shopify(shopifyOrder({ orderId: '820982911946154700', createdAt: '2026-11-03T10:00:00Z' }))).toMatchObject({ status: 'processed', purchase: 'created' });
    await waitIdle(host);
    const after = await journeys(card);
    const winback = after.find((e) => e.journeyId === 'winback-default')!;
    expect(winback.status).toBe('converted');
    expect(winback.history.at(-1)).toMatchObject({ event: 'converted', reason: expect.stringContaining('820982911946154700') });
    // The moved enrollment's step, scheduled under the absorbed id before the merge, runs on the survivor.
    expect(after.find((e) => e.journeyId === 'hold')!.status).toBe('active');
    await clockTo('2026-11-04T13:00:00.000Z');
    const held = (await journeys(card)).find((e) => e.journeyId === 'hold')!;
    expect(held).toMatchObject({ status: 'exited' });
    expect(held.history.at(-1)).toMatchObject({ event: 'exited', reason: 'waited two days' });
  });

  it('a link between two customers active in the same journey is 409 naming it, and nothing moves', async () => {
    await enroll('hold', ['LJ-A', 'LJ-B']);
    const refused = await json<Problem>(await link('LJ-A', { source: 'customer', externalId: 'LJ-B' }), 409);
    expect(refused.reason).toBe('merge_conflict');
    expect(refused.detail).toContain('hold');
    expect(refused.conflicts).toEqual([expect.objectContaining({ field: 'journeys.hold', customerId: 'LJ-B' })]);
    expect(await journeys('LJ-A')).toEqual([expect.objectContaining({ journeyId: 'hold', status: 'active' })]);
    expect(await journeys('LJ-B')).toEqual([expect.objectContaining({ journeyId: 'hold', status: 'active' })]);
    expect((await host.call('/api/customers/LJ-B/journeys')).headers.get('content-location')).toBeNull();
  });

  it('erasing the linked customer removes the enrollments and messages of every merged customer', async () => {
    expect((await host.call(`/api/customers/${card}`, { method: 'DELETE' })).status).toBe(204);
    await waitIdle(host);
    for (const id of [card, shopifyAccount]) {
      expect(await journeys(id)).toEqual([]);
      expect(await messages(id)).toEqual([]);
    }
    // Straight from the store: nothing left under any of the three ids.
    const enrollments = (await stored('enrollments', 'SELECT c.customerId FROM c')).map((d) => d.customerId);
    const kept = (await stored('messages', 'SELECT c.customerId FROM c')).map((d) => d.customerId);
    const outcomes = (await stored('kpis', "SELECT c.customerId FROM c WHERE c.kind = 'outcome'")).map((d) => d.customerId);
    for (const id of [...enrollments, ...kept, ...outcomes]) expect([card, shopifyAccount]).not.toContain(id);
    expect(enrollments.some((id) => id.startsWith('email:'))).toBe(false);
    expect(kept.some((id) => id.startsWith('email:'))).toBe(false);
    // The other customers' enrollments are untouched.
    expect(enrollments).toEqual(expect.arrayContaining(['LJ-A', 'LJ-B']));
  });
});
