import { app } from '@azure/functions';
import { jsonResponse } from '../shared/http/problem.js';
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

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: health });
