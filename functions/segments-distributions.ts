import { scoreDistributions } from '../shared/customers/distribution.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler } from '../shared/http/request.js';
import { containers } from '../shared/resources.js';
import { runtime } from '../shared/runtime.js';
import { segmentation } from '../shared/segmentation/services.js';

/** GET /api/segments/distributions — customers per P(alive) decile and per expected-12-month-value band. */
export const segmentsDistributions = httpHandler(async () => {
  const [latest] = await segmentation().runs.latestCompleted(1);
  if (!latest) return { kind: 'not_found', detail: 'no segmentation run has completed yet' };
  const distributions = await scoreDistributions(runtime().container(containers.customers.name), latest.currency ?? null);
  return jsonResponse(200, { runId: latest.runId, asOf: latest.asOf, ...distributions });
});

httpFunction('segments-distributions', {
  route: 'segments/distributions',
  methods: ['GET'],
  authLevel: 'function',
  handler: segmentsDistributions,
  doc: {
    summary: 'Churn risk and value across the scored customers: counts per P(alive) decile and per expected-12-month-value band',
    tags: ['segments', 'dashboard'],
    responses: {
      200: {
        description: 'Buckets `from` ≤ value < `to` (the last P(alive) bucket includes 1; `to: null` is open-ended); value bands in major units of `currency`',
        example: {
          runId: '20261101-s3f9c0d12ab', asOf: '2026-11-01', currency: 'EUR',
          pAlive: [{ from: 0, to: 0.1, count: 412 }],
          clv12m: [{ from: 0, to: 10, count: 903 }, { from: 1000, to: null, count: 12 }],
        },
      },
    },
  },
});
