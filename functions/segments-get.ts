import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler } from '../shared/http/request.js';
import { runtime } from '../shared/runtime.js';
import { segmentation } from '../shared/segmentation/services.js';
import { runView } from '../shared/segmentation/view.js';

/**
 * GET /api/segments — the latest completed run: segment sizes, model parameters, and the movements of its
 * customers from the segment they had before it (for a nightly run: the previous night's).
 */
export const segmentsGet = httpHandler(async () => {
  const { runs, deps } = segmentation();
  const [latest, previous] = await runs.latestCompleted(2);
  if (!latest) return { kind: 'not_found', detail: 'no segmentation run has completed yet' };
  return jsonResponse(200, {
    ...runView(latest, deps.clock.now(), runtime().settings.snapshotContainer),
    previousRunId: previous?.runId ?? null,
  });
});

httpFunction('segments-get', {
  route: 'segments',
  methods: ['GET'],
  authLevel: 'function',
  handler: segmentsGet,
  doc: {
    summary: 'The latest completed segmentation run: sizes, models, movements',
    tags: ['segments'],
    responses: { 200: { description: 'The run', example: { runId: 'seg-2026-11-01', status: 'completed', segments: { loyal: 1200, at_risk: 340 } } } },
    errors: { 404: 'No run has completed yet' },
  },
});
