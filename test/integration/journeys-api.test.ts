import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';

const start = '2026-11-04T10:00:00.000Z'; // Wednesday, 11:00 in Berlin
const hostEnv = { SEGMENTS_SCHEDULE: '0 0 2 * * *' };

type Problem = { status: number; errors: { pointer: string; message: string }[] };

describe('journeys, templates, events and enrollments over HTTP', () => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await startHost({ args: ['--virtual-clock', start], env: hostEnv });
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
  });

  const put = (path: string, json: unknown) => host.call(path, { method: 'PUT', json });
  const post = (path: string, json?: unknown) => host.call(path, { method: 'POST', ...(json === undefined ? {} : { json }) });
  const cart = {
    name: 'Abandoned cart',
    trigger: { type: 'event', name: 'cart.abandoned' },
    experiment: { holdoutPercent: 0, arms: [{ name: 'nudge', steps: [{ id: 'wait', type: 'wait', duration: { hours: 1 } }, { id: 'nudge', type: 'send', template: 'cart-nudge' }] }] },
    frequencyCap: { perDay: 5, perWeek: 10 },
  };

  it('templates: PUT validates variables, GET answers what was stored, shipped ones are listed', async () => {
    const bad = await put('/api/templates/cart-nudge', { name: 'x', locales: { en: { subject: 'Hi {{nick}}', text: 'x' } } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Problem).errors).toEqual([expect.objectContaining({ pointer: '/locales/en/subject' })]);
    const created = await put('/api/templates/cart-nudge', {
      name: 'Cart nudge',
      locales: { de: { subject: '{{firstName|Hallo}}, Ihr Warenkorb wartet', text: 'Noch da: {{event.product}}' }, en: { subject: '{{firstName|Hi}}, your cart is waiting', text: 'Still there: {{event.product}}' } },
    });
    expect(created.status).toBe(201);
    expect(await (await host.call('/api/templates/cart-nudge')).json()).toMatchObject({ templateId: 'cart-nudge', builtin: false, variables: ['event.product', 'firstName'] });
    expect((await put('/api/templates/cart-nudge', (await (await host.call('/api/templates/cart-nudge')).json()) as object)).status).toBe(400); // views carry read-only fields
    const list = (await (await host.call('/api/templates')).json()) as { items: { templateId: string }[] };
    expect(list.items.map((t) => t.templateId)).toEqual(expect.arrayContaining(['cart-nudge', 'winback-miss-you', 'welcome-back']));
  });

  it('journeys: an invalid definition is 400 naming the field, nothing stored; PUT versions; pause and resume', async () => {
    const unknownTemplate = await put('/api/journeys/cart', { ...cart, experiment: { arms: [{ name: 'nudge', steps: [{ id: 'nudge', type: 'send', template: 'nope' }] }] } });
    expect(unknownTemplate.status).toBe(400);
    expect(((await unknownTemplate.json()) as Problem).errors).toEqual([{ pointer: '/experiment/arms/0/steps/0/template', message: 'no template "nope"' }]);
    const badTrigger = await put('/api/journeys/cart', { ...cart, trigger: { type: 'whenever' } });
    expect(badTrigger.status).toBe(400);
    expect(((await badTrigger.json()) as Problem).errors[0]!.pointer).toBe('/trigger/type');
    expect((await host.call('/api/journeys/cart')).status).toBe(404);

    const created = await put('/api/journeys/cart', cart);
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ journeyId: 'cart', version: 1, status: 'active', changed: true });
    expect(await (await put('/api/journeys/cart', cart)).json()).toMatchObject({ version: 1, changed: false });
    const changed = await put('/api/journeys/cart', { ...cart, attributionDays: 7 });
    expect(await changed.json()).toMatchObject({ version: 2, attributionDays: 7, changed: true });
    expect(await (await host.call('/api/journeys/cart?version=1')).json()).toMatchObject({ version: 1, attributionDays: 30 });
    const list = (await (await host.call('/api/journeys')).json()) as { items: { journeyId: string; status: string }[] };
    expect(list.items.map((j) => [j.journeyId, j.status])).toEqual([['birthday', 'paused'], ['cart', 'active'], ['coupon-expiry-reminder', 'paused'], ['welcome-back', 'paused'], ['winback-default', 'paused']]);
    expect(await (await post('/api/journeys/cart/pause')).json()).toMatchObject({ status: 'paused', version: 2 });
    expect(await (await post('/api/journeys/cart/resume')).json()).toMatchObject({ status: 'active' });
    expect((await post('/api/journeys/nope/pause')).status).toBe(404);
  });

  it('POST /api/events starts the event journey; the message carries the event property; a replay enrolls nobody twice', async () => {
    expect((await put('/api/customers/E-1', { email: 'e1@example.com', firstName: 'Eva', locale: 'en-GB', timeZone: 'Europe/London', consents: { email: { granted: true, at: '2026-10-01T00:00:00Z', source: 'shop' } } })).status).toBe(201);
    const event = { name: 'cart.abandoned', customerId: 'E-1', eventId: 'evt-1', occurredAt: '2026-11-04T09:59:00Z', properties: { product: 'Espresso beans' } };
    const bad = await post('/api/events', { ...event, name: 'Cart Abandoned' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Problem).errors[0]!.pointer).toBe('/name');
    expect(await (await post('/api/events', event)).json()).toEqual({ eventId: 'evt-1', status: 'queued', replayed: false });
    expect(await (await post('/api/events', event)).json()).toEqual({ eventId: 'evt-1', status: 'queued', replayed: true });
    expect((await post('/api/events', { ...event, properties: { product: 'Tea' } })).status).toBe(409);
    await waitIdle(host);
    expect((await host.call('/admin/local/clock', { method: 'POST', json: { advanceMs: 3_600_000 } })).status).toBe(200);
    await waitIdle(host);
    const journeys = (await (await host.call('/api/customers/E-1/journeys')).json()) as { items: { journeyId: string; version: number; arm: string; status: string }[] };
    expect(journeys.items).toEqual([expect.objectContaining({ journeyId: 'cart', version: 2, arm: 'nudge', status: 'completed' })]);
    const messages = (await (await host.call('/api/customers/E-1/messages')).json()) as { items: { status: string; template: string; journeyId: string; stepId: string; sentAt: string }[] };
    expect(messages.items).toEqual([expect.objectContaining({ status: 'sent', template: 'cart-nudge', journeyId: 'cart', stepId: 'nudge', sentAt: '2026-11-04T11:00:00.000Z' })]);
  });

  it('a malformed step message is dead-lettered with its reason, not dropped silently', async () => {
    expect((await post('/admin/local/queues/journey-steps/messages', { messageId: 'poison-1', body: { enrollmentId: 'e_x' } })).status).toBe(202);
    await waitIdle(host);
    const dead = (await (await host.call('/admin/local/queues/journey-steps/deadletters')).json()) as { messageId: string; deliveryCount: number; deadLetterErrorDescription: string }[];
    expect(dead).toEqual([expect.objectContaining({ messageId: 'poison-1', deliveryCount: 10 })]);
    expect(dead[0]!.deadLetterErrorDescription).toMatch(/poison journey step: (customerId|visit)/);
  });

  it('POST /api/journeys/{id}/enrollments enrolls a list now (202 with the count), at most once per campaign', async () => {
    const tooMany = await post('/api/journeys/cart/enrollments', { customerIds: Array.from({ length: 10_001 }, (_, i) => `x-${i}`) });
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as Problem).errors[0]!.pointer).toBe('/customerIds');
    const both = await post('/api/journeys/cart/enrollments', { customerIds: ['a'], segment: 'at_risk' });
    expect(both.status).toBe(400);
    const accepted = await post('/api/journeys/cart/enrollments', { customerIds: ['M-1', 'M-2', 'M-1'], campaignId: 'crm-2026-11' });
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({ journeyId: 'cart', count: 2, campaignId: 'crm-2026-11' });
    expect((await post('/api/journeys/cart/enrollments', { customerIds: ['M-1'], campaignId: 'crm-2026-11' })).status).toBe(202);
    await waitIdle(host);
    const m1 = (await (await host.call('/api/customers/M-1/journeys')).json()) as { items: { journeyId: string; status: string; history: { event: string; reason: string }[] }[] };
    expect(m1.items).toHaveLength(1);
    expect(m1.items[0]!.history[0]).toEqual(expect.objectContaining({ event: 'entered', reason: 'enrolled through the API' }));
  });
});
