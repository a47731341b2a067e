import { app } from '@azure/functions';
import { dashboardAsset, dashboardHeaders } from '../shared/dashboard/assets.js';
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

app.http('dashboard', {
  route: 'dashboard',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: dashboard,
});
