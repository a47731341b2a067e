import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, readJson } from '../shared/http/request.js';
import { runtime } from '../shared/runtime.js';
import { RunRequest } from '../shared/segmentation/api.js';
import { segmentation } from '../shared/segmentation/services.js';
import { startRun } from '../shared/segmentation/start.js';
import { runView } from '../shared/segmentation/view.js';

/**
 * POST /api/segments/runs {asOf?, timeUnit?, runId?, shards?} — starts a run on demand: 201 with the run and
 * its Location; naming an existing runId resumes it (202) or, when it completed, answers it (200).
 */
export const segmentsRunsCreate = httpHandler(async (request) => {
  const body = await readJson(request, RunRequest);
  if (!body.ok) return body.failure;
  const { deps, settings } = segmentation();
  const outcome = await startRun(deps, settings, { trigger: 'on_demand', ...body.value });
  const answer = (status: number, run: Parameters<typeof runView>[0]) =>
    jsonResponse(status, runView(run, deps.clock.now(), runtime().settings.snapshotContainer), {
      location: `/api/segments/runs/${encodeURIComponent(run.runId)}`,
    });
  switch (outcome.kind) {
    case 'started':
      return answer(201, outcome.run);
    case 'resumed':
      return answer(202, outcome.run);
    case 'already_completed':
      return answer(200, outcome.run);
    case 'invalid':
      return { kind: 'invalid', detail: outcome.message, errors: [{ pointer: `/${outcome.field}`, message: outcome.message }] };
    case 'conflict':
      return { kind: 'conflict', detail: outcome.message, reason: 'run_id_taken' };
    default: {
      const exhaustive: never = outcome;
      return exhaustive;
    }
  }
});

httpFunction('segments-runs-create', {
  route: 'segments/runs',
  methods: ['POST'],
  authLevel: 'function',
  handler: segmentsRunsCreate,
  doc: {
    summary: 'Start a segmentation run now (optionally as of a past day), or resume one by its runId',
    tags: ['segments'],
    body: { schema: RunRequest, example: { asOf: '1997-09-30', timeUnit: 'week' } },
    responses: {
      201: { description: 'Started; `Location` names the run', example: { runId: '19970930-a1b2c3d4e5', asOf: '1997-09-30', status: 'summarizing' }, headers: { location: 'the run: /api/segments/runs/{runId}' } },
      202: { description: 'An unfinished or failed run with this runId resumed', example: { runId: 'cdnow-1', status: 'scoring' } },
      200: { description: 'The run with this runId already completed; nothing recomputed', example: { runId: 'cdnow-1', status: 'completed' } },
    },
    errors: { 409: 'The runId is taken by a run for another day (`run_id_taken`)' },
  },
});
