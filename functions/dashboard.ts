import { dashboardAsset, dashboardHeaders } from '../shared/dashboard/assets.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler } from '../shared/http/request.js';

/**
 * GET /api/dashboard — the marketer's page. The page itself carries no data and is served without a key:
 * the Functions host answers a keyless request to a function-level route with a bare 401 before any code
 * runs, which could not show a sign-in form. Every figure on the page comes from function-key API calls;
 * a key given as ?code= is moved into the tab's session storage and sent as x-functions-key.
 */
export const dashboard = httpHandler(async () => {
  const page = await dashboardAsset('index.html')!;
  return { status: 200, body: page.body, headers: { 'content-type': page.contentType, ...dashboardHeaders } };
});

httpFunction('dashboard', {
  route: 'dashboard',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: dashboard,
  doc: {
    summary: "The marketer's dashboard (HTML page; sign in with the function key, or open it with ?code=)",
    tags: ['dashboard'],
    responses: { 200: { description: 'The page (text/html); it holds no data until signed in' } },
  },
});
