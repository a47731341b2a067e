import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler } from '../shared/http/request.js';
import { runtime } from '../shared/runtime.js';

/** GET /api/health — anonymous liveness and readiness for load balancers, azd smoke checks and humans. */
export const health = httpHandler(async (_request, context) => {
  const rt = runtime();
  const started = Date.now();
  try {
    await rt.database.read();
    return jsonResponse(200, { status: 'ok', now: rt.clock.now().toISOString(), checks: { cosmos: { status: 'ok', ms: Date.now() - started } } });
  } catch (error) {
    context.warn(`health: Cosmos DB unreachable: ${(error as Error).message}`);
    return jsonResponse(503, { status: 'degraded', checks: { cosmos: { status: 'unreachable' } } }, { 'retry-after': '10' });
  }
});

httpFunction('health', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: health,
  doc: {
    summary: 'Liveness and readiness (anonymous)',
    tags: ['operations'],
    responses: { 200: { description: 'Cosmos DB answers', example: { status: 'ok', now: '2026-11-02T12:00:00.000Z', checks: { cosmos: { status: 'ok', ms: 4 } } } } },
  },
});
