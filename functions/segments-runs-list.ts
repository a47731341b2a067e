import { app } from '@azure/functions';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { runtime } from '../shared/runtime.js';
import { decodeRunCursor, encodeRunCursor, RunListQuery } from '../shared/segmentation/api.js';
import { segmentation } from '../shared/segmentation/services.js';
import { runView } from '../shared/segmentation/view.js';

/** GET /api/segments/runs?limit=&continuationToken= — runs newest first (by creation), paged. */
export const segmentsRunsList = httpHandler(async (request) => {
  const query = validateParams(RunListQuery, Object.fromEntries(request.query.entries()));
  if (!query.ok) return query.failure;
  const { limit, continuationToken } = query.value;
  const after = continuationToken === undefined ? undefined : decodeRunCursor(continuationToken);
  if (continuationToken !== undefined && after === undefined) {
    const message = 'not a token this route issued: pass the continuationToken of the previous page unchanged, or none for the first page';
    return { kind: 'invalid', detail: message, errors: [{ pointer: 'route/continuationToken', message }] };
  }
  const { runs, deps } = segmentation();
  const page = await runs.list(limit, after);
  const last = page.runs.at(-1);
  return jsonResponse(200, {
    runs: page.runs.map((run) => runView(run, deps.clock.now(), runtime().settings.snapshotContainer)),
    continuationToken: page.more && last ? encodeRunCursor(last) : null,
  });
});

app.http('segments-runs-list', {
  route: 'segments/runs',
  methods: ['GET'],
  authLevel: 'function',
  handler: segmentsRunsList,
});
