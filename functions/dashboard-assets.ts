import { z } from 'zod';
import { dashboardAsset, dashboardHeaders } from '../shared/dashboard/assets.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams } from '../shared/http/request.js';

const Params = z.object({ file: z.string().regex(/^[A-Za-z0-9.]{1,64}$/, 'a dashboard file name') });

/** GET /api/dashboard/assets/{file} — the page's scripts and styles (see shared/dashboard/assets.ts). */
export const dashboardAssets = httpHandler(async (request) => {
  const params = validateParams(Params, request.params);
  if (!params.ok) return params.failure;
  const asset = dashboardAsset(params.value.file);
  if (!asset) return { kind: 'not_found', detail: `no dashboard file ${params.value.file}` };
  const { body, contentType } = await asset;
  return { status: 200, body, headers: { 'content-type': contentType, ...dashboardHeaders, 'cache-control': 'public, max-age=300' } };
});

httpFunction('dashboard-assets', {
  route: 'dashboard/assets/{file}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: dashboardAssets,
  doc: {
    summary: "The dashboard's scripts and styles",
    tags: ['dashboard'],
    params: Params,
    responses: { 200: { description: 'The file (JavaScript or CSS)' } },
  },
});
