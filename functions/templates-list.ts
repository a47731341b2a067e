import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler } from '../shared/http/request.js';
import { services } from '../shared/services.js';

/** GET /api/templates — ids, names and locales of every template (stored and shipped). */
export const templatesList = httpHandler(async () => {
  const all = await services().templates.all();
  return jsonResponse(200, { items: [...all].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, t]) => ({ templateId: id, name: t.name, locales: Object.keys(t.locales) })) });
});

httpFunction('templates-list', {
  route: 'templates',
  methods: ['GET'],
  authLevel: 'function',
  handler: templatesList,
  doc: {
    summary: 'Every message template, stored and shipped: id, name and locales',
    tags: ['templates'],
    responses: { 200: { description: 'Sorted by id', example: { items: [{ templateId: 'cart-nudge', name: 'Cart nudge', locales: ['de', 'en'] }] } } },
  },
});
