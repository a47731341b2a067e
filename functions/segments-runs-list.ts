import { nextPageToken, readPageToken } from '../shared/http/paging.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateQuery } from '../shared/http/request.js';
import { runtime } from '../shared/runtime.js';
import { RunListQuery, runCursorOf, runCursorPosition } from '../shared/segmentation/api.js';
import { segmentation } from '../shared/segmentation/services.js';
import { runView } from '../shared/segmentation/view.js';

const scope = 'segment-runs';

/** GET /api/segments/runs?limit=&continuationToken= — segmentation runs, newest first, paged. */
export const segmentsRunsList = httpHandler(async (request) => {
  const query = validateQuery(RunListQuery, request);
  if (!query.ok) return query.failure;
  const { limit, continuationToken } = query.value;
  const position = readPageToken(scope, continuationToken);
  if (!position.ok) return position.failure;
  const after = position.value === undefined ? undefined : runCursorOf(position.value);
  if (position.value !== undefined && after === undefined) {
    const message = 'not a position of this listing';
    return { kind: 'invalid', detail: `invalid continuationToken: ${message}`, errors: [{ pointer: 'query/continuationToken', message }] };
  }
  const { runs, deps } = segmentation();
  const page = await runs.list(limit, after);
  const last = page.runs.at(-1);
  return jsonResponse(200, {
    runs: page.runs.map((run) => runView(run, deps.clock.now(), runtime().settings.snapshotContainer)),
    continuationToken: page.more && last ? nextPageToken(scope, runCursorPosition(last)) : null,
  });
});

httpFunction('segments-runs-list', {
  route: 'segments/runs',
  methods: ['GET'],
  authLevel: 'function',
  handler: segmentsRunsList,
  doc: {
    summary: 'Segmentation runs, newest first, paged',
    tags: ['segments'],
    query: RunListQuery,
    responses: {
      200: {
        description: 'One page of runs (each as GET /api/segments/runs/{runId} shows it); `continuationToken` is null on the last page',
        example: { runs: [{ runId: '20261101-s3f9c0d12ab', asOf: '2026-11-01', status: 'completed', customers: 2357 }], continuationToken: null },
      },
    },
  },
});
