import { afterAll, describe, expect, it } from 'vitest';
import { startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';

/**
 * `npm start` killed with SIGKILL in the middle of concurrent writes — purchases, coupon issues and
 * redemptions — and started again on the same data folder, several times at random moments. Every write
 * that was answered must be there afterwards, exactly once; a request whose answer the kill swallowed is
 * sent again with the same idempotency key and must land exactly once too. A redemption's purchase goes
 * through the redemption-events queue: it must be recorded after the restart, so a message that survived
 * never points at a coupon that did not.
 */

const args = ['--virtual-clock', '2026-11-02T12:00:00Z', '--quiet'];
const env = { SEGMENTS_SCHEDULE: '0 0 2 * * *' };
const offerId = 'durable-10';
const kills = 5;

type Request = { kind: 'purchase' | 'coupon' | 'redemption'; path: string; body: Record<string, unknown>; headers: Record<string, string> };
type Answer = { status: number; body: Record<string, unknown> };

const purchase = (orderId: string, customerId: string): Request => ({
  kind: 'purchase',
  path: '/api/purchases',
  body: { orderId, source: 'pos', customerId, occurredAt: '2026-11-01T10:00:00Z', total: 30, currency: 'EUR', items: [{ sku: 'S-1', quantity: 1, unitPrice: 30 }] },
  headers: {},
});
const coupon = (requestId: string): Request => ({
  kind: 'coupon',
  path: '/api/coupons',
  body: { customerId: `cust-${requestId}`, offerId, requestId },
  headers: {},
});
const redemption = (code: string): Request => ({
  kind: 'redemption',
  path: '/api/redemptions',
  body: { code, orderId: `RED-${code}`, source: 'pos', basketTotal: 42.5, currency: 'EUR', storeId: 'berlin-01' },
  headers: { 'idempotency-key': `red-${code}` },
});

describe('durability of the local host under SIGKILL', () => {
  let host: RunningHost | undefined;
  afterAll(() => host?.cleanup());

  it(`keeps every acknowledged purchase, coupon and redemption across ${kills} kills at random moments`, async () => {
    host = await startHost({ args, env });
    const dataDir = host.dataDir;
    const send = async (request: Request): Promise<Answer> => {
      const response = await host!.call(request.path, { method: 'POST', json: request.body, headers: request.headers });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const okStatuses: Record<Request['kind'], number[]> = { purchase: [201], coupon: [200, 201], redemption: [201] };

    const purchases = new Map<string, string>(); // orderId → customerId
    const coupons = new Map<string, { code: string; customerId: string }>(); // requestId → coupon
    const redemptions = new Map<string, string>(); // code → redemptionId
    const unredeemed: string[] = [];
    const accept = (request: Request, answer: Answer) => {
      expect(okStatuses[request.kind], `${request.kind} ${JSON.stringify(request.body)} → ${answer.status} ${JSON.stringify(answer.body)}`).toContain(answer.status);
      switch (request.kind) {
        case 'purchase':
          purchases.set(String(request.body['orderId']), String(request.body['customerId']));
          return;
        case 'coupon': {
          const requestId = String(request.body['requestId']);
          const code = String(answer.body['code']);
          // A repeated request answers the coupon it issued before, never a second one.
          const earlier = coupons.get(requestId);
          if (earlier) expect(code).toBe(earlier.code);
          if (!earlier) unredeemed.push(code);
          coupons.set(requestId, { code, customerId: String(request.body['customerId']) });
          return;
        }
        case 'redemption': {
          const code = String(request.body['code']);
          const earlier = redemptions.get(code);
          if (earlier) expect(answer.body['redemptionId']).toBe(earlier);
          redemptions.set(code, String(answer.body['redemptionId']));
          return;
        }
      }
    };

    const offer = await host.call(`/api/offers/${offerId}`, {
      method: 'PUT',
      json: { name: '10 %', value: { type: 'percent', percent: 10, maxDiscount: 20 }, minBasket: 20, currency: 'EUR', validity: { days: 30 }, budget: { maxDiscount: 1_000_000 } },
    });
    expect(offer.status).toBe(201);
    for (let i = 0; i < 40; i += 1) {
      const request = coupon(`seed-${i}`);
      accept(request, await send(request));
    }

    const moments: number[] = [];
    for (let round = 0; round < kills; round += 1) {
      // Requests whose answer the kill swallowed: sent again after the restart, with the same keys.
      const unanswered: Request[] = [];
      let next = 0;
      let dead = false;
      const worker = async (make: () => Request | undefined) => {
        while (!dead) {
          const request = make();
          if (!request) return;
          try {
            accept(request, await send(request));
          } catch (error) {
            if (!dead) throw error;
            unanswered.push(request);
          }
        }
      };
      const workers = [
        ...Array.from({ length: 3 }, (_, w) => worker(() => purchase(`P-${round}-${w}-${next++}`, `buyer-${next % 25}`))),
        ...Array.from({ length: 2 }, (_, w) => worker(() => coupon(`r${round}-${w}-${next++}`))),
        ...Array.from({ length: 2 }, () =>
          worker(() => {
            const code = unredeemed.shift();
            return code === undefined ? undefined : redemption(code);
          }),
        ),
      ];
      const moment = 400 + Math.floor(Math.random() * 1600);
      moments.push(moment);
      await new Promise((resolve) => setTimeout(resolve, moment));
      dead = true;
      expect(await host.stop('SIGKILL')).toBe(null);
      await Promise.all(workers);

      host = await startHost({ args, env, dataDir });
      for (const request of unanswered) accept(request, await send(request));
    }

    // Everything queued before the last kill (a redemption's purchase and budget delta) is processed now.
    await waitIdle(host);
    const context = `kills after ${moments.join(', ')} ms; ${purchases.size} purchases, ${coupons.size} coupons, ${redemptions.size} redemptions acknowledged`;
    expect(purchases.size, context).toBeGreaterThan(20);
    expect(redemptions.size, context).toBeGreaterThan(5);

    const get = async (path: string) => {
      const response = await host!.call(path);
      expect(response.status, `${path}: ${context}`).toBe(200);
      return (await response.json()) as Record<string, unknown>;
    };
    const purchasesOf = async (customerId: string) =>
      (await get(`/api/customers/${encodeURIComponent(customerId)}/purchases?limit=500`))['purchases'] as { orderId: string; couponCodes: string[] }[];

    const byBuyer = new Map<string, string[]>();
    for (const [orderId, customerId] of purchases) byBuyer.set(customerId, [...(byBuyer.get(customerId) ?? []), orderId]);
    for (const [customerId, orderIds] of byBuyer) {
      const stored = (await purchasesOf(customerId)).map((p) => p.orderId);
      // Each acknowledged purchase once; nothing that was never sent.
      expect([...stored].sort(), `${customerId}: ${context}`).toEqual([...orderIds].sort());
    }

    for (const [requestId, { code, customerId }] of coupons) {
      const held = (await get(`/api/customers/${encodeURIComponent(customerId)}/coupons`))['coupons'] as { code: string; status: string }[];
      // One coupon per request, whole (the view is built from the parsed document).
      expect(held.map((c) => c.code), `${requestId}: ${context}`).toEqual([code]);
      const redeemed = redemptions.has(code);
      expect(held[0]!.status, `${code}: ${context}`).toBe(redeemed ? 'redeemed' : 'active');
      if (redeemed) {
        const recorded = (await purchasesOf(customerId)).filter((p) => p.orderId === `RED-${code}`);
        expect(recorded, `purchase of redemption ${code}: ${context}`).toHaveLength(1);
        expect(recorded[0]!.couponCodes).toEqual([code]);
      }
    }

    // Every redemption message was processed: none waits, none failed for want of what it refers to.
    const queue = await get('/admin/local/queues/redemption-events');
    expect(queue, context).toMatchObject({ active: 0, locked: 0, deadLettered: 0 });

    // The budget counter is never behind the coupons it paid for.
    const usage = (await get(`/api/offers/${offerId}`))['budgetUsage'] as { issued: number };
    expect(usage.issued, context).toBeGreaterThanOrEqual(coupons.size);
  }, 150_000);
});
