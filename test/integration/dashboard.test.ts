import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, recordProblems } from '../helpers/browser.js';
import { repoRoot, sharedKit, startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';
// The page's own formatters: the test formats the API's figures exactly as the page must.
import { formatters } from '../../dashboard/i18n.js';

// CDNOW's sample (real purchases, 1997–98) as the shop's history; the page is looked at the following summer.
const now = '1998-07-01T06:00:00.000Z';

function seededPurchases() {
  return readFileSync(path.join(sharedKit, 'datasets/cdnow/CDNOW_sample.txt'), 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((line, index) => {
      const [customerId, , date, , dollars] = line.trim().split(/\s+/);
      return {
        orderId: `cdnow-${index}`, source: 'cdnow', customerId: customerId!,
        occurredAt: `${date!.slice(0, 4)}-${date!.slice(4, 6)}-${date!.slice(6, 8)}T12:00:00Z`,
        total: Number(dollars), currency: 'EUR',
      };
    });
}

describe('the dashboard in a real browser', () => {
  let host: RunningHost;
  let browser: Browser;

  const api = async <T>(route: string): Promise<T> => {
    const response = await host.call(route);
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    host = await startHost({ args: ['--virtual-clock', now, '--quiet'] });
    const purchases = seededPurchases();
    for (let i = 0; i < purchases.length; i += 500) {
      const response = await host.call('/api/purchases', { method: 'POST', json: { purchases: purchases.slice(i, i + 500) } });
      expect(response.status).toBe(200);
    }
    const run = await host.call('/admin/functions/segments-compute', { method: 'POST', json: { input: JSON.stringify({ asOf: '1998-06-30' }) } });
    expect(run.status).toBe(202);
    await waitIdle(host);
    // A marketer's morning: the can't-lose customers get profiles with e-mail consent, the shipped win-back
    // journey is resumed and they are enrolled; a few come back, some with their coupon.
    const cantLose = await api<{ items: { customerId: string }[] }>('/api/segments/cant_lose/customers?limit=60');
    expect(cantLose.items.length).toBeGreaterThan(20);
    for (const [i, { customerId }] of cantLose.items.entries()) {
      const consents = { email: { granted: true, at: '1998-01-01T00:00:00Z', source: 'pos-signup' } };
      const profile = { firstName: `Kim ${customerId}`, email: `c${customerId}@example.com`, locale: i % 2 ? 'de-DE' : 'en-GB', timeZone: 'Europe/Berlin', consents };
      expect((await host.call(`/api/customers/${customerId}`, { method: 'PUT', json: profile })).status).toBe(201);
    }
    const resumed = await host.call('/api/journeys/winback-default/resume', { method: 'POST' });
    expect(resumed.status, await resumed.clone().text()).toBe(200);
    const enrolled = await host.call('/api/journeys/winback-default/enrollments', { method: 'POST', json: { segment: 'cant_lose' } });
    expect(enrolled.status, await enrolled.clone().text()).toBe(202);
    await waitIdle(host);
    // Past the quiet hours (until 08:00 in the customers' zone), so deferred sends go out.
    await host.call('/admin/local/clock', { method: 'POST', json: { advanceMs: 4 * 60 * 60 * 1000 } });
    await waitIdle(host);
    const at = new Date(Date.parse(now) + 3 * 60 * 60 * 1000).toISOString();
    for (const [i, { customerId }] of cantLose.items.slice(0, 15).entries()) {
      const coupons = await api<{ coupons: { code: string }[] }>(`/api/customers/${customerId}/coupons`);
      const code = i % 3 === 0 ? coupons.coupons[0]?.code : undefined;
      if (code) {
        const redeemed = await host.call('/api/redemptions', {
          method: 'POST',
          json: { code, orderId: `back-${customerId}`, source: 'pos', basketTotal: 60, currency: 'EUR', storeId: 'berlin-01' },
          headers: { 'idempotency-key': `dash-${customerId}` },
        });
        expect(redeemed.status, await redeemed.clone().text()).toBe(201);
      } else {
        const bought = await host.call('/api/purchases', {
          method: 'POST',
          json: { orderId: `back-${customerId}`, source: 'pos', customerId, occurredAt: at, total: 42.5, currency: 'EUR' },
        });
        expect(bought.status, await bought.clone().text()).toBe(201);
      }
    }
    await waitIdle(host);
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    host?.cleanup();
  });

  const open = async (query: string, locale = 'en-GB') => {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = recordProblems(page);
    await page.goto(`${host.url}/api/dashboard${query}`);
    return { page, problems, context };
  };

  it('shows the same segment figures as GET /api/segments, with no console error or failed request', async () => {
    const { page, problems, context } = await open(`?code=${host.functionKey}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    const run = await api<{ segments: Record<string, number>; movements: Record<string, number> }>('/api/segments');
    const f = formatters('en');
    for (const [name, count] of Object.entries(run.segments)) {
      const cell = page.locator(`[data-field="segments.${name}"]`);
      expect(await cell.getAttribute('data-value')).toBe(String(count));
      expect(await cell.textContent()).toBe(f.integer(count));
    }
    for (const [key, count] of Object.entries(run.movements)) {
      const [from, to] = key.split('→');
      if (from === to) continue;
      expect(await page.locator(`[data-field="movements.${key}"]`).getAttribute('data-value')).toBe(String(count));
      expect(to).toBeDefined();
    }
    // Churn risk and value: every scored customer in exactly one bucket of each, as the API counts them.
    const distributions = await api<{ pAlive: { from: number; count: number }[]; clv12m: { from: number; count: number }[] }>('/api/segments/distributions');
    const scored = Object.values(run.segments).reduce((a, b) => a + b, 0);
    for (const field of ['pAlive', 'clv12m'] as const) {
      expect(distributions[field].reduce((n, b) => n + b.count, 0)).toBe(scored);
      for (const bucket of distributions[field]) {
        expect(await page.locator(`[data-field="${field}.${bucket.from}"]`).getAttribute('data-value')).toBe(String(bucket.count));
      }
    }
    // The key left the address bar.
    expect(page.url()).not.toContain('code=');
    expect(problems).toEqual([]);
    mkdirSync(path.join(repoRoot, 'docs'), { recursive: true });
    await page.screenshot({ path: path.join(repoRoot, 'docs/dashboard.png'), fullPage: true });
    await context.close();
  });

  it('shows the journey results GET /api/kpis answers: funnel per arm and the uplift against control', async () => {
    const { page, problems, context } = await open(`?code=${host.functionKey}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    expect(await page.locator('#journey').inputValue()).toBe('winback-default');
    type Arm = Record<string, number | string | null> & { arm: string };
    type Comparison = { arm: string; against: string; reactivation: { absolute: number }; revenuePerEnrolled: { absolute: number }; incrementalRevenue: { value: number } };
    const kpis = await api<{ currency: string; arms: Arm[]; comparisons: Comparison[] }>('/api/kpis?journeyId=winback-default');
    expect(kpis.arms.map((a) => a.arm)).toContain('control');
    expect(kpis.arms.reduce((n, a) => n + Number(a['enrolled']), 0)).toBeGreaterThan(20);
    const f = formatters('en');
    for (const arm of kpis.arms) {
      for (const metric of ['enrolled', 'messaged', 'couponsIssued', 'couponsRedeemed', 'reactivated']) {
        const cell = page.locator(`[data-field="arms.${arm.arm}.${metric}"]`);
        expect(await cell.getAttribute('data-value'), `${arm.arm}.${metric}`).toBe(String(arm[metric]));
        expect(await cell.textContent()).toBe(f.integer(Number(arm[metric])));
      }
      const revenue = page.locator(`[data-field="arms.${arm.arm}.revenuePerEnrolled"]`);
      expect(await revenue.textContent()).toBe(arm['revenuePerEnrolled'] === null ? '–' : f.money(Number(arm['revenuePerEnrolled']), kpis.currency));
    }
    expect(kpis.comparisons.length).toBeGreaterThan(0);
    for (const c of kpis.comparisons) {
      const key = `comparisons.${c.arm}.${c.against}`;
      expect(await page.locator(`[data-field="${key}.reactivation.absolute"]`).getAttribute('data-value')).toBe(String(c.reactivation.absolute));
      expect(await page.locator(`[data-field="${key}.reactivation.absolute"]`).textContent()).toBe(f.points(c.reactivation.absolute));
      expect(await page.locator(`[data-field="${key}.incrementalRevenue"]`).getAttribute('data-value')).toBe(String(c.incrementalRevenue.value));
    }
    // Channels: what the dispatcher did, by channel and status (most of CDNOW's customers gave no consent).
    const stats = await api<{ items: { channel: string; status: string; reason: string | null; count: number }[] }>('/api/messages/stats');
    expect(stats.items.length).toBeGreaterThan(0);
    for (const row of stats.items) {
      expect(await page.locator(`[data-field="channels.${row.channel}.${row.status}.${row.reason ?? ''}"]`).getAttribute('data-value')).toBe(String(row.count));
    }
    expect(problems).toEqual([]);
    await context.close();
  });

  it('lists the chosen segment least-alive first, as GET /api/segments/{segment}/customers does', async () => {
    const { page, problems, context } = await open(`?code=${host.functionKey}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    const segment = await page.locator('#segment').inputValue();
    const listed = await api<{ items: { customerId: string; pAlive: number }[] }>(`/api/segments/${segment}/customers?limit=25`);
    expect(listed.items.length).toBeGreaterThan(0);
    const shown = await page.locator('[data-table="customers"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-customer')));
    expect(shown).toEqual(listed.items.map((c) => c.customerId));
    const pAlive = listed.items.map((c) => c.pAlive);
    expect([...pAlive].sort((a, b) => a - b)).toEqual(pAlive);
    // Sorting by CLV asks the API for that order.
    await page.locator('th button', { hasText: 'Expected CLV' }).click();
    await page.waitForFunction(() => document.querySelector('th button[aria-sort="ascending"]')?.textContent?.includes('CLV'));
    expect(problems).toEqual([]);
    await context.close();
  });

  it('speaks German with German number formats when the browser does', async () => {
    const { page, problems, context } = await open(`?code=${host.functionKey}`, 'de-DE');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    expect(await page.locator('#segments-title').textContent()).toBe('Segmente');
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    const stats = await api<{ offers: { offerId: string; tiers: { tier: string | null; redemptionRate: number | null; issued: number }[] }[] }>('/api/coupons/stats');
    const tier = stats.offers[0]!.tiers[0]!;
    const cell = page.locator(`[data-field="offers.${stats.offers[0]!.offerId}.${tier.tier ?? ''}.issued"]`);
    expect(await cell.textContent()).toBe(formatters('de').integer(tier.issued));
    expect(problems).toEqual([]);
    await context.close();
  });

  it('asks to sign in when the key is missing or wrong, instead of showing a broken page', async () => {
    const missing = await open('');
    await missing.page.waitForSelector('#signin');
    expect(await missing.page.locator('#signin h2').textContent()).toBe('Sign in to winback');
    expect(missing.problems).toEqual([]);
    await missing.context.close();

    const wrong = await open('?code=not-the-key');
    await wrong.page.waitForSelector('#signin-error');
    expect(await wrong.page.locator('#signin-error').textContent()).toContain('not accepted');
    // The form then takes the right key and the page loads.
    await wrong.page.fill('#key', host.functionKey);
    await wrong.page.click('#signin button[type="submit"]');
    await wrong.page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    await wrong.context.close();
  });
});
