import { z } from 'zod';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { runtime } from '../shared/runtime.js';
import { RunId } from '../shared/segmentation/plan.js';
import { segmentation } from '../shared/segmentation/services.js';
import { runView } from '../shared/segmentation/view.js';

const Params = z.object({ runId: RunId });

/** GET /api/segments/runs/{runId} — one run, with its status and progress while it runs. */
export const segmentsRunGet = httpHandler(async (request) => {
  const params = validateParams(Params, request.params);
  if (!params.ok) return params.failure;
  const { runs, deps } = segmentation();
  const run = await runs.get(params.value.runId);
  if (!run) return { kind: 'not_found', detail: `no segmentation run ${params.value.runId}` };
  return jsonResponse(200, runView(run, deps.clock.now(), runtime().settings.snapshotContainer));
});

httpFunction('segments-run-get', {
  route: 'segments/runs/{runId}',
  methods: ['GET'],
  authLevel: 'function',
  handler: segmentsRunGet,
  doc: {
    summary: 'One segmentation run, with status and progress while it runs',
    tags: ['segments'],
    params: Params,
    responses: { 200: { description: 'The run', example: { runId: 'seg-2026-11-01', status: 'scoring', progress: { fraction: 0.6 } } } },
    errors: { 404: 'No such run' },
  },
});
