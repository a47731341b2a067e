import { z } from 'zod';
import { messageStats } from '../shared/messages/stats.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateQuery } from '../shared/http/request.js';
import { containers } from '../shared/resources.js';
import { runtime } from '../shared/runtime.js';

const dayMs = 24 * 60 * 60 * 1000;

export const MessageStatsQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(90).default(30).meta({ description: 'the window: messages created in the last N days' }),
});

/** GET /api/messages/stats?days=30 — messages by channel, status and reason (sent, delivered, skipped and why). */
export const messagesStats = httpHandler(async (request) => {
  const query = validateQuery(MessageStatsQuery, request);
  if (!query.ok) return query.failure;
  const rt = runtime();
  const to = rt.clock.now();
  const from = new Date(to.getTime() - query.value.days * dayMs);
  const items = await messageStats(rt.container(containers.messages.name), from, to);
  return jsonResponse(200, { from: from.toISOString(), to: to.toISOString(), items });
});

httpFunction('messages-stats', {
  route: 'messages/stats',
  methods: ['GET'],
  authLevel: 'function',
  handler: messagesStats,
  doc: {
    summary: 'Messages by channel, status and reason over the last N days',
    tags: ['messages', 'dashboard'],
    query: MessageStatsQuery,
    responses: {
      200: {
        description: 'Counts per (channel, status, reason); `reason` is null where the status has none',
        example: {
          from: '2026-10-03T12:00:00.000Z',
          to: '2026-11-02T12:00:00.000Z',
          items: [
            { channel: 'email', status: 'sent', reason: null, count: 412 },
            { channel: 'email', status: 'skipped', reason: 'no_consent', count: 37 },
          ],
        },
      },
    },
  },
});
